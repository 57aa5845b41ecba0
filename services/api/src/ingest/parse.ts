// Markdown/MDX → sections of plain text blocks, through remark configured as Docusaurus configures it.
import remarkComment from "@slorber/remark-comment";
import type { Element, Root as HastRoot } from "hast";
import { fromHtml } from "hast-util-from-html";
import { toText } from "hast-util-to-text";
import { load as loadYaml, YAMLException } from "js-yaml";
import type { Heading, Nodes, Root, RootContent } from "mdast";
import { toString as mdastToString } from "mdast-util-to-string";
import remarkDirective from "remark-directive";
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import remarkMdx from "remark-mdx";
import remarkParse from "remark-parse";
import { unified } from "unified";

/** The frontmatter fields ingest understands (others are kept in `raw`). */
export interface Frontmatter {
  id?: string;
  title?: string;
  slug?: string;
  sidebar_position?: number;
  description?: string;
  draft?: boolean;
  raw: Record<string, unknown>;
}

export type BlockKind = "prose" | "list" | "code" | "table" | "admonition" | "math" | "quote" | "component";

/** A unit of text the chunker keeps whole when it can (a paragraph, a code block, a table, an admonition...). */
export interface Block {
  kind: BlockKind;
  text: string;
  /** 1-based line where the block starts in the source file. */
  line: number;
}

export interface Section {
  /** Headings from the top section down to this one; empty for the lead (content before the first heading). */
  headingPath: string[];
  /** Heading depth (1-6); 0 for the lead. */
  depth: number;
  /** The heading's anchor as Docusaurus generates it; null for the lead. */
  anchor: string | null;
  blocks: Block[];
}

