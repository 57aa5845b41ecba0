// Retrieval over the real SQLite store: relevance judgement, near-duplicate collapse, top-k, store failures.
import { startOpenAIStub } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_CHUNKS } from "../../test/harness.ts";
import { createOpenAIEmbedder } from "../adapters/embed/openai.ts";
import { openSqliteStore, type SqliteChunkStore } from "../adapters/vector/sqlite.ts";
import { RetrievalUnavailableError, retrieve, termWeights, weightedCoverage } from "./retrieve.ts";

let store: SqliteChunkStore;

beforeAll(async () => {
  store = openSqliteStore({ path: ":memory:" });
  await store.reset(null);
  for (const docId of new Set(FIXTURE_CHUNKS.map((c) => c.docId))) {
    await store.replaceDocument(
      { docId, contentHash: docId },
      FIXTURE_CHUNKS.filter((c) => c.docId === docId),
    );
  }
});
afterAll(() => store.close());

describe("retrieve", () => {
  it("embeds the query only when the index can use the vector (local OpenAI-protocol stub)", async () => {
    const stub = await startOpenAIStub();
    const embedder = createOpenAIEmbedder({ apiKey: "k", baseURL: stub.baseURL, dimensions: 16 });
    const other = openSqliteStore({ path: ":memory:" });
    try {
      // The lexical-only index above: no call, lexical answer.
      const lexical = await retrieve({ store, embedder }, { query: "zero moment point", limit: 2 });
      expect(lexical.dense).toBe(false);
      expect(lexical.hits.length).toBeGreaterThan(0);
      expect(stub.embeddingRequests()).toHaveLength(0);
      // Vectors of another size: no call either.
      await other.reset({ model: "text-embedding-3-small", dimensions: 8 });
      await retrieve({ store: other, embedder }, { query: "zero moment point", limit: 2 });
      expect(stub.embeddingRequests()).toHaveLength(0);
      // Vectors of this size: one call, dense leg on.
      await other.reset({ model: "text-embedding-3-small", dimensions: 16 });
      const [chunk] = FIXTURE_CHUNKS;
      if (!chunk) throw new Error("no fixture chunk");
      const [vector] = await embedder.embed([chunk.text]);
      await other.replaceDocument(
        { docId: chunk.docId, contentHash: "h" },
        [chunk],
        [vector as Float32Array],
      );
      const dense = await retrieve({ store: other, embedder }, { query: "zero moment point", limit: 2 });
      expect(dense.dense).toBe(true);
      expect(stub.embeddingRequests()).toHaveLength(2);
    } finally {
      await other.close();
      await stub.close();
    }
  });

  it("finds the section, numbers hits from 1 and keeps at most `limit`", async () => {
    const r = await retrieve({ store }, { query: "What is the zero moment point?", limit: 2 });
    expect(r.relevant).toBe(true);
    expect(r.hits.length).toBeLessThanOrEqual(2);
    expect(r.hits.map((h) => h.n)).toEqual(r.hits.map((_, i) => i + 1));
    expect(r.hits[0]?.chunk.route).toBe("/docs/locomotion/balance#zero-moment-point");
  });

  it("collapses a near-duplicate copy of a section", async () => {
    const r = await retrieve({ store }, { query: "inertial measurement unit gyroscope drift", limit: 5 });
    const copies = r.hits.filter((h) =>
      h.chunk.text.startsWith("An inertial measurement unit (IMU) combines"),
    );
    expect(copies).toHaveLength(1);
  });

  it("judges off-topic questions irrelevant, including those sharing one stray word", async () => {
    for (const q of [
      "What is the capital of France?",
      "best gyroscope recipes for dinner",
      "sourdough bread",
    ]) {
      expect((await retrieve({ store }, { query: q, limit: 5 })).relevant, q).toBe(false);
    }
  });

  it("judges a quiz-phrased question on its topic words, not on the quiz's instructions", async () => {
    for (const q of [
      "Which of the following statements are true about the zero moment point and the support polygon? (Check all that apply)",
      "In your own words, explain in 2-3 sentences what the zero moment point is. Provide one specific example.",
    ]) {
      const r = await retrieve({ store }, { query: q, limit: 5 });
      expect(r.relevant, q).toBe(true);
      expect(r.hits[0]?.chunk.route, q).toBe("/docs/locomotion/balance#zero-moment-point");
    }
    // The instructions alone do not make an off-topic question covered.
    const off = "Which of the following statements are true about sourdough bread? Give one example.";
    expect((await retrieve({ store }, { query: off, limit: 5 })).relevant).toBe(false);
  });

  it("wraps store failures as RetrievalUnavailableError", async () => {
    const broken = openSqliteStore({ path: ":memory:" });
    await broken.close();
    await expect(retrieve({ store: broken }, { query: "imu", limit: 3 })).rejects.toBeInstanceOf(
      RetrievalUnavailableError,
    );
  });
});

describe("weighted coverage", () => {
  it("weighs words found in few candidates above words found in most", () => {
    const candidates = [new Set(["world", "robot"]), new Set(["world", "sensor"]), new Set(["world", "cup"])];
    const w = termWeights(["world", "cup"], candidates);
    expect(w.get("cup")).toBeGreaterThan(w.get("world") ?? 0);
    expect(weightedCoverage(w, new Set(["world"]))).toBeLessThan(0.5);
    expect(weightedCoverage(w, new Set(["world", "cup"]))).toBe(1);
  });
});
