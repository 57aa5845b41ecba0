// Deterministic synthetic corpora for the benchmarks: seeded chunk texts, topic-structured 1536-d vectors, queries.
import type { Chunk } from "../../services/api/src/rag/ports.ts";

/** Small, fast, seedable PRNG (mulberry32): the same seed always yields the same corpus. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Words a robotics textbook uses; the rest of the vocabulary is made of seeded pseudo-words.
const SEED_WORDS = (
  "robot humanoid actuator sensor lidar camera imu gyroscope accelerometer torque joint servo motor gear encoder " +
  "kinematics dynamics inverse forward jacobian trajectory planning control feedback pid controller stability " +
  "balance gait walking locomotion manipulation gripper grasp end effector workspace degree freedom link frame " +
  "transform rotation quaternion euler matrix vector pose odometry localization mapping slam point cloud depth " +
  "stereo vision perception segmentation detection tracking filter kalman particle estimation noise calibration " +
  "simulation gazebo isaac physics engine contact friction collision mesh urdf ros node topic service action " +
  "message publisher subscriber launch parameter middleware latency bandwidth realtime scheduler embedded " +
  "battery power voltage current thermal safety compliance impedance force tactile skin learning policy reward " +
  "reinforcement imitation demonstration dataset training inference model network transformer language vision " +
  "multimodal embodied agent task reasoning planner skill primitive reach push pick place navigate obstacle " +
  "terrain stairs fall recovery center mass zero moment point support polygon foot ankle knee hip shoulder " +
  "elbow wrist hand finger dexterous teleoperation latency edge compute gpu jetson accelerator quantization"
).split(" ");

const SYLLABLES =
  "ka ro mi tu sen vel dor pa lin qua ber tos gri na fel mo zu ther ix ol ap cy dra nu pe".split(" ");

export interface CorpusOptions {
  chunks: number;
  dimensions?: number;
  seed?: number;
  /** Words per chunk text. @default 250 (about 350 tokens, the ingest's target size) */
  wordsPerChunk?: number;
  /** Chunks per document. @default 20 */
  chunksPerDoc?: number;
  /** Topics: each has its own vocabulary and a centroid that its chunks' vectors lean towards. @default 64 */
  topics?: number;
}

export interface SyntheticDoc {
  doc: { docId: string; contentHash: string };
  chunks: Chunk[];
  vectors: Float32Array[];
}

export interface SyntheticQuery {
  /** A search-box query ("how does ... work"). */
  text: string;
  /** The topic words it asks about, for building chat questions. */
  terms: string[];
  vector: Float32Array;
  topic: number;
}

export interface Corpus {
  dimensions: number;
  chunkCount: number;
  /** Generates the documents in order, one at a time, so 100k chunks never sit in memory twice. */
  docs(): Generator<SyntheticDoc>;
  /** Queries drawn from the same topics: a few topic words, and a vector near the topic's centroid. */
  queries(count: number): SyntheticQuery[];
}

function buildVocabulary(random: () => number, size: number): string[] {
  const vocab = new Set(SEED_WORDS);
  while (vocab.size < size) {
    const n = 2 + Math.floor(random() * 3);
    let w = "";
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    vocab.add(w);
  }
  return [...vocab];
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number);
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/** A vector near `centroid`: centroid + uniform noise of weight `noise`, L2-normalised. */
function near(centroid: Float32Array, random: () => number, noise: number): Float32Array {
  const v = new Float32Array(centroid.length);
  for (let i = 0; i < v.length; i++) v[i] = (centroid[i] as number) + noise * (random() * 2 - 1);
  return unit(v);
}

export function syntheticCorpus(opts: CorpusOptions): Corpus {
  const dimensions = opts.dimensions ?? 1536;
  const seed = opts.seed ?? 42;
  const wordsPerChunk = opts.wordsPerChunk ?? 250;
  const chunksPerDoc = opts.chunksPerDoc ?? 20;
  const topicCount = opts.topics ?? 64;
  const setup = rng(seed);
  const vocab = buildVocabulary(setup, 8000);
  // Each topic: 40 words of its own vocabulary and a random unit centroid.
  const topics = Array.from({ length: topicCount }, () => ({
    words: Array.from({ length: 40 }, () => vocab[Math.floor(setup() * vocab.length)] as string),
    centroid: unit(Float32Array.from({ length: dimensions }, () => setup() * 2 - 1)),
  }));
  // Zipf-like background words: rank r drawn with probability ~ 1/r.
  const zipfWord = (random: () => number) => vocab[Math.floor(vocab.length ** random()) - 1] as string;

  function* docs(): Generator<SyntheticDoc> {
    const random = rng(seed + 1);
    const docCount = Math.ceil(opts.chunks / chunksPerDoc);
    let made = 0;
    for (let d = 0; d < docCount; d++) {
      const topicIndex = d % topicCount;
      const topic = topics[topicIndex] as (typeof topics)[number];
      const docId = `part-${String(Math.floor(d / 50)).padStart(3, "0")}/doc-${String(d).padStart(6, "0")}.md`;
      const title = `${topic.words[0]} and ${topic.words[1]} ${d}`;
      const chunks: Chunk[] = [];
      const vectors: Float32Array[] = [];
      const n = Math.min(chunksPerDoc, opts.chunks - made);
      for (let c = 0; c < n; c++) {
        const ws: string[] = [];
        for (let i = 0; i < wordsPerChunk; i++)
          ws.push(
            random() < 0.3
              ? (topic.words[Math.floor(random() * topic.words.length)] as string)
              : zipfWord(random),
          );
        const heading = `${topic.words[c % topic.words.length]} ${c}`;
        chunks.push({
          id: `${docId}#${c}`,
          docId,
          path: docId,
          title,
          headingPath: [heading],
          route: `/docs/${docId.replace(/\.md$/, "")}#${heading.replace(/\s+/g, "-")}`,
          text: `${ws.join(" ")}.`,
          ordinal: c,
          tokens: Math.round(wordsPerChunk * 1.4),
        });
        vectors.push(near(topic.centroid, random, 0.08));
      }
      made += n;
      yield { doc: { docId, contentHash: `synthetic-${seed}-${d}-${n}` }, chunks, vectors };
    }
  }

  function queries(count: number): SyntheticQuery[] {
    const random = rng(seed + 2);
    return Array.from({ length: count }, (_, i) => {
      const topicIndex = (i * 7) % topicCount;
      const topic = topics[topicIndex] as (typeof topics)[number];
      const ws = Array.from(
        { length: 4 },
        () => topic.words[Math.floor(random() * topic.words.length)] as string,
      );
      return {
        text: `how does ${ws.join(" ")} work`,
        terms: ws,
        vector: near(topic.centroid, random, 0.08),
        topic: topicIndex,
      };
    });
  }

  return { dimensions, chunkCount: opts.chunks, docs, queries };
}