/** Something ingest worked around in a file (e.g. MDX read as plain Markdown); `line` is 1-based. */
export interface ParseWarning {
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface ParsedDocument {
  frontmatter: Frontmatter;
  /** What was worked around while reading the file (empty for a clean parse). */
  warnings: ParseWarning[];
  /** Frontmatter title, else the first h1 before any other heading, else null (the caller uses the file name). */
  title: string | null;
  sections: Section[];
}

/** A file that cannot be parsed; `line`/`column` are 1-based positions in the original file. */
export class ParseError extends Error {
  override name = "ParseError";
  constructor(
    readonly path: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${path}:${line}:${column}: ${reason}`);
  }
}

/** Docusaurus's two formats: "md" (CommonMark) for .md files, "mdx" for .mdx (`markdown.format: "detect"`). */
type MarkdownFormat = "md" | "mdx";

/**
 * The parser Docusaurus's mdx-loader builds for a format (its processor.ts): remark-parse, remark-mdx for "mdx"
 * only, then its remark plugins in its order (front matter, directives for admonitions, GFM, MDX 1 `<!-- -->`
 * comments) and the book's own (remark-math, as the sample book configures it). Only the parser runs: the trees
 * are read, not compiled. Each processor is built once and frozen.
 */
function docusaurusParser(format: MarkdownFormat) {
  const parser = unified().use(remarkParse);
  if (format === "mdx") parser.use(remarkMdx);
  parser.use(remarkFrontmatter).use(remarkDirective).use(remarkGfm);
  // MDX 1 comments only where MDX needs them: CommonMark reads `<!-- -->` as HTML already, and remark-comment's
  // flow construct throws on a comment with text after it on the same line (`<!-- note --> more`), which plain
  // Markdown must read (it is the fallback for MDX that does not parse).
  if (format === "mdx") parser.use(remarkComment);
  return parser.use(remarkMath).freeze();
}

const PARSERS = { md: docusaurusParser("md"), mdx: docusaurusParser("mdx") };

/** Markdown (`mdx: false`) or MDX source → mdast, as Docusaurus's remark reads it. */
export function markdownTree(source: string, opts: { mdx: boolean }): Root {
  return PARSERS[opts.mdx ? "mdx" : "md"].parse(source);
}

/** JSX props that never carry reader-facing prose. */
const NON_PROSE_PROPS = new Set([
  "className",
  "classNames",
  "class",
  "style",
  "id",
  "key",
  "href",
  "src",
  "to",
  "value",
  "type",
  "language",
  "lang",
  "icon",
  "color",
  "variant",
  "size",
  "width",
  "height",
  "groupId",
  "queryString",
  "target",
  "rel",
]);

/** A string carries prose when it has at least three words of letters (not a path, a class list or a number). */
function isProse(s: string): boolean {
  const t = s.trim();
  if (!/\p{L}/u.test(t)) return false;
  if (/^[\w./:#@-]+$/u.test(t)) return false;
  return t.split(/\s+/).length >= 3 || /[.?!]$/.test(t);
}

/** Every string literal inside a JS expression's ESTree that reads as prose (e.g. quiz questions in a prop). */
function proseInEstree(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const n of node) proseInEstree(n, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as { type?: string; value?: unknown; quasis?: Array<{ value: { cooked?: string | null } }> };
  if (n.type === "Literal" && typeof n.value === "string") {
    if (isProse(n.value)) out.push(n.value.trim());
    return;
  }
  if (n.type === "TemplateLiteral" && n.quasis) {
    const s = n.quasis.map((q) => q.value.cooked ?? "").join(" ");
    if (isProse(s)) out.push(s.trim());
    return;
  }
  for (const [key, value] of Object.entries(n)) {
    if (key === "loc" || key === "range" || key === "position") continue;
    if (value && typeof value === "object") proseInEstree(value, out);
  }
}

function htmlText(html: string): string {
  const tree: HastRoot = fromHtml(html, { fragment: true });
  return toText(tree as unknown as Element, { whitespace: "normal" }).trim();
}

/**
 * Components that hold a quiz or exercise (`<Quiz>`, `<QuizComponent>`, Hugging Face's `<Question>`, `<MCQ>` ...):
 * their props are questions and answer options, not explanations, so they are not indexed. The name is matched
 * by what quiz components are generally called, never by one book's component list.
 */
const QUIZ_COMPONENT = /(?:quiz|question|mcq|multiplechoice|exercise|assessment|flashcard)/i;

export function isQuizComponent(name: string | null | undefined): boolean {
  return name != null && QUIZ_COMPONENT.test(name);
}

type JsxElement = Extract<Nodes, { type: "mdxJsxFlowElement" | "mdxJsxTextElement" }>;

function jsxPropProse(node: JsxElement): string[] {
  const out: string[] = [];
  for (const attr of node.attributes) {
    if (attr.type !== "mdxJsxAttribute" || NON_PROSE_PROPS.has(attr.name)) continue;
    if (typeof attr.value === "string") {
      if (isProse(attr.value) || attr.name === "title" || attr.name === "label") out.push(attr.value.trim());
    } else if (attr.value && typeof attr.value === "object") {
      proseInEstree(attr.value.data?.estree, out);
    }
  }
  return out.filter(Boolean);
}

/** Inline (phrasing) content as plain text. */
function inlineText(node: Nodes): string {
  switch (node.type) {
    case "text":
    case "inlineCode":
    case "inlineMath":
      return node.value;
    case "break":
      return "\n";
    case "html":
      return htmlText(node.value);
    case "image":
      return node.alt ?? "";
    case "mdxTextExpression":
    case "mdxFlowExpression":
    case "mdxjsEsm":
    case "footnoteReference":
    case "yaml":
      return "";
    case "textDirective": {
      // "10:30" or "ROS:topic" parse as text directives; give the reader back what was written.
      const inner = node.children.map(inlineText).join("");
      return `:${node.name}${inner ? `[${inner}]` : ""}`;
    }
    case "mdxJsxTextElement": {
      if (isQuizComponent(node.name)) return "";
      const props = jsxPropProse(node);
      const inner = node.children.map(inlineText).join("");
      return [...props, inner].filter(Boolean).join(" ");
    }
    default:
      return "children" in node ? (node.children as Nodes[]).map(inlineText).join("") : "";
  }
}

function listText(node: Extract<Nodes, { type: "list" }>, indent = ""): string {
  return node.children
    .map((item, i) => {
      const marker = node.ordered ? `${(node.start ?? 1) + i}.` : "-";
      const check = item.checked === true ? "[x] " : item.checked === false ? "[ ] " : "";
      const parts = item.children.map((child) =>
        child.type === "list" ? listText(child, `${indent}  `) : flowText(child),
      );
      const [first = "", ...rest] = parts;
      return [`${indent}${marker} ${check}${first}`, ...rest].join("\n");
    })
    .join("\n");
}

/** Any flow node as one plain-text string (used inside lists, quotes and components). */
function flowText(node: Nodes): string {
  return flowBlocks(node)
    .map((b) => b.text)
    .join("\n");
}

function line(node: Nodes): number {
  return node.position?.start.line ?? 1;
}

/** A flow node as blocks; headings are handled by the caller. */
function flowBlocks(node: Nodes): Block[] {
  const at = line(node);
  switch (node.type) {
    case "paragraph": {
      const text = inlineText(node).trim();
      return text ? [{ kind: "prose", text, line: at }] : [];
    }
    case "heading": {
      const text = headingText(node).text;
      return text ? [{ kind: "prose", text, line: at }] : [];
    }
    case "code": {
      const lang = node.lang ? node.lang : "";
      return [{ kind: "code", text: `\`\`\`${lang}\n${node.value}\n\`\`\``, line: at }];
    }
    case "math":
      return [{ kind: "math", text: node.value, line: at }];
    case "list": {
      const text = listText(node).trim();
      return text ? [{ kind: "list", text, line: at }] : [];
    }
    case "table": {
      const rows = node.children.map((row) =>
        row.children.map((cell) => inlineText(cell).trim()).join(" | "),
      );
      return [{ kind: "table", text: rows.join("\n"), line: at }];
    }
    case "blockquote": {
      const text = node.children.map(flowText).join("\n").trim();
      return text ? [{ kind: "quote", text, line: at }] : [];
    }
    case "containerDirective": {
      // Docusaurus admonitions: ":::tip[Title]" (or ":::tip Title", rewritten before parsing).
      const label = node.children.find(
        (c) => c.type === "paragraph" && (c.data as { directiveLabel?: boolean } | undefined)?.directiveLabel,
      );
      const title = label ? inlineText(label).trim() : "";
      const body = node.children
        .filter((c) => c !== label)
        .map(flowText)
        .filter(Boolean)
        .join("\n");
      const kind = node.name.charAt(0).toUpperCase() + node.name.slice(1);
      const text = `${kind}${title ? `: ${title}` : ""}\n${body}`.trim();
      return [{ kind: "admonition", text, line: at }];
    }
    case "leafDirective": {
      const text = inlineText(node).trim();
      return text ? [{ kind: "prose", text, line: at }] : [];
    }
    case "mdxJsxFlowElement": {
      if (isQuizComponent(node.name)) return [];
      const props = jsxPropProse(node);
      const children = node.children.flatMap((c) => flowBlocks(c as Nodes));
      const text = [...props, ...children.map((b) => b.text)].join("\n").trim();
      if (!text) return [];
      // A component that only wraps ordinary content (e.g. <Tabs>) keeps its blocks; one with its own prose
      // (a quiz, a key-idea box) becomes one block so its parts stay together.
      if (props.length === 0) return children;
      return [{ kind: "component", text, line: at }];
    }
    case "html": {
      const text = htmlText(node.value);
      return text ? [{ kind: "prose", text, line: at }] : [];
    }
    case "mdxjsEsm":
    case "mdxFlowExpression":
    case "yaml":
    case "thematicBreak":
    case "definition":
    case "footnoteDefinition":
      return [];
    default:
      return "children" in node ? (node.children as Nodes[]).flatMap(flowBlocks) : [];
  }
}

