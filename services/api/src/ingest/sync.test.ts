// Incremental sync into a real SQLite index with embeddings from a local OpenAI-protocol stub (real SDK).
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type OpenAIStub, startOpenAIStub, tempDir } from "@ai-book/testkit";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAIEmbedder } from "../adapters/embed/openai.ts";
import { openSqliteStore, type SqliteChunkStore } from "../adapters/vector/sqlite.ts";
import { runIngestCli } from "../cli/ingest.ts";
import type { ChunkStore } from "../rag/ports.ts";
import { syncDocs } from "./sync.ts";

const para = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${topic} sentence ${i} explains one more detail of ${topic}.`).join(
    " ",
  );

const BOOK: Record<string, string> = {
  "intro.md": `---\ntitle: Introduction\n---\n\n${para("embodiment", 8)}\n`,
  "01-sensors/01-imu.md": `# Inertial sensors\n\n${para("accelerometer", 10)}\n\n## Gyroscopes\n\n${para("gyroscope", 10)}\n`,
  "01-sensors/02-lidar.mdx": `import X from '@site/x';\n\n# Lidar\n\n${para("lidar", 10)}\n\n<X title="Time of flight ranging" />\n`,
  "02-control/index.md": `# Control\n\n${para("feedback", 12)}\n`,
};

/** Counts the writes the sync makes, around a real store (not a mock: every call goes through). */
function countingStore(inner: ChunkStore) {
  const writes: string[] = [];
  const store: ChunkStore = {
    search: (q) => inner.search(q),
    listDocuments: () => inner.listDocuments(),
    stats: () => inner.stats(),
    close: () => inner.close(),
    replaceDocument: (doc, chunks, vectors) => {
      writes.push(`replace ${doc.docId}`);
      return inner.replaceDocument(doc, chunks, vectors);
    },
    deleteDocument: (docId) => {
      writes.push(`delete ${docId}`);
      return inner.deleteDocument(docId);
    },
    reset: (e) => {
      writes.push("reset");
      return inner.reset(e);
    },
  };
  return { store, writes };
}

