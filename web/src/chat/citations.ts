// Turns the answer's [n] citation markers into Markdown links to the numbered sources.
import type { Source } from "@ai-book/contracts";

/** `[1]`, `[2, 3]` or `[1][2]` not already followed by a link target `(`. */
const CITATION = /\[(\d+(?:\s*,\s*\d+)*)\](?!\()/g;

/** Fragment identifier the link carries so the renderer can recognise citation links. */
export const CITATION_TITLE_PREFIX = "Source ";

/**
 * Replaces every citation number that names a source with a link `[[n]](url "Source n: title")`;
 * numbers without a source stay as plain text. Code spans and blocks are left alone.
 */
export function linkCitations(markdown: string, sources: readonly Source[]): string {
  if (sources.length === 0) return markdown;
  // Odd indexes of this split are code (fenced blocks or inline spans), which must stay verbatim.
  const parts = markdown.split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/);
  return parts
    .map((part, index) =>
      index % 2 === 1
        ? part
        : part.replace(CITATION, (whole, list: string) => {
            const numbers = list.split(",").map((n) => Number(n.trim()));
            if (!numbers.every((n) => sources[n - 1])) return whole;
            return numbers
              .map((n) => {
                const source = sources[n - 1] as Source;
                return `[[${n}]](<${source.url.replaceAll(">", "%3E")}> "${citationTitle(n, source)}")`;
              })
              .join("");
          }),
    )
    .join("");
}

/** The title of the citation link of source `n` (the renderer recognises citations by it and by the URL). */
export function citationTitle(n: number, source: Source): string {
  return `${CITATION_TITLE_PREFIX}${n}: ${sourceLabel(source)}`.replaceAll('"', "'");
}

/** "Document title › Heading" */
export function sourceLabel(source: Source): string {
  const heading = source.heading.split(" > ").at(-1)?.trim();
  return heading && heading !== source.title ? `${source.title} › ${heading}` : source.title;
}

/**
 * A same-origin source URL as a route path (so the book navigates without a reload and keeps the chat);
 * undefined for URLs on another origin.
 */
export function toLocalPath(url: string, currentOrigin: string): string | undefined {
  try {
    const parsed = new URL(url, currentOrigin);
    return parsed.origin === currentOrigin ? `${parsed.pathname}${parsed.search}${parsed.hash}` : undefined;
  } catch {
    return undefined;
  }
}