/** An explicit heading id: Docusaurus's `{#custom-id}` or Hugging Face doc-builder's `[[custom-id]]`. */
const CUSTOM_ID = /\s*(?:\{#([^}\s]+)\}|\[\[([^\]\s]+)\]\])\s*$/;

/** A heading's text and its explicit `{#custom-id}` / `[[custom-id]]` when present. */
function headingText(node: Heading): { text: string; customId: string | null } {
  const raw = mdastToString(node, { includeImageAlt: false }).trim();
  const m = CUSTOM_ID.exec(raw);
  if (m) return { text: raw.slice(0, m.index).trim(), customId: m[1] ?? m[2] ?? null };
  return { text: raw, customId: null };
}

/** Svelte-style template lines of Hugging Face's doc-builder (`{#if fw === 'pt'}`, `{:else}`, `{/if}`). */
const TEMPLATE_LINE = /^\s*\{[#:/](?:if|else|each|await|then|catch|key)\b[^}]*\}\s*$/;
/** A JSX component's opening tag at the start of a line (`<Youtube id="..." />`, `<Question`). */
const COMPONENT_OPEN = /^\s*<([A-Z][\w.]*)/;

/**
 * The source rewrites made before parsing, outside code fences; each keeps the line count, so positions stay
 * true. Docusaurus's own two: `{#id}` at the end of a heading is escaped (else MDX reads it as a JS expression),
 * and `:::tip Title` becomes `:::tip[Title]` (the directive syntax remark-directive understands). Template lines
 * (`{#if}`/`{:else}`/`{/if}`) are blanked: both branches stay, the markers are not prose. `plain` is for MDX read
 * as plain Markdown after it failed to parse: there, import/export lines, quiz components and the props of
 * multi-line component tags would otherwise be indexed as text, so they are blanked too.
 */
export function preprocess(source: string, mdx: boolean, plain = false): string {
  const lines = source.split("\n");
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(text);
    if (fenceMatch) {
      const marker = fenceMatch[1] ?? "";
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && text.trim() === marker)
        fence = null;
      continue;
    }
    if (fence !== null) continue;
    if (TEMPLATE_LINE.test(text)) {
      lines[i] = "";
      continue;
    }
    if (mdx && /^\s{0,3}#{1,6}\s/.test(text)) {
      lines[i] = text.replace(/\s*\{#([^}\s]+)\}\s*$/, " \\{#$1\\}");
      continue;
    }
    if (plain) {
      if (/^(?:import|export)\s/.test(text)) {
        lines[i] = "";
        continue;
      }
      const component = COMPONENT_OPEN.exec(text)?.[1];
      if (component) {
        i = blankComponent(lines, i, component);
        continue;
      }
    }
    const admonition = /^(\s*:{3,})([A-Za-z][\w-]*)[ \t]+([^[{\s].*?)\s*$/.exec(text);
    if (admonition) lines[i] = `${admonition[1]}${admonition[2]}[${admonition[3]}]`;
  }
  return lines.join("\n");
}

/**
 * Blanks a component starting at line `start` in Markdown read without MDX; returns the last line handled. A quiz
 * component goes whole (to its `/>` or closing tag); another keeps its children, only its multi-line opening tag
 * (props such as `notebooks={[...]}`) goes; a one-line opening tag is left to the HTML parser, which drops it.
 */
function blankComponent(lines: string[], start: number, name: string): number {
  const quiz = isQuizComponent(name);
  const close = `</${name}>`;
  for (let j = start; j < lines.length; j++) {
    const text = lines[j] ?? "";
    const ends = quiz ? /\/>\s*$/.test(text) || text.includes(close) : />\s*$/.test(text);
    if (!quiz && j === start && ends) {
      // A self-closing one (`<FrameworkSwitchCourse {fw} />`) has no children and may not be valid HTML.
      if (/\/>\s*$/.test(text)) lines[j] = "";
      return start;
    }
    lines[j] = "";
    if (ends) return j;
  }
  return lines.length - 1;
}

function readFrontmatter(root: Root, path: string): Frontmatter {
  const node = root.children.find((c) => c.type === "yaml");
  if (node?.type !== "yaml") return { raw: {} };
  let data: unknown;
  try {
    // js-yaml's load, as Docusaurus reads front matter (@11ty/gray-matter).
    data = loadYaml(node.value);
  } catch (err) {
    const mark = err instanceof YAMLException ? err.mark : undefined;
    // The YAML starts on the line after the opening "---"; js-yaml counts lines and columns from 0.
    const lineNo = (node.position?.start.line ?? 1) + (mark ? mark.line + 1 : 1);
    const reason = err instanceof YAMLException ? err.reason : (err as Error).message.split("\n")[0];
    throw new ParseError(path, lineNo, mark ? mark.column + 1 : 1, `invalid frontmatter: ${reason}`);
  }
  if (data === null || data === undefined) return { raw: {} };
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ParseError(path, node.position?.start.line ?? 1, 1, "frontmatter is not a YAML mapping");
  }
  const raw = data as Record<string, unknown>;
  const str = (k: string) =>
    typeof raw[k] === "string" || typeof raw[k] === "number" ? String(raw[k]) : undefined;
  return {
    id: str("id"),
    title: str("title"),
    slug: str("slug"),
    sidebar_position: typeof raw.sidebar_position === "number" ? raw.sidebar_position : undefined,
    description: str("description"),
    draft: raw.draft === true,
    raw,
  };
}

/** The anchor a heading gets: its explicit id, else the slug of its text (the slugger tracks duplicates). */
export type Slugify = (text: string) => string;

/**
 * Parses one Markdown (`mdx: false`) or MDX file into sections. `slugify` must be a fresh per-document
 * slugger (github-slugger's `slug`), since Docusaurus numbers duplicate headings within a page.
 */
export function parseDocument(
  source: string,
  opts: {
    path: string;
    mdx: boolean;
    slugify: Slugify;
    /** An MDX file that does not parse is an error instead of being read as plain Markdown. @default false */
    strict?: boolean;
  },
): ParsedDocument {
  let root: Root;
  const warnings: ParseWarning[] = [];
  try {
    root = markdownTree(preprocess(source, opts.mdx), { mdx: opts.mdx });
  } catch (err) {
    const e = err as { line?: number; column?: number; reason?: string; message?: string };
    const failure = new ParseError(
      opts.path,
      e.line ?? 1,
      e.column ?? 1,
      e.reason ?? e.message ?? String(err),
    );
    // Plain Markdown reads anything (HTML-style tags, comments and stray braces are text or HTML to it), so one
    // page written for another MDX dialect (Hugging Face's doc-builder, MDX 1) no longer stops a whole book.
    if (!opts.mdx || opts.strict) throw failure;
    root = markdownTree(preprocess(source, false, true), { mdx: false });
    warnings.push({
      path: opts.path,
      line: failure.line,
      column: failure.column,
      message: `not valid MDX (${failure.reason}); indexed as plain Markdown`,
    });
  }
  const frontmatter = readFrontmatter(root, opts.path);
  // Docusaurus lets a page's front matter choose its format over the file extension (`format: md`).
  const format = frontmatter.raw.format;
  if ((format === "md" || format === "mdx") && (format === "mdx") !== opts.mdx) {
    return parseDocument(source, { ...opts, mdx: format === "mdx" });
  }

  const sections: Section[] = [];
  let current: Section = { headingPath: [], depth: 0, anchor: null, blocks: [] };
  sections.push(current);
  const stack: Array<{ depth: number; text: string }> = [];
  let title: string | null = frontmatter.title ?? null;
  let sawHeading = false;

  const visit = (node: RootContent) => {
    if (node.type !== "heading") {
      current.blocks.push(...flowBlocks(node));
      return;
    }
    const { text, customId } = headingText(node);
    const anchor = customId ?? opts.slugify(text);
    if (!sawHeading && node.depth === 1) {
      // The page's h1 is its title (Docusaurus's contentTitle); its content is the lead.
      sawHeading = true;
      title ??= text;
      return;
    }
    sawHeading = true;
    while (stack.length > 0 && (stack.at(-1)?.depth ?? 0) >= node.depth) stack.pop();
    stack.push({ depth: node.depth, text });
    current = { headingPath: stack.map((s) => s.text), depth: node.depth, anchor, blocks: [] };
    sections.push(current);
  };
  for (const node of root.children) visit(node);

  return { frontmatter, warnings, title, sections };
}
