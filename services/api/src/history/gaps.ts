// Coverage gaps: groups the questions the book could not answer into clusters of similar questions: by their
// embeddings when an embedding provider is configured, by shared words offline.
import { STOPWORDS, stem, words } from "../rag/lexicon.ts";
import type { GapCandidate } from "./ports.ts";

/**
 * Least cosine similarity between the content-stem sets of two questions to put them in one cluster. Questions are
 * short: one shared word says little, two ("sourdough bread") say they ask about the same thing, so fewer than
 * MIN_SHARED shared stems count as unrelated. No idf weighting: a word frequent among the unanswered questions is
 * what makes them a cluster (only words in a quarter of them all are dropped).
 */
export const JOIN_SIMILARITY = 0.4;
/** Two questions must share this many content stems (or every stem of the shorter one) to be similar. */
export const MIN_SHARED = 2;
export const EXAMPLES_PER_CLUSTER = 5;
export const TERMS_PER_CLUSTER = 4;

export interface SectionRef {
  title: string;
  heading: string;
  url: string;
}

export interface Cluster {
  size: number;
  terms: string[];
  examples: string[];
  sections: SectionRef[];
  readers?: string[];
}

/** Words that make a question a question, not what it is about (the shared stopword list keeps "how" for BM25). */
const QUESTION_WORDS: ReadonlySet<string> = new Set(
  "how why many much tell mean means meaning example examples difference between".split(" "),
);

/** A stem in more than this share of the questions says nothing about which of them belong together ("robot"). */
const COMMON_SHARE = 0.25;
/** Questions remembered per stem for finding neighbours: a cluster is found through its first members. */
const POSTINGS_MAX = 200;

/** A question's content stems (stopwords and question words left out), and the first surface form of each stem. */
function contentSets(candidates: GapCandidate[]) {
  const surfaceOf = new Map<string, string>();
  const all = candidates.map((c) => {
    const set = new Set<string>();
    for (const w of words(c.question)) {
      if (STOPWORDS.has(w) || QUESTION_WORDS.has(w) || w.length < 2) continue;
      const s = stem(w);
      set.add(s);
      if (!surfaceOf.has(s)) surfaceOf.set(s, w);
    }
    return set;
  });
  const df = new Map<string, number>();
  for (const set of all) for (const s of set) df.set(s, (df.get(s) ?? 0) + 1);
  return { all, df, surfaceOf };
}

type Described = { members: GapCandidate[]; terms: string[] };

/** Clusters (lists of candidate indexes) as members and their most shared words, biggest first. */
function describe(
  candidates: GapCandidate[],
  groups: number[][],
  sets: ReturnType<typeof contentSets>,
): Described[] {
  const { all, df, surfaceOf } = sets;
  return groups
    .map((members) => {
      const counts = new Map<string, number>();
      for (const m of members) for (const s of all[m] as Set<string>) counts.set(s, (counts.get(s) ?? 0) + 1);
      return {
        members: members.map((m) => candidates[m] as GapCandidate),
        terms: [...counts.entries()]
          .sort(
            (a, b) => b[1] - a[1] || (df.get(a[0]) ?? 0) - (df.get(b[0]) ?? 0) || a[0].localeCompare(b[0]),
          )
          .slice(0, TERMS_PER_CLUSTER)
          .map(([s]) => surfaceOf.get(s) ?? s),
      };
    })
    .sort((a, b) => b.members.length - a.members.length);
}

/**
 * Greedy clustering with a linkage bar: a question joins the cluster holding its most similar earlier question when
 * that similarity reaches JOIN_SIMILARITY, else starts its own. Neighbours are found through an inverted index
 * (stem → questions), so only questions sharing a word are compared; stems common to a quarter of all questions
 * are left out, as corpus-level stopwords. Questions are visited most-connected first, so clusters are seeded by
 * typical wordings rather than one-offs.
 */
export function clusterQuestions(candidates: GapCandidate[]): Described[] {
  const sets = contentSets(candidates);
  const { all, df } = sets;
  const commonAt = Math.max(20, candidates.length * COMMON_SHARE);
  const kept = all.map((set) => {
    const k = new Set([...set].filter((s) => (df.get(s) ?? 0) <= commonAt));
    return k.size > 0 ? k : set;
  });
  const order = kept
    .map((set, i) => ({ i, weight: [...set].reduce((a, s) => a + (df.get(s) ?? 0), 0) }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((o) => o.i);
  const postings = new Map<string, number[]>();
  const clusterOf = new Map<number, number[]>();
  const clusters: number[][] = [];
  for (const i of order) {
    const set = kept[i] as Set<string>;
    if (set.size === 0) continue;
    const shared = new Map<number, number>();
    for (const s of set) for (const j of postings.get(s) ?? []) shared.set(j, (shared.get(j) ?? 0) + 1);
    let best: number[] | undefined;
    let bestSim = JOIN_SIMILARITY;
    for (const [j, n] of shared) {
      const other = kept[j] as Set<string>;
      if (n < Math.min(MIN_SHARED, set.size, other.size)) continue;
      const sim = n / Math.sqrt(set.size * other.size);
      if (sim >= bestSim) {
        best = clusterOf.get(j);
        bestSim = sim;
      }
    }
    if (!best) {
      best = [];
      clusters.push(best);
    }
    best.push(i);
    clusterOf.set(i, best);
    for (const s of set) {
      const list = postings.get(s) ?? [];
      if (list.length < POSTINGS_MAX) list.push(i);
      postings.set(s, list);
    }
  }
  return describe(candidates, clusters, sets);
}

/**
 * Least cosine similarity between a question's embedding and a cluster's centroid to join it. Embedding models put
 * paraphrases of one question well above this and questions on different subjects well below (text-embedding-3:
 * paraphrases about 0.8, one subject asked differently 0.6–0.7, unrelated subjects under 0.3).
 */
export const EMBED_JOIN_SIMILARITY = 0.6;
/** Questions placed between two yields to the event loop (an author's page must not stall the chat streams). */
const EMBED_YIELD_EVERY = 10;
/**
 * The newest questions clustered by their embeddings (the store hands over up to 2,000). Placing each against every
 * cluster so far is quadratic when nothing is alike: 2,000 distinct questions at 1,536 dimensions took 22.6 s on
 * the shared 2-core machine at load 15–20, 500 took 1.5 s (yielding every 10 questions), an author's page load.
 */
export const EMBED_CANDIDATES_MAX = 500;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function normalised(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v));
  return n > 0 ? v.map((x) => x / n) : v;
}

