// Line-level facts about Markdown source that the parser's tree does not keep: code fences and heading lines as written.

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
/** An admonition's opening (`:::tip`, `:::tip[Title]`, `:::tip Title`) or closing (`:::`) line. */
export const ADMONITION_LINE = /^\s*:{3,}(?:[A-Za-z][\w-]*.*)?\s*$/;
/** An explicit heading id: Docusaurus's `{#custom-id}` or Hugging Face doc-builder's `[[custom-id]]`. */
const CUSTOM_ID = /\s*(?:\{#([^}\s]+)\}|\[\[([^\]\s]+)\]\])\s*$/;

/** For each line: true when it opens, closes or lies inside a fenced code block. */
export function fencedLines(lines: readonly string[]): boolean[] {
  const out: boolean[] = [];
  let fence: string | null = null;
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (m) {
      const marker = m[1] ?? "";
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
        fence = null;
      out.push(true);
    } else out.push(fence !== null);
  }
  return out;
}

export interface HeadingLine {
  /** 0-based line where the heading starts (a setext heading: its text line). */
  line: number;
  /** Lines the heading takes: 1, or 2 for a setext heading. */
  span: number;
  depth: number;
  /** The heading text as written, without its explicit id. */
  text: string;
  /** The explicit `{#id}` / `[[id]]`, when written. */
  customId: string | null;
}

/**
 * Every line from `from` on that reads as a heading (ATX or setext), outside code fences. Headings inside a
 * container (an admonition, a component) are listed too: the parser's tree tells which ones are sections.
 */
export function headingLines(lines: readonly string[], from = 0): HeadingLine[] {
  const fenced = fencedLines(lines);
  const out: HeadingLine[] = [];
  for (let i = from; i < lines.length; i++) {
    if (fenced[i]) continue;
    const line = lines[i] ?? "";
    const atx = ATX.exec(line);
    const next = lines[i + 1] ?? "";
    let depth: number;
    let raw: string;
    let span = 1;
    if (atx) {
      depth = atx[1]?.length ?? 1;
      raw = atx[2] ?? "";
    } else if (
      line.trim() &&
      !fenced[i + 1] &&
      SETEXT_UNDERLINE.test(next) &&
      !ADMONITION_LINE.test(line) &&
      !/^\s*(?:[-*+]|\d+[.)])\s/.test(line)
    ) {
      depth = next.trim().startsWith("=") ? 1 : 2;
      raw = line.trim();
      span = 2;
    } else continue;
    const m = CUSTOM_ID.exec(raw);
    out.push({
      line: i,
      span,
      depth,
      text: m ? raw.slice(0, m.index).trim() : raw.trim(),
      customId: m ? (m[1] ?? m[2] ?? null) : null,
    });
    i += span - 1;
  }
  return out;
}
