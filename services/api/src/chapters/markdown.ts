// What a model may and may not touch in a section: the structure is swapped for placeholders, and checked afterwards.
import GithubSlugger from "github-slugger";
import type { Nodes, Root } from "mdast";
import { ADMONITION_LINE, fencedLines, type HeadingLine, headingLines } from "../ingest/markdown-lines.ts";
import { markdownTree } from "../ingest/parse.ts";

/** A placeholder the model must keep: ⟦n⟧ (brackets no Markdown, code or prose uses). */
const TOKEN = /⟦(\d+)⟧/g;
const HAS_TOKEN = /⟦\d+⟧/;
const token = (i: number) => `⟦${i}⟧`;

/** Nodes that are structure, not prose: each becomes one placeholder, whole (nothing inside is shown). */
/** Protected block nodes whose exact source the structure check compares, in order. */
const BLOCK_TYPES = new Set([
  "code",
  "math",
  "table",
  "html",
  "mdxJsxFlowElement",
  "mdxjsEsm",
  "mdxFlowExpression",
  "definition",
  "footnoteDefinition",
  "leafDirective",
]);

const PROTECTED = new Set<string>([
  ...BLOCK_TYPES,
  "thematicBreak",
  "yaml",
  "containerDirective",
  "inlineCode",
  "inlineMath",
  "link",
  "linkReference",
  "image",
  "imageReference",
  "mdxJsxTextElement",
  "mdxTextExpression",
  "footnoteReference",
]);

export interface SectionShape {
  /** The section's anchor ("" for the lead). */
  anchor: string;
  /** Heading depth; 0 for the lead. */
  depth: number;
  /** The doc is MDX (the parser must read JSX and ESM). */
  mdx: boolean;
}

export interface ProtectedSection {
  /** What the model sees: the section with every protected part replaced by ⟦n⟧. */
  text: string;
  /** The originals by placeholder number. */
  originals: string[];
  /** The placeholders visible in `text` (each must come back exactly once). */
  visible: number[];
  /** True when the text holds prose to work on (not only placeholders and whitespace). */
  hasProse: boolean;
}

/** Parses Markdown (or MDX) as the ingest parser does; MDX that does not parse is read as plain Markdown. */
function tree(markdown: string, mdx: boolean): Root {
  if (mdx) {
    try {
      return markdownTree(markdown, { mdx: true });
    } catch {
      // Fall through: the ingest indexed such a page as plain Markdown too.
    }
  }
  return markdownTree(markdown, { mdx: false });
}

/** Lines outside code fences that open or close an admonition. */
function admonitionLines(lines: string[]): Set<number> {
  const fenced = fencedLines(lines);
  return new Set(lines.flatMap((line, i) => (!fenced[i] && ADMONITION_LINE.test(line) ? [i] : [])));
}

/**
 * The page's own `# Title` at the top of the lead: a translation translates it too (it has no anchor of its own; an
 * explicit id stays as a placeholder). Headings elsewhere that are not the section's own stay as written.
 */
function isLeadTitle(h: HeadingLine, shape: SectionShape, firstHeading: HeadingLine | undefined): boolean {
  return shape.depth === 0 && h.depth === 1 && h.span === 1 && h.text !== "" && h === firstHeading;
}

