// The Qdrant store through @qdrant/js-client-rest: the ChunkStore contract against the Qdrant protocol stub (every request checked against Qdrant's 1.18 API description) always, and against a live server when QDRANT_URL is set; then the adapter's own fixes.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  QDRANT_OPENAPI_PATH,
  type QdrantStub,
  qdrantApiAvailable,
  startQdrantStub,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { axisVector, describeChunkStoreContract, makeChunk } from "../../../test/chunk-store.contract.ts";
import { syncDocs } from "../../ingest/sync.ts";
import {
  openQdrantStore,
  pointId,
  QdrantCollectionMismatchError,
  type QdrantStoreOptions,
  QdrantTimeBudgetError,
} from "./qdrant.ts";

const liveUrl = process.env.QDRANT_URL || undefined;
const liveKey = process.env.QDRANT_API_KEY || undefined;
const haveApi = qdrantApiAvailable();
if (!haveApi) console.warn(`[skip] ${QDRANT_OPENAPI_PATH} is missing: skipping the Qdrant protocol tests`);
if (!liveUrl) console.warn("[skip] QDRANT_URL is not set: the contract runs against the protocol stub only");

const uniqueName = () => `contract_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;

/** Fails the test that made a request Qdrant's API description does not allow (or the stub does not serve). */
function expectConforming(stub: QdrantStub) {
  const bad = stub
    .violations()
    .map((r) => `${r.method} ${r.path} (${r.operation}): ${r.violations.join("; ")}`);
  expect(bad, "requests off Qdrant's 1.18 API description").toEqual([]);
}

describeChunkStoreContract(
  "qdrant (protocol stub, requests validated against openapi-v1.18.json)",
  haveApi
    ? async () => {
        const stub = await startQdrantStub();
        const collection = uniqueName();
        const store = await openQdrantStore({ url: stub.url, collection });
        return {
          store,
          openReader: () => openQdrantStore({ url: stub.url, collection }),
          cleanup: async () => {
            await stub.close();
            expectConforming(stub);
          },
        };
      }
    : null,
);

describeChunkStoreContract(
  "qdrant (live server at QDRANT_URL)",
  liveUrl
    ? async () => {
        const collection = uniqueName();
        const store = await openQdrantStore({ url: liveUrl, apiKey: liveKey, collection });
        return {
          store,
          openReader: () => openQdrantStore({ url: liveUrl, apiKey: liveKey, collection }),
          cleanup: async () => {
            const client = new QdrantClient({ url: liveUrl, apiKey: liveKey, checkCompatibility: false });
            const { collections } = await client.getCollections();
            for (const c of collections)
              if (c.name.startsWith(collection)) await client.deleteCollection(c.name);
          },
        };
      }
    : null,
);

describe.skipIf(!haveApi)("qdrant store against the protocol stub", () => {
  let stub: QdrantStub;
  let collection: string;
  const open = (over: Partial<QdrantStoreOptions> = {}) =>
    openQdrantStore({ url: stub.url, collection, ...over });
  beforeEach(async () => {
    stub = await startQdrantStub();
    collection = uniqueName();
  });
  afterEach(async () => {
    await stub.close();
    expectConforming(stub);
  });

  it("labels each hit with the legs that found it: a lexical-only hit is not called dense", async () => {
    const store = await open({ candidates: 2 });
    await store.reset({ model: "m", dimensions: 16 });
    // Seven chunks right on the query vector fill the dense leg (pool = limit × 3 = 6); the one chunk with the
    // query's word points elsewhere, so only the lexical leg finds it.
    for (let i = 0; i < 7; i++) {
      await store.replaceDocument(
        { docId: `near-${i}.md`, contentHash: "h" },
        [makeChunk(`near-${i}.md`, 0, `Filler text number ${i}.`)],
        [axisVector(0)],
      );
    }
    await store.replaceDocument(
      { docId: "word.md", contentHash: "h" },
      [makeChunk("word.md", 0, "Quaternions encode orientation.")],
      [axisVector(8)],
    );
    const hits = await store.search({ text: "quaternions", vector: axisVector(0), limit: 2 });
    const byDoc = new Map(hits.map((h) => [h.chunk.docId, h.legs]));
    expect(byDoc.get("word.md")).toEqual(["lexical"]);
    expect([...byDoc.values()].filter((legs) => legs.includes("dense"))).toHaveLength(1);
  });

  it("re-indexes through an alias: readers see the old content until the swap, never a missing collection", async () => {
    const store = await open();
    const reader = await open();
    await store.replaceDocument({ docId: "a.md", contentHash: "1" }, [
      makeChunk("a.md", 0, "Gyroscope drift."),
    ]);
    const swap = stub.hold("update_aliases");
    const resetting = store.reset(null);
    try {
      await waitFor(() => swap.waiting() === 1, 30_000);
      // The new collection is built and only the alias switch is pending: the index still answers, whole.
      expect((await reader.search({ text: "gyroscope", limit: 5 })).map((h) => h.chunk.docId)).toEqual([
        "a.md",
      ]);
    } finally {
      swap.release();
    }
    await resetting;
    expect(await reader.search({ text: "gyroscope", limit: 5 })).toEqual([]);
    // The old collection is gone, one collection remains behind the alias.
    expect(stub.collections().map((c) => c.aliases)).toEqual([[collection]]);
  });

  it("a full re-ingest builds behind the alias: readers keep the old index until the new one is complete", async () => {
    const docs = tempDir("qdrant-sync-");
    try {
      const write = (rel: string, text: string) => {
        mkdirSync(dirname(join(docs.path, rel)), { recursive: true });
        writeFileSync(join(docs.path, rel), text);
      };
      write("a.md", "# Gimbals\n\nA gimbal lock loses one degree of freedom.\n");
      write("b.md", "# Wheels\n\nMecanum wheels roll sideways.\n");
      const store = await open();
      const reader = await open();
      await syncDocs({ docsDir: docs.path, store });
      write("b.md", "# Wheels\n\nOmni wheels roll sideways too.\n");
      const swap = stub.hold("update_aliases");
      const rebuilding = syncDocs({ docsDir: docs.path, store, reset: true });
      try {
        await waitFor(() => swap.waiting() === 1, 30_000);
        // Every document is written to the new collection (meta point, 2 document records, 2 chunks) before the
        // swap; readers still get the whole old index.
        expect(stub.collections().find((c) => c.aliases.length === 0)?.points).toBe(5);
        expect((await reader.search({ text: "mecanum", limit: 5 })).map((h) => h.chunk.docId)).toEqual([
          "b.md",
        ]);
        expect((await reader.search({ text: "gimbal", limit: 5 })).map((h) => h.chunk.docId)).toEqual([
          "a.md",
        ]);
      } finally {
        swap.release();
      }
      expect((await rebuilding).fullRebuild).toBe("--reset");
      expect(await reader.search({ text: "mecanum", limit: 5 })).toEqual([]);
      expect((await reader.search({ text: "omni", limit: 5 })).map((h) => h.chunk.docId)).toEqual(["b.md"]);
      expect(stub.collections()).toHaveLength(1);
    } finally {
      docs.cleanup();
    }
  });

  it("refuses a collection made elsewhere and names what does not fit", async () => {
    const client = new QdrantClient({ url: stub.url, checkCompatibility: false });
    await client.createCollection(collection, { vectors: { dense: { size: 384, distance: "Dot" } } });
    const opening = open();
    await expect(opening).rejects.toBeInstanceOf(QdrantCollectionMismatchError);
    await expect(opening).rejects.toThrow(/no sparse vector "lexical".*Dot distance.*no meta point/);
  });

  it("adds the payload indexes an older collection lacks, so strict mode accepts its filters", async () => {
    const client = new QdrantClient({ url: stub.url, checkCompatibility: false });
    await client.createCollection(collection, { sparse_vectors: { lexical: { modifier: "idf" } } });
    await client.upsert(collection, {
      wait: true,
      points: [{ id: pointId("meta"), vector: {}, payload: { kind: "meta", embeddingModel: null } }],
    });
    const store = await open();
    await store.replaceDocument({ docId: "a.md", contentHash: "1" }, [makeChunk("a.md", 0, "Encoders.")]);
    await store.replaceDocument({ docId: "a.md", contentHash: "2" }, [
      makeChunk("a.md", 0, "Encoder ticks."),
    ]);
    expect((await store.search({ text: "encoder", limit: 5 })).map((h) => h.chunk.text)).toEqual([
      "Encoder ticks.",
    ]);
    const info = await client.getCollection(collection);
    expect(Object.keys(info.payload_schema).sort()).toEqual([
      "contentHash",
      "docId",
      "kind",
      "pathPrefixes",
      "route",
    ]);
  });

  it("gives up a search at its time budget instead of waiting on each request's timeout", async () => {
    const store = await open({ searchBudgetMs: 200 });
    await store.replaceDocument({ docId: "a.md", contentHash: "1" }, [makeChunk("a.md", 0, "Lidar.")]);
    const stuck = stub.hold("query_batch_points");
    try {
      await expect(store.search({ text: "lidar", limit: 3 })).rejects.toBeInstanceOf(QdrantTimeBudgetError);
    } finally {
      stuck.release();
    }
    expect((await store.search({ text: "lidar", limit: 3 }))[0]?.chunk.docId).toBe("a.md");
  });
});

describe("qdrant point ids", () => {
  it("are deterministic UUIDs", () => {
    const id = pointId("chunk:abc");
    expect(id).toBe(pointId("chunk:abc"));
    expect(id).not.toBe(pointId("chunk:abd"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
