// Runs the ChunkStore contract on the SQLite store, plus what only a file on disk can show (WAL, reopen, size checks).

import { join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "./sqlite.ts";
import { axisVector, describeChunkStoreContract, makeChunk } from "./store-contract.ts";

describeChunkStoreContract("sqlite", async () => {
  const dir = tempDir("sqlite-store-");
  const path = join(dir.path, "index", "chunks.db");
  const store = openSqliteStore({ path });
  return {
    store,
    openReader: async () => openSqliteStore({ path }),
    cleanup: async () => {
      await store.close();
      dir.cleanup();
    },
  };
});

describe("sqlite store on disk", () => {
  it("uses WAL and keeps documents and the embedding across reopen", async () => {
    const dir = tempDir("sqlite-store-");
    try {
      const path = join(dir.path, "chunks.db");
      const store = openSqliteStore({ path });
      await store.reset({ model: "m", dimensions: 16 });
      await store.replaceDocument(
        { docId: "a.md", contentHash: "h" },
        [makeChunk("a.md", 0, "Actuator")],
        [axisVector(3)],
      );
      await store.close();

      const raw = new Database(path, { readonly: true });
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
      raw.close();

      const again = openSqliteStore({ path, dimensions: 16 });
      expect(await again.stats()).toEqual({
        backend: "sqlite",
        chunks: 1,
        documents: 1,
        embedding: { model: "m", dimensions: 16 },
      });
      const hit = await again.search({ text: "nothing matches", vector: axisVector(3), limit: 1 });
      expect(hit[0]?.chunk.docId).toBe("a.md");
      await again.close();

      expect(() => openSqliteStore({ path, dimensions: 1536 })).toThrow(/re-ingest/);
    } finally {
      dir.cleanup();
    }
  });

  it("skips the dense leg (lexical still answers) when the query vector does not fit the index", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.reset({ model: "m", dimensions: 16 });
    await store.replaceDocument(
      { docId: "a.md", contentHash: "h" },
      [makeChunk("a.md", 0, "Gripper")],
      [axisVector(3)],
    );
    const hits = await store.search({ text: "gripper", vector: new Float32Array(8), limit: 3 });
    expect(hits.map((x) => x.legs)).toEqual([["lexical"]]);
    await store.close();
  });

  it("ranks exact float scores among the binary-quantised candidates", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.reset({ model: "m", dimensions: 64 });
    // Same sign pattern (identical bits) but different magnitudes: only the float rescore can order these.
    const base = axisVector(7, 64);
    const near = Float32Array.from(base, (x, i) => (i === 7 ? x : x * 0.5));
    const far = Float32Array.from(base, (x, i) => (i === 7 ? x * 0.2 : x * 3));
    await store.replaceDocument({ docId: "far.md", contentHash: "1" }, [makeChunk("far.md", 0, "x")], [far]);
    await store.replaceDocument(
      { docId: "near.md", contentHash: "2" },
      [makeChunk("near.md", 0, "y")],
      [near],
    );
    const hits = await store.search({ text: "", vector: base, limit: 2 });
    expect(hits.map((x) => x.chunk.docId)).toEqual(["near.md", "far.md"]);
    await store.close();
  });
});
