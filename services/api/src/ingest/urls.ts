// Docusaurus docs routing: file path + frontmatter → the page's route, as the docs plugin computes it.
import { posix } from "node:path";

export interface RouteOptions {
  /** The site's baseUrl (`/` or `/my-book/`). @default "/" */
  baseUrl?: string;
  /** The docs plugin's routeBasePath (`/docs`, or `/` for docs-only sites). @default "/docs" */
  routeBasePath?: string;
}

/** Docusaurus's default number-prefix parser: `01-intro` → `intro`, but dates and versions stay whole. */
const NUMBER_PREFIX = /^(?<prefix>\d+)\s*[-_.]+\s*(?<suffix>[^-_.\s].*)$/;
const IGNORED_PREFIX = /^\d+[-_.]\d+/;

export function stripNumberPrefix(name: string): string {
  if (IGNORED_PREFIX.test(name)) return name;
  return NUMBER_PREFIX.exec(name)?.groups?.suffix ?? name;
}

/** Joins URL parts with single slashes; keeps a leading slash, drops a trailing one except for the root. */
export function joinUrl(...parts: string[]): string {
  const joined = `/${parts
    .map((p) => p.replace(/^\/+|\/+$/g, ""))
    .filter(Boolean)
    .join("/")}`;
  return joined;
}

/** True for the files Docusaurus treats as their folder's index page. */
export function isCategoryIndex(relPath: string): boolean {
  const { dir, name } = posix.parse(relPath);
  const folder = posix.basename(dir);
  const lower = name.toLowerCase();
  return lower === "index" || lower === "readme" || (folder !== "" && lower === folder.toLowerCase());
}

/**
 * The page route for a doc at `relPath` (relative to the docs folder, "/" separators), honouring frontmatter
 * `slug` (absolute or relative), `id`, number prefixes on files and folders, and index files.
 */
export function docRoute(
  relPath: string,
  frontmatter: { id?: string; slug?: string },
  opts: RouteOptions = {},
): string {
  const { dir, name } = posix.parse(relPath);
  const dirSlug = dir === "" ? "" : dir.split("/").map(stripNumberPrefix).join("/");
  let slug: string;
  if (frontmatter.slug?.startsWith("/")) {
    slug = frontmatter.slug;
  } else if (frontmatter.slug === undefined && isCategoryIndex(relPath)) {
    slug = `/${dirSlug}`;
  } else {
    const base = frontmatter.slug ?? frontmatter.id ?? stripNumberPrefix(name);
    slug = posix.normalize(posix.join("/", dirSlug, base));
  }
  const route = joinUrl(opts.baseUrl ?? "/", opts.routeBasePath ?? "/docs", slug);
  // Docusaurus keeps a trailing slash when the slug asks for one (and for the docs root).
  return slug.endsWith("/") && route !== "/" ? `${route}/` : route;
}

/** route + "#anchor" (no fragment for the lead). */
export function withAnchor(route: string, anchor: string | null): string {
  return anchor ? `${route}#${anchor}` : route;
}
