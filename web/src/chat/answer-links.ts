// What a link in a tutor answer may become: a citation (only one built from an [n] marker), a link to the book or a source, or plain text.
import type { Source } from "@ai-book/contracts";
import { citationTitle, toLocalPath } from "./citations.ts";

export type AnswerLink =
  /** Built by linkCitations from an `[n]` marker: the source's own URL and title. */
  | { kind: "citation"; href: string; local: string | undefined; title: string }
  /** A page of the book, or one of the answer's source URLs. */
  | { kind: "link"; href: string; local: string | undefined }
  /** Anywhere else: shown as its text only, never as a link (the model's text is not trusted). */
  | { kind: "text" };

/**
 * Classifies a link of the rendered answer. The answer is written by a model that reads book text, so a page could
 * make it emit a link to a foreign site or one titled "Source 1" to pass as a citation: only a link whose URL and
 * title are exactly those of a returned source is a citation, and only the book's origin and source URLs are links.
 */
export function classifyAnswerLink(
  href: string | undefined,
  title: string | undefined,
  sources: readonly Source[],
  bookOrigin: string,
): AnswerLink {
  if (!href) return { kind: "text" };
  const local = toLocalPath(href, bookOrigin);
  const index = sources.findIndex((s) => s.url === href);
  const source = sources[index];
  if (source && title !== undefined && title === citationTitle(index + 1, source))
    return { kind: "citation", href, local, title };
  return source ? { kind: "link", href, local } : classifyBookLink(href, new Set(), bookOrigin);
}

/**
 * A link in other model-written text (a chapter variant): a page of the book, or one of `allowed` (the URLs the
 * original chapter links to), else plain text.
 */
export function classifyBookLink(
  href: string | undefined,
  allowed: ReadonlySet<string>,
  bookOrigin: string,
): AnswerLink {
  if (!href) return { kind: "text" };
  const local = toLocalPath(href, bookOrigin);
  if (local !== undefined || allowed.has(href)) return { kind: "link", href, local };
  return { kind: "text" };
}
