// What Docusaurus does not publish is not indexed: `_` partials and folders, `__tests__`, and `draft: true` pages (removed when a page turns draft).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../adapters/vector/sqlite.ts";
import type { ChunkStore } from "../rag/ports.ts";
import { listDocFiles, syncDocs } from "./sync.ts";

describe("ingest leaves out what the site does not publish", () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ChunkStore;
  const docs = () => join(dir.path, "docs");
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(docs(), rel)), { recursive: true });
    writeFileSync(join(docs(), rel), text);
  };
  beforeEach(async () => {
    dir = tempDir("ai-book-exclusions-");
    store = await openSqliteStore({ path: join(dir.path, "index.sqlite") });
    write("intro.md", "# Intro\n\nActuators move joints.\n");
    write("_partial.md", "# Partial\n\nActuators partial text.\n");
    write("part-1/_snippet.mdx", "Actuators snippet.\n");
    write("_drafts/idea.md", "# Idea\n\nActuators idea.\n");
    write("part-1/__tests__/fixture.md", "# Fixture\n\nActuators fixture.\n");
    write("part-1/unfinished.md", "---\ndraft: true\n---\n# Unfinished\n\nActuators unfinished.\n");
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it("lists only the published files", async () => {
    expect(await listDocFiles(docs())).toEqual(["intro.md", "part-1/unfinished.md"]);
  });

  it("indexes neither partials, __tests__ nor drafts, and counts the drafts", async () => {
    const summary = await syncDocs({ docsDir: docs(), store });
    expect(summary.drafts).toBe(1);
    expect((await store.listDocuments()).map((d) => d.docId)).toEqual(["intro.md"]);
    expect((await store.search({ text: "actuators", limit: 10 })).map((h) => h.chunk.docId)).toEqual([
      "intro.md",
    ]);
  });

  it("drops a page from the index when it turns draft", async () => {
    write("part-1/unfinished.md", "# Unfinished\n\nActuators unfinished.\n");
    await syncDocs({ docsDir: docs(), store });
    expect((await store.listDocuments()).map((d) => d.docId)).toEqual(["intro.md", "part-1/unfinished.md"]);
    write("part-1/unfinished.md", "---\ndraft: true\n---\n# Unfinished\n\nActuators unfinished.\n");
    const summary = await syncDocs({ docsDir: docs(), store });
    expect(summary.deleted).toBe(1);
    expect((await store.listDocuments()).map((d) => d.docId)).toEqual(["intro.md"]);
  });
});
