// Every chunk the ingest makes of the sample book links to a page of the built site and to a heading id on it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "@ai-book/testkit";
import type { Element, Root, RootContent } from "hast";
import { fromHtml } from "hast-util-from-html";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildIfStale } from "../../book/scripts/build-state.ts";
import { openSqliteStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import { syncDocs } from "../../services/api/src/ingest/sync.ts";
import type { Chunk } from "../../services/api/src/rag/ports.ts";

// The first build of the site takes minutes on a busy machine: a hang guard, not a speed target.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 900_000 });

const BOOK_DIR = join(REPO_ROOT, "book");
const BUILD_DIR = join(BOOK_DIR, "build");

/** The HTML file Docusaurus writes for a route (trailingSlash undefined: `<route>/index.html`). */
function pageFile(route: string): string | undefined {
  const path = decodeURIComponent(route.replace(/\/+$/, ""));
  return [join(BUILD_DIR, path, "index.html"), join(BUILD_DIR, `${path}.html`)].find((f) => existsSync(f));
}

/** Every element id on a page (the built HTML is minified: attributes are often unquoted, so no string search). */
function idsOf(html: string): Set<string> {
  const ids = new Set<string>();
  const walk = (node: Root | RootContent) => {
    if (node.type === "element") {
      const id = (node as Element).properties.id;
      if (typeof id === "string") ids.add(id);
    }
    if ("children" in node) for (const child of node.children) walk(child);
  };
  walk(fromHtml(html));
  return ids;
}

describe("chunk routes of the sample book against the built site", () => {
  const dir = tempDir("ai-book-chunk-routes-");
  const chunks: Chunk[] = [];
  beforeAll(async () => {
    await buildIfStale(BOOK_DIR, { ...process.env, TUTOR_AUTH_URL: undefined, TUTOR_API_URL: undefined });
    const store = await openSqliteStore({ path: join(dir.path, "index.sqlite") });
    try {
      await syncDocs({
        docsDir: join(BOOK_DIR, "docs"),
        store,
        keepChunk: (c) => {
          chunks.push(c);
          return true;
        },
      });
    } finally {
      await store.close();
    }
  });
  afterAll(() => dir.cleanup());

  it("resolves every chunk's route to a built page and its anchor to a heading id there", () => {
    expect(chunks.length).toBeGreaterThan(50);
    const problems: string[] = [];
    const pages = new Map<string, Set<string> | undefined>();
    for (const c of chunks) {
      const [route = "", anchor] = c.route.split("#");
      if (!pages.has(route)) {
        const file = pageFile(route);
        pages.set(route, file ? idsOf(readFileSync(file, "utf8")) : undefined);
      }
      const ids = pages.get(route);
      if (ids === undefined) problems.push(`${c.id}: no page for ${route}`);
      else if (anchor && !ids.has(decodeURIComponent(anchor)))
        problems.push(`${c.id}: no id "${anchor}" on ${route}`);
    }
    expect(problems).toEqual([]);
  });
});
