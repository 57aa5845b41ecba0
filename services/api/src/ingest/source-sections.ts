// A document's source cut into its sections as written (heading line to next heading), matched to the parsed sections.
import type { SourceSection } from "../rag/ports.ts";
import { headingLines } from "./markdown-lines.ts";
import type { Section } from "./parse.ts";

/** The heading text reduced to letters and digits: the parser's text and the raw line compare equal through it. */
function comparable(text: string): string {
  return text
    .replace(/\s*(?:\{#[^}\s]+\}|\[\[[^\]\s]+\]\])\s*$/, "")
    .replace(/\]\([^)]*\)/g, "]")
    .replace(/<[^>]+>/g, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Where the body starts: after YAML frontmatter ("---" … "---") when the file opens with one. */
function bodyStart(lines: string[]): number {
  if (!/^\uFEFF?---\s*$/.test(lines[0] ?? "")) return 0;
  for (let i = 1; i < lines.length; i++) if (/^(?:---|\.\.\.)\s*$/.test(lines[i] ?? "")) return i + 1;
  return 0;
}

const trimBlankLines = (lines: string[]) =>
  lines
    .join("\n")
    .replace(/^\s*\n/, "")
    .trimEnd();

/**
 * The source of each parsed section: the lead (before the first section heading, the page's h1 title included,
 * the frontmatter left out) and one entry per section, from its heading line up to the next section's. Returns
 * null when a parsed section cannot be found in the source (the document is then not offered for variants rather
 * than rebuilt wrongly).
 */
export function sourceSections(source: string, sections: Section[]): SourceSection[] | null {
  const lines = source.split(/\r?\n/);
  const start = bodyStart(lines);
  const candidates = headingLines(lines, start);
  const starts: Array<{ section: Section; line: number }> = [];
  let next = 0;
  for (const section of sections) {
    if (section.depth === 0) continue;
    const want = comparable(section.headingPath.at(-1) ?? "");
    let found = candidates.findIndex(
      (c, i) => i >= next && c.depth === section.depth && comparable(c.text) === want,
    );
    // Text the two read differently (an HTML entity, say): the next heading of the same depth.
    if (found < 0) found = candidates.findIndex((c, i) => i >= next && c.depth === section.depth);
    if (found < 0) return null;
    starts.push({ section, line: candidates[found]?.line ?? 0 });
    next = found + 1;
  }
  const out: SourceSection[] = [];
  const lead = trimBlankLines(lines.slice(start, starts[0]?.line ?? lines.length));
  if (lead.trim()) out.push({ anchor: "", heading: "", depth: 0, markdown: lead });
  for (const [i, { section, line }] of starts.entries()) {
    out.push({
      anchor: section.anchor ?? "",
      heading: section.headingPath.at(-1) ?? "",
      depth: section.depth,
      markdown: trimBlankLines(lines.slice(line, starts[i + 1]?.line ?? lines.length)),
    });
  }
  return out;
}