/** The section's own heading line as every variant writes it: ATX, with the source's anchor as an explicit id. */
export function headingLine(depth: number, text: string, anchor: string): string {
  // A heading whose text gives no slug (only emoji, say) has no id to keep.
  return `${"#".repeat(depth)} ${text}${anchor ? ` {#${anchor}}` : ""}`;
}

/**
 * The source section as a variant shows it unchanged: the same Markdown, its own heading line written with the
 * explicit `{#anchor}` (so the id survives however the page is rendered).
 */
export function originalMarkdown(markdown: string, shape: SectionShape): string {
  if (shape.depth === 0) return markdown;
  const lines = markdown.split("\n");
  const own = headingLines(lines)[0];
  if (own?.line !== 0) return markdown;
  lines.splice(0, own.span, headingLine(own.depth, own.text, shape.anchor));
  return lines.join("\n");
}

/**
 * Replaces everything the model must not change with placeholders: the section's heading line (for a translation
 * only its `{#id}`, so the heading text can be translated), other heading lines, admonition lines, code, math,
 * tables, links, images, inline code, HTML, JSX and ESM. The rest is the prose, as written.
 */
export function protect(
  markdown: string,
  shape: SectionShape,
  opts: { translateHeading: boolean },
): ProtectedSection {
  const originals: string[] = [];
  const add = (original: string) => originals.push(original) - 1;
  const lines = markdown.split("\n");
  const headings = headingLines(lines);
  const admonitions = admonitionLines(lines);
  const out: string[] = [];
  const headingAt = new Map(headings.map((h) => [h.line, h]));
  for (let i = 0; i < lines.length; i++) {
    const h = headingAt.get(i);
    if (h) {
      const own = i === 0 && shape.depth > 0;
      if (own && opts.translateHeading) {
        out.push(
          shape.anchor
            ? `${"#".repeat(h.depth)} ${h.text} ${token(add(`{#${shape.anchor}}`))}`
            : `${"#".repeat(h.depth)} ${h.text}`,
        );
      } else if (own) {
        out.push(token(add(headingLine(h.depth, h.text, shape.anchor))));
      } else if (opts.translateHeading && isLeadTitle(h, shape, headings[0]) && h.span === 1 && h.text) {
        // "# " and whatever follows the text (an explicit id, closing #s) stay as written; the text is translated.
        const line = lines[i] ?? "";
        const at = line.indexOf(h.text);
        const rest = line.slice(at + h.text.length);
        const gap = /^\s*/.exec(rest)?.[0] ?? "";
        out.push(
          `${line.slice(0, at)}${h.text}${rest.trim() ? `${gap}${token(add(rest.slice(gap.length)))}` : rest}`,
        );
      } else {
        out.push(token(add(lines.slice(i, i + h.span).join("\n"))));
      }
      i += h.span - 1;
      continue;
    }
    if (admonitions.has(i)) {
      out.push(token(add(lines[i] ?? "")));
      continue;
    }
    out.push(lines[i] ?? "");
  }
  const lined = out.join("\n");

  // Structure the parser finds: each outermost protected node becomes one placeholder.
  const ranges: Array<[number, number]> = [];
  const visit = (node: Nodes) => {
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    if (PROTECTED.has(node.type) && start !== undefined && end !== undefined) {
      ranges.push([start, end]);
      return;
    }
    if ("children" in node) for (const child of node.children as Nodes[]) visit(child);
  };
  visit(tree(lined, shape.mdx));
  ranges.sort((a, b) => a[0] - b[0]);
  let text = "";
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue;
    text += lined.slice(at, start) + token(add(lined.slice(start, end)));
    at = end;
  }
  text += lined.slice(at);
  const visible = [...text.matchAll(TOKEN)].map((m) => Number(m[1]));
  return { text, originals, visible, hasProse: /\p{L}/u.test(text.replace(TOKEN, "")) };
}

/** Why a model's output cannot be used, or null when every placeholder came back exactly once and nothing else. */
export function placeholderProblem(output: string, section: ProtectedSection): string | null {
  const seen = new Map<number, number>();
  for (const m of output.matchAll(TOKEN)) {
    const n = Number(m[1]);
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const visible = new Set(section.visible);
  for (const n of section.visible) {
    const count = seen.get(n) ?? 0;
    if (count !== 1) return `placeholder ${token(n)} appears ${count} times`;
  }
  for (const n of seen.keys()) if (!visible.has(n)) return `unknown placeholder ${token(n)}`;
  // Block placeholders (a whole line in the source) keep their order: the section's layout stays the source's.
  const blockOrder = (text: string) =>
    [...text.matchAll(/^[ \t]*⟦(\d+)⟧[ \t]*$/gm)].map((m) => Number(m[1])).filter((n) => visible.has(n));
  const want = blockOrder(section.text);
  const got = blockOrder(output).filter((n) => want.includes(n));
  if (want.join(",") !== got.join(",")) return "block placeholders moved";
  return null;
}

/** Puts the originals back (nested placeholders included). */
export function restore(output: string, section: ProtectedSection): string {
  let text = output;
  for (let pass = 0; pass < 4 && HAS_TOKEN.test(text); pass++) {
    text = text.replace(TOKEN, (whole, n: string) => section.originals[Number(n)] ?? whole);
  }
  return text;
}

/** What must be byte-identical between a section and its variant, read from the Markdown itself. */
export interface Structure {
  /** The section's own heading: depth and id (and text, compared for personalization only). */
  heading: { depth: number; id: string; text: string } | null;
  /** Other heading lines, admonition lines, and block structure (code, math, tables, JSX, HTML) in order. */
  blocks: string[];
  /** Inline structure (links, images, inline code and math, inline JSX), as a sorted list (a translation may reorder). */
  inline: string[];
  /** Letters outside the structure: the prose's size. */
  proseLetters: number;
}

/**
 * Reads the structure of one section. `translated`: the lead's `# Title` counts by its level and id only (its text is
 * translated).
 */
export function structureOf(markdown: string, shape: SectionShape, translated = false): Structure {
  const lines = markdown.split("\n");
  const headings = headingLines(lines);
  const admonitions = admonitionLines(lines);
  const blocks: string[] = [];
  let heading: Structure["heading"] = null;
  const kept: string[] = [];
  const headingAt = new Map(headings.map((h) => [h.line, h]));
  for (let i = 0; i < lines.length; i++) {
    const h = headingAt.get(i);
    if (h) {
      if (i === 0 && shape.depth > 0) {
        const slug = new GithubSlugger().slug(h.text);
        heading = { depth: h.depth, id: h.customId ?? slug, text: h.text };
      } else if (translated && isLeadTitle(h, shape, headings[0])) blocks.push(`title:${h.customId ?? ""}`);
      else blocks.push(`heading:${lines.slice(i, i + h.span).join("\n")}`);
      kept.push("");
      i += h.span - 1;
      continue;
    }
    if (admonitions.has(i)) {
      blocks.push(`admonition:${(lines[i] ?? "").trim()}`);
      kept.push("");
      continue;
    }
    kept.push(lines[i] ?? "");
  }
  const text = kept.join("\n");
  const inline: string[] = [];
  let prose = text;
  const visit = (node: Nodes) => {
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    if (PROTECTED.has(node.type) && start !== undefined && end !== undefined) {
      const raw = text.slice(start, end);
      if (BLOCK_TYPES.has(node.type)) blocks.push(`${node.type}:${raw}`);
      else inline.push(`${node.type}:${raw}`);
      prose = prose.replace(raw, "");
      return;
    }
    if ("children" in node) for (const child of node.children as Nodes[]) visit(child);
  };
  visit(tree(text, shape.mdx));
  return {
    heading,
    blocks,
    inline: inline.sort(),
    proseLetters: (prose.match(/\p{L}/gu) ?? []).length,
  };
}

/**
 * Why `variant` is not a faithful variant of `source`, or null: the same heading (depth and id; and text when
 * `sameHeadingText`), the same blocks in order, the same inline structure, and prose of a plausible size.
 */
export function structureProblem(
  source: string,
  variant: string,
  shape: SectionShape,
  opts: { sameHeadingText: boolean },
): string | null {
  const a = structureOf(source, shape, !opts.sameHeadingText);
  const b = structureOf(variant, shape, !opts.sameHeadingText);
  if (shape.depth > 0) {
    if (!b.heading) return "the heading is missing";
    if (b.heading.depth !== a.heading?.depth) return `the heading level changed to ${b.heading.depth}`;
    if (shape.anchor && b.heading.id !== shape.anchor) return `the heading id changed to "${b.heading.id}"`;
    if (opts.sameHeadingText && b.heading.text !== a.heading?.text) return "the heading text changed";
  } else if (b.heading) return "a heading was added to the lead";
  if (a.blocks.length !== b.blocks.length || a.blocks.some((x, i) => x !== b.blocks[i])) {
    const i = a.blocks.findIndex((x, j) => x !== b.blocks[j]);
    const what = (a.blocks[i] ?? b.blocks[i] ?? "block").split(":")[0];
    return `a ${what} block differs from the source`;
  }
  if (a.inline.length !== b.inline.length || a.inline.some((x, i) => x !== b.inline[i])) {
    return "a link, image, inline code or math differs from the source";
  }
  // Dropping most of the prose (a truncated answer) or burying it is not a variant.
  if (
    a.proseLetters >= 40 &&
    (b.proseLetters < a.proseLetters * 0.3 || b.proseLetters > a.proseLetters * 5)
  ) {
    return `the prose went from ${a.proseLetters} to ${b.proseLetters} letters`;
  }
  return null;
}
