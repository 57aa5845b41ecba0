// Runs the ChunkStore contract on the SQLite store, plus what only a file on disk can show (WAL, reopen, size checks).

import { join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { axisVector, describeChunkStoreContract, makeChunk } from "../../../test/chunk-store.contract.ts";
import { DocumentRuns, openSqliteStore } from "./sqlite.ts";

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

  it("maps chunk rowids to their documents by runs, split or interleaved as re-ingests leave them", () => {
    // In the index's order: grouped by document, rowids ascending. b.md was rewritten in two pieces.
    const runs = new DocumentRuns([
      [1, "a.md"],
      [2, "a.md"],
      [3, "a.md"],
      [4, "b.md"],
      [9, "b.md"],
      [10, "b.md"],
      [5, "c.md"],
      [7, "c.md"],
    ]);
    expect([1, 3, 4, 5, 7, 9, 10].map((r) => runs.docOf(r))).toEqual([
      "a.md",
      "a.md",
      "b.md",
      "c.md",
      "c.md",
      "b.md",
      "b.md",
    ]);
    // Rowids no chunk has (deleted, before the first, after the last).
    expect([0, 6, 8, 11].map((r) => runs.docOf(r))).toEqual([undefined, undefined, undefined, undefined]);
    expect(new DocumentRuns([]).docOf(1)).toBeUndefined();
  });

  it("compact() merges the keyword index into one segment and every search answers exactly as before", async () => {
    const dir = tempDir("sqlite-store-");
    try {
      const path = join(dir.path, "chunks.db");
      const store = openSqliteStore({ path });
      await store.reset(null);
      const topics = [
        "gripper torque",
        "lidar range",
        "gait balance",
        "servo gripper",
        "balance torque lidar",
      ];
      for (let d = 0; d < 40; d++)
        await store.replaceDocument(
          { docId: `d${d}.md`, contentHash: `h${d}` },
          [0, 1, 2].map((i) => makeChunk(`d${d}.md`, i, `${topics[(d + i) % 5]} note ${d} part ${i}`)),
        );
      const raw = new Database(path, { readonly: true });
      const segments = () => raw.prepare("SELECT count(DISTINCT segid) FROM chunks_fts_idx").pluck().get();
      expect(segments()).toBeGreaterThan(1);
      const queries = ["gripper", "lidar range", "balance torque", "servo gripper torque note"];
      const ask = () => Promise.all(queries.map((text) => store.search({ text, limit: 20 })));
      const before = await ask();
      await store.compact();
      expect(segments()).toBe(1);
      expect(await ask()).toEqual(before);
      expect(before.every((hits) => hits.length > 0)).toBe(true);
      raw.close();
      await store.close();
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

  it("ranks the dense leg as the lexical one: an overview page closest to the question yields to the lesson", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    await store.reset({ model: "m", dimensions: 16 });
    // The chapter overview's vector is nearest to the question (overviews resemble every question of their
    // chapter); the lesson is a close second. Hub pages are damped in both legs.
    const query = axisVector(3);
    const near = (mix: number) => {
      const v = axisVector(3).map((x, i) => x + (i === 5 ? mix : 0));
      return Float32Array.from(v);
    };
    await store.replaceDocument(
      { docId: "grasping/overview.md", contentHash: "h1" },
      [makeChunk("grasping/overview.md", 0, "In this chapter")],
      [near(0.1)],
    );
    await store.replaceDocument(
      { docId: "grasping/suction.md", contentHash: "h2" },
      [makeChunk("grasping/suction.md", 0, "Suction cups")],
      [near(0.2)],
    );
    const hits = await store.search({ text: "", vector: query, limit: 2 });
    expect(hits.map((h) => h.chunk.docId)).toEqual(["grasping/suction.md", "grasping/overview.md"]);
    expect(hits.every((h) => h.legs.includes("dense"))).toBe(true);
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

  it("finds the same dense neighbours as an exact scan while the index fits the re-score pool", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    const dims = 64;
    await store.reset({ model: "m", dimensions: dims });
    let s = 11;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    for (let d = 0; d < 30; d++) {
      const docId = `docs/d${d}.md`;
      const chunks = Array.from({ length: 5 }, (_, i) => makeChunk(docId, i, `text ${d} ${i}`));
      const vectors = chunks.map(() => Float32Array.from({ length: dims }, rand));
      await store.replaceDocument({ docId, contentHash: String(d) }, chunks, vectors);
    }
    for (let q = 0; q < 5; q++) {
      const vector = Float32Array.from({ length: dims }, rand);
      // A prefix every path has takes the exact path (no codes); no prefix takes the sign-bit scan + re-score.
      const exact = await store.search({ text: "", vector, limit: 10, filters: { pathPrefix: "docs/" } });
      const coded = await store.search({ text: "", vector, limit: 10 });
      expect(coded.map((h) => h.chunk.id)).toEqual(exact.map((h) => h.chunk.id));
    }
    await store.close();
  });

  it("sees vectors another connection writes (the in-memory codes follow the file)", async () => {
    const dir = tempDir("sqlite-store-");
    try {
      const path = join(dir.path, "chunks.db");
      const writer = openSqliteStore({ path });
      await writer.reset({ model: "m", dimensions: 32 });
      await writer.replaceDocument(
        { docId: "a.md", contentHash: "1" },
        [makeChunk("a.md", 0, "x")],
        [axisVector(1, 32)],
      );
      const reader = openSqliteStore({ path, dimensions: 32, codesRefreshMs: 0 });
      const top = async (axis: number) =>
        (await reader.search({ text: "", vector: axisVector(axis, 32), limit: 1 }))[0]?.chunk.docId;
      expect(await top(20)).toBe("a.md");
      await writer.replaceDocument(
        { docId: "b.md", contentHash: "2" },
        [makeChunk("b.md", 0, "y")],
        [axisVector(20, 32)],
      );
      expect(await top(20)).toBe("b.md");
      await writer.deleteDocument("b.md");
      expect(await top(20)).toBe("a.md");
      await writer.close();
      await reader.close();
    } finally {
      dir.cleanup();
    }
  });

  it("rebuilds the sign bits at most once per codesRefreshMs while another process writes, never showing a deleted chunk", async () => {
    const dir = tempDir("sqlite-store-");
    try {
      const path = join(dir.path, "chunks.db");
      const writer = openSqliteStore({ path });
      await writer.reset({ model: "m", dimensions: 32 });
      const add = (docId: string, axis: number) =>
        writer.replaceDocument(
          { docId, contentHash: docId },
          [makeChunk(docId, 0, `text of ${docId}`)],
          [axisVector(axis, 32)],
        );
      await add("a.md", 1);
      const slow = openSqliteStore({ path, dimensions: 32, codesRefreshMs: 60_000 });
      const dense = async (store: typeof slow, axis: number) =>
        (await store.search({ text: "", vector: axisVector(axis, 32), limit: 3 })).map((h) => h.chunk.docId);
      expect(await dense(slow, 1)).toEqual(["a.md"]);

      await add("b.md", 20);
      await writer.deleteDocument("a.md");
      // Within the window the first pass still uses the old bits: b.md is not a dense candidate yet, and a.md,
      // gone from the file, is not returned either (the re-score reads the current file).
      expect(await dense(slow, 20)).toEqual([]);
      // The lexical leg reads the current file at once.
      expect((await slow.search({ text: "text b.md", limit: 3 }))[0]?.chunk.docId).toBe("b.md");
      // A store with no window sees the new vector at once.
      const eager = openSqliteStore({ path, dimensions: 32, codesRefreshMs: 0 });
      expect(await dense(eager, 20)).toEqual(["b.md"]);
      await Promise.all([writer.close(), slow.close(), eager.close()]);
    } finally {
      dir.cleanup();
    }
  });

  it("picks the re-score pool with the sign bits when the index is larger than the pool", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    const dims = 256;
    await store.reset({ model: "m", dimensions: dims });
    let s = 5;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    // 1,200 chunks around 12 topics: the pool (150) is an eighth of the index, so the scan has to choose well.
    const centres = Array.from({ length: 12 }, () => Float32Array.from({ length: dims }, rand));
    for (let d = 0; d < 120; d++) {
      const docId = `docs/d${d}.md`;
      const chunks = Array.from({ length: 10 }, (_, i) => makeChunk(docId, i, `text ${d} ${i}`));
      const vectors = chunks.map((_, i) =>
        Float32Array.from(centres[(d + i) % 12] as Float32Array, (x) => x + 0.6 * rand()),
      );
      await store.replaceDocument({ docId, contentHash: String(d) }, chunks, vectors);
    }
    let found = 0;
    for (let q = 0; q < 10; q++) {
      const vector = Float32Array.from(centres[q % 12] as Float32Array, (x) => x + 0.6 * rand());
      const exact = await store.search({ text: "", vector, limit: 10, filters: { pathPrefix: "docs/" } });
      const coded = await store.search({ text: "", vector, limit: 10 });
      const truth = new Set(exact.map((h) => h.chunk.id));
      found += coded.filter((h) => truth.has(h.chunk.id)).length;
    }
    // A scan that ranked at random would find about 150/1200 of them.
    expect(found / 100).toBeGreaterThan(0.9);
    await store.close();
  });
});
