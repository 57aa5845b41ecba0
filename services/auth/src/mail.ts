// Outgoing mail through nodemailer: SMTP when SMTP_URL is set, else .eml files under DATA_DIR/mail plus the link at info.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "@ai-book/http";
import nodemailer from "nodemailer";
import { safeError } from "./safe-error.ts";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The one link the reader must follow; logged in file mode so a developer can click it. */
  link: string;
}

export interface Mailer {
  kind: "smtp" | "file";
  /** Delivers now; rejects when the server refuses. */
  send(message: MailMessage): Promise<void>;
  /**
   * Delivers in the background and logs a failure: the caller answers at once, so a request that sends mail
   * takes as long as one that does not (no account enumeration by timing).
   */
  queue(message: MailMessage): void;
  /** Waits for queued mail, then closes the SMTP connection pool. */
  close(): Promise<void>;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  /** Where messages go without SMTP. */
  dir: string;
  logger: Logger;
}

export function createMailer(opts: MailerOptions): Mailer {
  const log = opts.logger.child({ component: "mail" });
  const kind = opts.smtpUrl ? "smtp" : "file";
  // File mode: nodemailer still builds the real MIME message (streamTransport), we only keep it instead of sending.
  const transport = opts.smtpUrl
    ? nodemailer.createTransport(opts.smtpUrl, { from: opts.from })
    : nodemailer.createTransport(
        { streamTransport: true, buffer: true, newline: "unix" },
        { from: opts.from },
      );
  const pending = new Set<Promise<void>>();

  async function send(message: MailMessage): Promise<void> {
    const info = await transport.sendMail({
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    if (kind === "smtp") {
      log.info({ subject: message.subject }, "mail sent");
      return;
    }
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const file = join(opts.dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID()}.eml`);
    writeFileSync(file, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
    log.info({ file, subject: message.subject, link: message.link }, "mail written (no SMTP_URL)");
  }

  return {
    kind,
    send,
    queue(message) {
      const p = send(message)
        .catch((err: unknown) => log.error({ err: safeError(err), subject: message.subject }, "mail failed"))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async close() {
      await Promise.allSettled([...pending]);
      transport.close();
    },
  };
}