export interface VectorClusters {
  clusters: Described[];
  /** Each cluster's centroid (unit length), in the order of `clusters`. */
  centroids: Float32Array[];
}

/**
 * Clustering by meaning: each question (in the order given, newest first) joins the cluster whose centroid is most
 * similar to its embedding, when that reaches EMBED_JOIN_SIMILARITY, else starts its own; centroids are kept as
 * running sums. Yields to the event loop as it goes (EMBED_CANDIDATES_MAX says what it costs).
 */
export async function clusterByVectors(
  candidates: GapCandidate[],
  vectors: readonly Float32Array[],
  threshold = EMBED_JOIN_SIMILARITY,
): Promise<VectorClusters> {
  const sums: Float32Array[] = [];
  const units: Float32Array[] = [];
  const groups: number[][] = [];
  for (let i = 0; i < candidates.length; i++) {
    if (i > 0 && i % EMBED_YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r));
    const v = normalised(vectors[i] as Float32Array);
    let best = -1;
    let bestSim = threshold;
    for (let k = 0; k < units.length; k++) {
      const sim = dot(v, units[k] as Float32Array);
      if (sim >= bestSim) {
        best = k;
        bestSim = sim;
      }
    }
    if (best < 0) {
      groups.push([i]);
      sums.push(Float32Array.from(v));
      units.push(v);
      continue;
    }
    (groups[best] as number[]).push(i);
    const sum = sums[best] as Float32Array;
    for (let d = 0; d < sum.length; d++) sum[d] = (sum[d] as number) + (v[d] as number);
    units[best] = normalised(sum);
  }
  const described = describe(candidates, groups, contentSets(candidates));
  // `describe` sorts by size: carry each group's centroid along by its first member.
  const centroidOf = new Map(groups.map((g, k) => [candidates[g[0] as number], units[k] as Float32Array]));
  return {
    clusters: described,
    centroids: described.map((c) => centroidOf.get(c.members[0] as GapCandidate) as Float32Array),
  };
}

export interface GapOptions {
  /** The book's sections closest to a text (the chunk store's search; with the cluster's centroid when embedded). */
  nearestSections(text: string, vector?: Float32Array): Promise<SectionRef[]>;
  /** Present when an embedding provider is configured: the questions' embeddings (clustering by meaning). */
  embed?(texts: string[]): Promise<Float32Array[]>;
  /** The embeddings failed: the lexical clustering is used instead. */
  onEmbedFailure?(err: unknown): void;
  /** Include pseudonymous reader ids (admins with INSIGHTS_SHOW_READERS). */
  showReaders: boolean;
  /** Most clusters returned. */
  limit: number;
}

/** Clusters by embeddings when there are some to be had, else lexically; each with its centroid when embedded. */
async function cluster(
  candidates: GapCandidate[],
  opts: GapOptions,
): Promise<Array<Described & { centroid?: Float32Array }>> {
  if (opts.embed && candidates.length > 0) {
    candidates = candidates.slice(0, EMBED_CANDIDATES_MAX);
    try {
      const unique = [...new Set(candidates.map((c) => c.question.trim()))];
      const vectors = await opts.embed(unique);
      const byText = new Map(unique.map((q, i) => [q, vectors[i] as Float32Array]));
      const { clusters, centroids } = await clusterByVectors(
        candidates,
        candidates.map((c) => byText.get(c.question.trim()) as Float32Array),
      );
      return clusters.map((c, i) => ({ ...c, centroid: centroids[i] }));
    } catch (err) {
      opts.onEmbedFailure?.(err);
    }
  }
  return clusterQuestions(candidates);
}

/** The author's to-do list: clusters, biggest first, each with examples and the sections nearest to it. */
export async function coverageGaps(candidates: GapCandidate[], opts: GapOptions): Promise<Cluster[]> {
  const clusters = (await cluster(candidates, opts)).slice(0, opts.limit);
  return Promise.all(
    clusters.map(async (c) => {
      const examples = [...new Set(c.members.map((m) => m.question.trim()))].slice(0, EXAMPLES_PER_CLUSTER);
      const result: Cluster = {
        size: c.members.length,
        terms: c.terms,
        examples,
        sections: await opts.nearestSections(c.terms.join(" "), c.centroid),
      };
      if (opts.showReaders) result.readers = [...new Set(c.members.map((m) => m.userId))];
      return result;
    }),
  );
}
