// The one behaviour suite every ChunkStore must pass (SQLite; Qdrant through its protocol stub, and a live server when QDRANT_URL is set).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RRF_K } from "../src/rag/fusion.ts";
import type { Chunk, ChunkStore } from "../src/rag/ports.ts";

export interface StoreHarness {
  store: ChunkStore;
  /** A second, independent handle on the same index (another connection / client), as a reader process has. */
  openReader(): Promise<ChunkStore>;
  cleanup(): Promise<void>;
}

const DIMS = 16;
const EMBEDDING = { model: "contract-test-embedding", dimensions: DIMS };

/** A chunk of `docId` with sensible defaults; ids are derived from the doc and ordinal like the ingester's. */
export function makeChunk(docId: string, ordinal: number, text: string, over: Partial<Chunk> = {}): Chunk {
  const slug = docId.replace(/\.(md|mdx)$/, "");
  return {
    id: `${docId}#${ordinal}`,
    docId,
    path: docId,
    title: `Title of ${slug}`,
    headingPath: [],
    route: `/docs/${slug}`,
    text,
    ordinal,
    tokens: text.split(/\s+/).length,
    ...over,
  };
}

/** A unit vector pointing mostly along axis `axis` (distinct axes are nearly orthogonal). */
export function axisVector(axis: number, dims = DIMS): Float32Array {
  const v = new Float32Array(dims).fill(0.01);
  v[axis % dims] = 1;
  // Spread the sign pattern so binary quantisation tells axes apart too.
  for (let i = 0; i < dims; i++) if ((i * 7 + axis * 3) % 5 === 0) v[i] = -(v[i] ?? 0);
  v[axis % dims] = 1;
  return v;
}

