// The account mails (verification, password reset): subject, plain text and a minimal HTML part around one link.
import type { MailMessage } from "../mail.ts";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
// Five fixed replacements; a templating library would be heavier than the two mails it renders.
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

function message(
  to: string,
  subject: string,
  lead: string,
  action: string,
  link: string,
  tail: string,
): MailMessage {
  return {
    to,
    subject,
    link,
    text: `${lead}\n\n${action}:\n${link}\n\n${tail}\n`,
    html: `<p>${escapeHtml(lead)}</p><p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p><p>${escapeHtml(tail)}</p>`,
  };
}

export function verificationMail(to: string, link: string): MailMessage {
  return message(
    to,
    "Verify your email address",
    "Welcome to the book's tutor. Please confirm that this address is yours.",
    "Verify my email address",
    link,
    "If you did not create an account, ignore this mail.",
  );
}

export function passwordResetMail(to: string, link: string, expiresInMinutes: number): MailMessage {
  return message(
    to,
    "Reset your password",
    "Someone (hopefully you) asked to reset the password of your account.",
    "Choose a new password",
    link,
    `The link works once and expires in ${expiresInMinutes} minutes. All your other sessions will be signed out. If you did not ask, ignore this mail: your password stays as it is.`,
  );
}
