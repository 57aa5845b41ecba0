// One source file → its Docusaurus route, title and chunks (parse, route, chunk), ready for the store.
import { posix } from "node:path";
import GithubSlugger from "github-slugger";
import type { Chunk, DocumentSource } from "../rag/ports.ts";
import { type ChunkOptions, chunkSections } from "./chunk.ts";
import { type ParseWarning, parseDocument } from "./parse.ts";
import { sourceSections } from "./source-sections.ts";
import { docRoute, type RouteOptions, stripNumberPrefix } from "./urls.ts";

export interface BuiltDocument {
  docId: string;
  title: string;
  /** The page route (no anchor). */
  route: string;
  chunks: Chunk[];
  /**
   * The source section by section, for chapter variants; null when the sections could not be located in the
   * source (the document is still indexed for search and chat).
   */
  source: Omit<DocumentSource, "docId" | "contentHash"> | null;
  /** Docusaurus drafts are not published, so they are not indexed either. */
  draft: boolean;
  /** What was worked around while parsing (an MDX page read as plain Markdown ...). */
  warnings: ParseWarning[];
}

export interface BuildOptions extends RouteOptions {
  chunking?: ChunkOptions;
  /** An MDX page that does not parse fails instead of being read as plain Markdown. @default false */
  strict?: boolean;
}

/** True for the files the Docusaurus docs plugin turns into pages (and skips `_partials`, tests, etc.). */
export function isDocFile(relPath: string): boolean {
  if (!/\.mdx?$/i.test(relPath)) return false;
  const parts = relPath.split("/");
  if (parts.some((p) => p.startsWith("_") || p === "__tests__" || p === "node_modules")) return false;
  return true;
}

/** Parses and chunks one file; `relPath` is relative to the docs folder with "/" separators. Throws ParseError. */
export function buildDocument(relPath: string, source: string, opts: BuildOptions = {}): BuiltDocument {
  const slugger = new GithubSlugger();
  const parsed = parseDocument(source, {
    path: relPath,
    mdx: relPath.toLowerCase().endsWith(".mdx"),
    slugify: (text) => slugger.slug(text),
    strict: opts.strict,
  });
  const route = docRoute(relPath, parsed.frontmatter, opts);
  const title = parsed.title ?? parsed.frontmatter.id ?? stripNumberPrefix(posix.parse(relPath).name);
  const chunks = chunkSections(
    { docId: relPath, path: relPath, title, route },
    parsed.sections,
    opts.chunking,
  );
  const sections = sourceSections(source, parsed.sections);
  const mdx = relPath.toLowerCase().endsWith(".mdx");
  return {
    docId: relPath,
    title,
    route,
    chunks,
    source: sections
      ? { route, title, position: parsed.frontmatter.sidebar_position ?? null, mdx, sections }
      : null,
    draft: parsed.frontmatter.draft === true,
    warnings: parsed.warnings,
  };
}