export function describeChunkStoreContract(name: string, open: (() => Promise<StoreHarness>) | null): void {
  describe.skipIf(open === null)(`ChunkStore contract: ${name}`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open!();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it("starts empty: no documents, no hits, zero stats", async () => {
      await h.store.reset(null);
      expect(await h.store.listDocuments()).toEqual([]);
      expect(await h.store.search({ text: "anything at all", limit: 5 })).toEqual([]);
      const stats = await h.store.stats();
      expect(stats.chunks).toBe(0);
      expect(stats.documents).toBe(0);
      expect(stats.embedding).toBeNull();
    });

    it("finds chunks lexically, with stemming, title and heading words, and returns them whole", async () => {
      await h.store.reset(null);
      const gait = makeChunk(
        "locomotion/gait.md",
        0,
        "Bipedal robots keep balance by shifting the zero moment point.",
        {
          title: "Walking Gaits",
          headingPath: ["Balance control", "Zero moment point"],
          route: "/docs/locomotion/gait#zero-moment-point",
        },
      );
      const sensors = makeChunk("sensors.md", 0, "An inertial measurement unit reports angular velocity.", {
        title: "Sensors",
      });
      await h.store.replaceDocument({ docId: "locomotion/gait.md", contentHash: "h1" }, [gait]);
      await h.store.replaceDocument({ docId: "sensors.md", contentHash: "h2" }, [sensors]);

      const hits = await h.store.search({ text: "how does a robot shift its balance?", limit: 5 });
      expect(hits[0]?.chunk).toEqual(gait);
      expect(hits[0]?.legs).toEqual(["lexical"]);
      // The first hit of one leg scores 1 / (RRF_K + 1) in every store (Qdrant counts positions from 0: k + 1).
      // Six places: a live Qdrant answers in 32-bit floats.
      expect(hits[0]?.score).toBeCloseTo(1 / (RRF_K + 1), 6);
      // "measurements" stems to the same word as "measurement"
      expect((await h.store.search({ text: "measurements", limit: 5 }))[0]?.chunk.id).toBe(sensors.id);
      // words only in the title / heading path still find the chunk
      expect((await h.store.search({ text: "walking gaits", limit: 5 }))[0]?.chunk.id).toBe(gait.id);
      expect((await h.store.search({ text: "moment control", limit: 5 }))[0]?.chunk.id).toBe(gait.id);
      expect(await h.store.search({ text: "photosynthesis chlorophyll", limit: 5 })).toEqual([]);
    });

    it("takes any user text as a query without error (quotes, operators, punctuation, empty)", async () => {
      await h.store.reset(null);
      await h.store.replaceDocument({ docId: "a.md", contentHash: "x" }, [
        makeChunk("a.md", 0, "Servo motors AND stepper motors differ in feedback."),
      ]);
      for (const text of [
        '"unbalanced',
        "motors* NEAR(x y)",
        "AND OR NOT",
        "-motors",
        "(((",
        "",
        "   ",
        "'; DROP",
      ]) {
        await expect(h.store.search({ text, limit: 3 })).resolves.toBeInstanceOf(Array);
      }
      expect((await h.store.search({ text: 'motors"', limit: 3 }))[0]?.chunk.docId).toBe("a.md");
    });

    it("replaces a document atomically: the new chunks only, no duplicates, the new hash", async () => {
      await h.store.reset(null);
      await h.store.replaceDocument({ docId: "a.md", contentHash: "v1" }, [
        makeChunk("a.md", 0, "Hydraulic actuators are strong."),
        makeChunk("a.md", 1, "Pneumatic muscles are compliant."),
      ]);
      await h.store.replaceDocument({ docId: "a.md", contentHash: "v2" }, [
        makeChunk("a.md", 0, "Electric actuators are precise."),
      ]);
      expect(await h.store.listDocuments()).toEqual([{ docId: "a.md", contentHash: "v2", chunkCount: 1 }]);
      expect(await h.store.search({ text: "pneumatic hydraulic", limit: 5 })).toEqual([]);
      const hits = await h.store.search({ text: "actuators", limit: 5 });
      expect(hits.map((x) => x.chunk.text)).toEqual(["Electric actuators are precise."]);
      expect((await h.store.stats()).chunks).toBe(1);
    });

    it("keeps each document's source sections by route for chapter variants, replaced and deleted with it", async () => {
      await h.store.reset(null);
      if (!h.store.documentSource || !h.store.documentSources) throw new Error("no document sources");
      const source = (version: string) => ({
        route: "/docs/sensors/imu",
        title: "IMUs",
        position: 2,
        mdx: false,
        sections: [
          { anchor: "", heading: "", depth: 0, markdown: `# IMUs\n\nLead ${version}.` },
          { anchor: "drift", heading: "Drift", depth: 2, markdown: "## Drift\n\n```py\nx = 1\n```" },
        ],
      });
      const chunk = makeChunk("sensors/imu.md", 0, "Gyroscopes drift.");
      await h.store.replaceDocument({ docId: "sensors/imu.md", contentHash: "v1", source: source("one") }, [
        chunk,
      ]);
      await h.store.replaceDocument({ docId: "other.md", contentHash: "o1" }, [
        makeChunk("other.md", 0, "Other."),
      ]);
      expect(await h.store.documentSource("/docs/sensors/imu")).toEqual({
        docId: "sensors/imu.md",
        contentHash: "v1",
        ...source("one"),
      });
      await h.store.replaceDocument({ docId: "sensors/imu.md", contentHash: "v2", source: source("two") }, [
        chunk,
      ]);
      const reader = await h.openReader();
      try {
        expect((await reader.documentSource?.("/docs/sensors/imu"))?.sections[0]?.markdown).toBe(
          "# IMUs\n\nLead two.",
        );
        expect((await reader.documentSources?.())?.map((d) => [d.docId, d.contentHash])).toEqual([
          ["sensors/imu.md", "v2"],
        ]);
      } finally {
        if (reader !== h.store) await reader.close();
      }
      expect(await h.store.documentSource("/docs/no/such")).toBeNull();
      // The incremental listing carries no source (it stays small).
      expect(await h.store.listDocuments()).toEqual([
        { docId: "other.md", contentHash: "o1", chunkCount: 1 },
        { docId: "sensors/imu.md", contentHash: "v2", chunkCount: 1 },
      ]);
      await h.store.deleteDocument("sensors/imu.md");
      expect(await h.store.documentSource("/docs/sensors/imu")).toBeNull();
      expect(await h.store.documentSources()).toEqual([]);
    });

    it("deletes a document and only that document", async () => {
      await h.store.reset(null);
      await h.store.replaceDocument({ docId: "a.md", contentHash: "1" }, [
        makeChunk("a.md", 0, "Lidar point clouds."),
      ]);
      await h.store.replaceDocument({ docId: "b.md", contentHash: "2" }, [
        makeChunk("b.md", 0, "Lidar range limits."),
      ]);
      await h.store.deleteDocument("a.md");
      await h.store.deleteDocument("never-existed.md");
      expect((await h.store.listDocuments()).map((d) => d.docId)).toEqual(["b.md"]);
      expect((await h.store.search({ text: "lidar", limit: 5 })).map((x) => x.chunk.docId)).toEqual(["b.md"]);
    });

    it("records a document with no chunks so incremental ingest can skip it", async () => {
      await h.store.reset(null);
      await h.store.replaceDocument({ docId: "empty.md", contentHash: "e" }, []);
      expect(await h.store.listDocuments()).toEqual([{ docId: "empty.md", contentHash: "e", chunkCount: 0 }]);
    });

    it("filters by path prefix on both legs and honours the limit", async () => {
      await h.store.reset(EMBEDDING);
      const docs = ["part-1/a.md", "part-1/b.md", "part-2/c.md", "part-2/d.md"];
      for (const [i, docId] of docs.entries()) {
        await h.store.replaceDocument(
          { docId, contentHash: String(i) },
          [makeChunk(docId, 0, `Reinforcement learning policy number ${i}.`)],
          [axisVector(i)],
        );
      }
      const hits = await h.store.search({
        text: "reinforcement learning",
        vector: axisVector(0),
        limit: 10,
        filters: { pathPrefix: "part-2/" },
      });
      expect(hits.map((x) => x.chunk.docId).sort()).toEqual(["part-2/c.md", "part-2/d.md"]);
      expect(await h.store.search({ text: "reinforcement learning", limit: 3 })).toHaveLength(3);
      expect(
        await h.store.search({ text: "reinforcement", limit: 10, filters: { pathPrefix: "part-9" } }),
      ).toEqual([]);
    });

    it("fuses the dense and lexical legs: each contributes, agreement ranks first", async () => {
      await h.store.reset(EMBEDDING);
      expect((await h.store.stats()).embedding).toEqual(EMBEDDING);
      const chunks = [
        makeChunk("a.md", 0, "Torque control of humanoid joints."), // lexical match, far in vector space
        makeChunk("b.md", 0, "Grasp planning for dexterous hands."), // dense match only
        makeChunk("c.md", 0, "Torque sensing: torque in grasping."), // both
        makeChunk("d.md", 0, "Unrelated words about simulation."),
      ];
      const vectors = [axisVector(1), axisVector(5), axisVector(5), axisVector(9)];
      for (const [i, c] of chunks.entries()) {
        await h.store.replaceDocument({ docId: c.docId, contentHash: "h" }, [c], [vectors[i]!]);
      }
      // query vector near b and c; query words in a and c
      const query = { text: "torque", vector: axisVector(5), limit: 4 };
      const hits = await h.store.search(query);
      const byDoc = new Map(hits.map((x) => [x.chunk.docId, x]));
      expect(hits[0]?.chunk.docId).toBe("c.md");
      expect(byDoc.get("c.md")?.legs.sort()).toEqual(["dense", "lexical"]);
      expect(byDoc.get("a.md")?.legs).toContain("lexical");
      expect(byDoc.get("b.md")?.legs).toEqual(["dense"]);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
      // a query no word matches is still answered by the dense leg alone
      const denseOnly = await h.store.search({ text: "zzzz qqqq", vector: axisVector(9), limit: 1 });
      expect(denseOnly[0]?.chunk.docId).toBe("d.md");
      expect(denseOnly[0]?.legs).toEqual(["dense"]);
    });

    it("refuses vectors that do not fit the index and keeps the old document intact", async () => {
      await h.store.reset(EMBEDDING);
      const old = makeChunk("a.md", 0, "Kinematic chains.");
      await h.store.replaceDocument({ docId: "a.md", contentHash: "old" }, [old], [axisVector(1)]);
      const next = [makeChunk("a.md", 0, "Inverse kinematics."), makeChunk("a.md", 1, "Jacobians.")];
      await expect(h.store.replaceDocument({ docId: "a.md", contentHash: "new" }, next)).rejects.toThrow();
      await expect(
        h.store.replaceDocument({ docId: "a.md", contentHash: "new" }, next, [
          axisVector(1),
          new Float32Array(3),
        ]),
      ).rejects.toThrow();
      expect(await h.store.listDocuments()).toEqual([{ docId: "a.md", contentHash: "old", chunkCount: 1 }]);
      expect((await h.store.search({ text: "kinematic", limit: 5 })).map((x) => x.chunk)).toEqual([old]);
      expect((await h.store.stats()).chunks).toBe(1);
    });

    it("reset drops everything and records the new embedding", async () => {
      await h.store.reset(EMBEDDING);
      await h.store.replaceDocument(
        { docId: "a.md", contentHash: "1" },
        [makeChunk("a.md", 0, "Odometry drift.")],
        [axisVector(2)],
      );
      const other = { model: "another-model", dimensions: 24 };
      await h.store.reset(other);
      expect(await h.store.stats()).toMatchObject({ chunks: 0, documents: 0, embedding: other });
      expect(await h.store.search({ text: "odometry", limit: 5 })).toEqual([]);
      await h.store.replaceDocument(
        { docId: "a.md", contentHash: "2" },
        [makeChunk("a.md", 0, "Odometry drift.")],
        [axisVector(2, 24)],
      );
      const hits = await h.store.search({ text: "odometry", vector: axisVector(2, 24), limit: 5 });
      expect(hits[0]?.legs.sort()).toEqual(["dense", "lexical"]);
      await h.store.reset(null);
      expect((await h.store.stats()).embedding).toBeNull();
    });

    it("shows new content to another open handle without reopening it", async () => {
      await h.store.reset(null);
      const reader = await h.openReader();
      try {
        expect(await reader.search({ text: "quadruped", limit: 5 })).toEqual([]);
        await h.store.replaceDocument({ docId: "q.md", contentHash: "1" }, [
          makeChunk("q.md", 0, "A quadruped trots on four legs."),
        ]);
        expect((await reader.search({ text: "quadruped", limit: 5 }))[0]?.chunk.docId).toBe("q.md");
        expect((await reader.stats()).chunks).toBe(1);
        await h.store.deleteDocument("q.md");
        expect(await reader.search({ text: "quadruped", limit: 5 })).toEqual([]);
      } finally {
        await reader.close();
      }
    });
  });
}
