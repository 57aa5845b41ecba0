// A conversation as a Markdown document the reader can keep: questions, answers, and the cited sections as links.
import type { Conversation } from "@ai-book/contracts";

/** Markdown link text cannot hold unescaped brackets. */
const linkText = (s: string) => s.replace(/([[\]\\])/g, "\\$1");

const quote = (s: string) =>
  s
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");

export function conversationMarkdown(conv: Conversation): string {
  const out: string[] = [`# ${conv.title.replace(/\n/g, " ")}`, "", `_Started ${conv.createdAt}_`, ""];
  for (const m of conv.messages) {
    out.push("## Question", "");
    if (m.selectedText) out.push(quote(m.selectedText), "");
    out.push(m.question, "", "## Answer", "", m.answer, "");
    if (m.sources.length > 0) {
      out.push("**Sources**", "");
      m.sources.forEach((s, i) => {
        const name = s.heading ? `${s.title} › ${s.heading}` : s.title;
        out.push(`${i + 1}. [${linkText(name)}](${s.url})`);
      });
      out.push("");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}