describe("incremental sync (SQLite + OpenAI-protocol stub)", () => {
  let stub: OpenAIStub;
  let dir: { path: string; cleanup: () => void };
  let docs: string;
  let sqlite: SqliteChunkStore;
  beforeAll(async () => {
    stub = await startOpenAIStub();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.reset();
    dir = tempDir("sync-");
    docs = join(dir.path, "docs");
    for (const [rel, text] of Object.entries(BOOK)) write(rel, text);
    sqlite = openSqliteStore({ path: join(dir.path, "index.sqlite") });
  });
  afterEach(async () => {
    await sqlite.close();
    dir.cleanup();
  });
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(docs, rel)), { recursive: true });
    writeFileSync(join(docs, rel), text);
  };
  const embedder = (model = "text-embedding-3-small", maxRetries = 2) =>
    createOpenAIEmbedder({
      apiKey: "k",
      baseURL: stub.baseURL,
      model,
      dimensions: 32,
      maxRetries,
      maxInputsPerRequest: 64,
    });
  const embeddedInputs = () => stub.embeddingRequests().flatMap((r) => (r.body as { input: string[] }).input);

  it("treats a tokenizer control string written in a page as text (a chapter about language models may show one)", async () => {
    write(
      "llm/tokens.md",
      `# Special tokens\n\nA model marks the end of a document with <|endoftext|> and chat turns with <|im_start|>.\n`,
    );
    const summary = await syncDocs({ docsDir: docs, store: sqlite, embedder: embedder() });
    expect(summary.failed).toEqual([]);
    expect(embeddedInputs().some((t) => t.includes("<|endoftext|>") && t.includes("<|im_start|>"))).toBe(
      true,
    );
    const hits = await sqlite.search({ text: "end of a document special tokens", limit: 3 });
    expect(hits[0]?.chunk.text).toContain("<|endoftext|>");
  });

  it("indexes everything once, then makes zero embedding calls and zero writes on an unchanged book", async () => {
    const first = await syncDocs({ docsDir: docs, store: sqlite, embedder: embedder() });
    expect(first).toMatchObject({ scanned: 4, added: 4, updated: 0, deleted: 0, failed: [] });
    expect(first.embeddingRequests).toBe(stub.embeddingRequests().length);
    expect(embeddedInputs()).toHaveLength(first.chunksAdded);
    const stats = await sqlite.stats();
    expect(stats).toMatchObject({
      documents: 4,
      chunks: first.chunksAdded,
      embedding: { model: "text-embedding-3-small", dimensions: 32 },
    });
    // the embedded text carries the title and heading path
    expect(embeddedInputs().some((t) => t.startsWith("Inertial sensors\nGyroscopes\n\n"))).toBe(true);

    stub.reset();
    const { store, writes } = countingStore(sqlite);
    const again = await syncDocs({ docsDir: docs, store, embedder: embedder() });
    expect(again).toMatchObject({
      unchanged: 4,
      added: 0,
      updated: 0,
      deleted: 0,
      chunksAdded: 0,
      chunksRemoved: 0,
    });
    expect(again.embeddingRequests).toBe(0);
    expect(stub.requests).toHaveLength(0);
    expect(writes).toEqual([]);

    // hybrid search works on what was written, with deep links
    const hits = await sqlite.search({ text: "gyroscope", limit: 3 });
    expect(hits[0]?.chunk.route).toBe("/docs/sensors/imu#gyroscopes");
    expect((await sqlite.search({ text: "time of flight", limit: 1 }))[0]?.chunk.route).toBe(
      "/docs/sensors/lidar",
    );
  });

  it("ends an ingest with one keyword segment, and leaves a small edit of a larger book to FTS5's own merging", async () => {
    for (let i = 0; i < 60; i++) write(`extra/page-${i}.md`, `# Page ${i}\n\n${para(`topic${i}`, 4)}\n`);
    const raw = () => new Database(join(dir.path, "index.sqlite"), { readonly: true });
    const segments = () => {
      const db = raw();
      try {
        return db.prepare("SELECT count(DISTINCT segid) FROM chunks_fts_idx").pluck().get();
      } finally {
        db.close();
      }
    };
    await syncDocs({ docsDir: docs, store: sqlite });
    expect(segments()).toBe(1);
    // One page of 64 is less than a twentieth of the chunks: its own segment stays until FTS5 merges it.
    write("extra/page-0.md", `# Page 0\n\n${para("rewritten", 4)}\n`);
    const s = await syncDocs({ docsDir: docs, store: sqlite });
    expect(s).toMatchObject({ updated: 1, unchanged: 63 });
    expect(segments()).toBe(2);
    expect((await sqlite.search({ text: "rewritten", limit: 3 }))[0]?.chunk.docId).toBe("extra/page-0.md");
  });

  it("re-embeds and replaces only an edited file, and removes a deleted file's chunks", async () => {
    await syncDocs({ docsDir: docs, store: sqlite, embedder: embedder() });
    const before = await sqlite.search({ text: "feedback", limit: 50 });
    const lidarIdsBefore = (await sqlite.search({ text: "lidar", limit: 50 })).map((h) => h.chunk.id);
    stub.reset();

    write("02-control/index.md", `# Control\n\n${para("impedance", 12)}\n`);
    rmSync(join(docs, "intro.md"));
    const { store, writes } = countingStore(sqlite);
    const s = await syncDocs({ docsDir: docs, store, embedder: embedder() });
    expect(s).toMatchObject({ unchanged: 2, updated: 1, deleted: 1, added: 0 });
    expect(writes.sort()).toEqual(["delete intro.md", "replace 02-control/index.md"]);
    expect(embeddedInputs().every((t) => t.startsWith("Control\n"))).toBe(true);
    expect(embeddedInputs()).toHaveLength(s.chunksAdded);

    expect(await sqlite.search({ text: "feedback", limit: 50 })).toEqual([]);
    expect(before.length).toBeGreaterThan(0);
    expect((await sqlite.search({ text: "impedance", limit: 5 }))[0]?.chunk.docId).toBe(
      "02-control/index.md",
    );
    expect(await sqlite.search({ text: "embodiment", limit: 5 })).toEqual([]);
    expect((await sqlite.search({ text: "lidar", limit: 50 })).map((h) => h.chunk.id)).toEqual(
      lidarIdsBefore,
    );
    expect((await sqlite.listDocuments()).map((d) => d.docId)).toEqual([
      "01-sensors/01-imu.md",
      "01-sensors/02-lidar.mdx",
      "02-control/index.md",
    ]);
  });

  it("leaves a consistent index when interrupted, and the next run finishes the job", async () => {
    // the first round embeds fine; from the second on the provider fails (no retries left)
    let rounds = 0;
    const flaky = embedder("text-embedding-3-small", 0);
    const failing = {
      model: flaky.model,
      dimensions: flaky.dimensions,
      usage: flaky.usage,
      embed: (texts: string[], o?: { signal?: AbortSignal }) => {
        rounds += 1;
        if (rounds === 2) stub.failNext(5, 500, { endpoint: "embeddings" });
        return flaky.embed(texts, o);
      },
    };
    await expect(
      syncDocs({ docsDir: docs, store: sqlite, embedder: failing, chunksPerRound: 1 }),
    ).rejects.toThrow();
    const partial = await sqlite.listDocuments();
    expect(partial).toHaveLength(1);
    // every stored document is whole: its chunk rows match its record
    const stats = await sqlite.stats();
    expect(stats.chunks).toBe(partial.reduce((s, d) => s + d.chunkCount, 0));

    stub.reset();
    const resumed = await syncDocs({ docsDir: docs, store: sqlite, embedder: embedder() });
    expect(resumed).toMatchObject({ unchanged: 1, added: 3, failed: [] });
    expect((await sqlite.stats()).documents).toBe(4);
  });

  it("re-embeds everything when the embedding model changes", async () => {
    await syncDocs({ docsDir: docs, store: sqlite, embedder: embedder() });
    stub.reset();
    const s = await syncDocs({ docsDir: docs, store: sqlite, embedder: embedder("text-embedding-3-large") });
    expect(s.fullRebuild).toMatch(/text-embedding-3-small.*text-embedding-3-large/);
    expect(s.added).toBe(4);
    expect(embeddedInputs()).toHaveLength(s.chunksAdded);
    expect((await sqlite.stats()).embedding?.model).toBe("text-embedding-3-large");
  });

  it("CLI: MDX that does not parse is indexed as Markdown with a file:line warning; --strict reports it and exits 1; --dry-run writes nothing", async () => {
    write("01-sensors/03-broken.mdx", "# Broken\n\nSome text.\n\n<Quiz question={unclosed\n");
    const out: string[] = [];
    const err: string[] = [];
    const sink = (arr: string[]) =>
      ({ write: (s: string) => arr.push(String(s)) > 0 }) as unknown as NodeJS.WritableStream;
    const env = { INDEX_PATH: "idx/index.sqlite", DATA_DIR: "data" };
    const io = { stdout: sink(out), stderr: sink(err), cwd: dir.path };

    const dry = await runIngestCli(["docs", "--dry-run", "--strict"], env, io);
    expect(dry).toBe(1);
    expect(out.join("")).toContain("dry run");
    const indexFile = join(dir.path, "idx", "index.sqlite");
    expect(existsSync(indexFile)).toBe(false);

    out.length = 0;
    const strict = await runIngestCli(["docs", "--route-base-path", "/learn", "--strict"], env, io);
    expect(strict).toBe(1);
    let text = out.join("");
    expect(text).toMatch(/error: 01-sensors\/03-broken\.mdx:[56]:\d+: /);
    expect(text).toContain("4 added");
    expect(text).toContain("1 failed");
    expect(err.join("")).toContain("index 4/4");

    out.length = 0;
    const lenient = await runIngestCli(["docs", "--route-base-path", "/learn"], env, io);
    expect(lenient).toBe(0);
    text = out.join("");
    expect(text).toMatch(
      /warning: 01-sensors\/03-broken\.mdx:[56]:\d+: not valid MDX \(.+\); indexed as plain Markdown/,
    );
    expect(text).toContain("0 failed");
    const after = openSqliteStore({ path: indexFile });
    expect((await after.stats()).documents).toBe(5);
    expect((await after.search({ text: "gyroscope", limit: 1 }))[0]?.chunk.route).toBe(
      "/learn/sensors/imu#gyroscopes",
    );
    await after.close();

    expect(await runIngestCli(["--bogus"], env, io)).toBe(2);
    out.length = 0;
    expect(await runIngestCli(["--help"], env, io)).toBe(0);
    expect(out.join("")).toContain("Usage: npm run ingest");
  });
});
