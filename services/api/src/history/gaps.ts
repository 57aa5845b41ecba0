// Coverage gaps: groups the questions the book could not answer into clusters of similar questions (lexical, offline).
import { STOPWORDS, stem, words } from "../rag/lexicon.ts";
import type { GapCandidate } from "./ports.ts";

/** Least cosine similarity (TF-IDF over stems) between a question and a cluster's centroid to join it. */
export const JOIN_SIMILARITY = 0.3;
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

type Vec = Map<string, number>;

function norm(v: Vec): number {
  let s = 0;
  for (const x of v.values()) s += x * x;
  return Math.sqrt(s);
}

function cosine(a: Vec, b: Vec, nb: number): number {
  const na = norm(a);
  if (na === 0 || nb === 0) return 0;
  let dot = 0;
  for (const [k, x] of a) dot += x * (b.get(k) ?? 0);
  return dot / (na * nb);
}

interface Building {
  centroid: Vec;
  centroidNorm: number;
  members: number[];
}

/**
 * Greedy single-pass clustering against centroids. Questions are short, so TF-IDF over Porter stems with a
 * cosine threshold groups rephrasings ("sourdough recipe" / "how do I bake sourdough bread") without a model;
 * the most frequent question shapes go first so each cluster is seeded by a typical one.
 */
export function clusterQuestions(
  candidates: GapCandidate[],
): Array<{ members: GapCandidate[]; terms: string[] }> {
  const docs = candidates.map((c) => {
    const surface = words(c.question).filter((w) => !STOPWORDS.has(w) && w.length > 1);
    const tf: Vec = new Map();
    const seen = new Map<string, string>();
    for (const w of surface) {
      const s = stem(w);
      tf.set(s, (tf.get(s) ?? 0) + 1);
      if (!seen.has(s)) seen.set(s, w);
    }
    return { tf, seen };
  });
  const df = new Map<string, number>();
  for (const d of docs) for (const s of d.tf.keys()) df.set(s, (df.get(s) ?? 0) + 1);
  const n = docs.length;
  const vectors: Vec[] = docs.map((d) => {
    const v: Vec = new Map();
    for (const [s, f] of d.tf) v.set(s, f * (Math.log((1 + n) / (1 + (df.get(s) ?? 0))) + 1));
    return v;
  });
  // Questions sharing common stems first: they make better seeds than one-off wording.
  const order = vectors
    .map((v, i) => ({ i, weight: [...v.keys()].reduce((a, s) => a + (df.get(s) ?? 0), 0) }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((o) => o.i);
  const clusters: Building[] = [];
  for (const i of order) {
    const v = vectors[i] as Vec;
    if (v.size === 0) continue;
    let best: Building | undefined;
    let bestSim = JOIN_SIMILARITY;
    for (const c of clusters) {
      const sim = cosine(v, c.centroid, c.centroidNorm);
      if (sim >= bestSim) {
        best = c;
        bestSim = sim;
      }
    }
    if (!best) {
      best = { centroid: new Map(), centroidNorm: 0, members: [] };
      clusters.push(best);
    }
    best.members.push(i);
    for (const [k, x] of v) best.centroid.set(k, (best.centroid.get(k) ?? 0) + x);
    best.centroidNorm = norm(best.centroid);
  }
  const surfaceOf = new Map<string, string>();
  for (const d of docs) for (const [s, w] of d.seen) if (!surfaceOf.has(s)) surfaceOf.set(s, w);
  return clusters
    .map((c) => ({
      members: c.members.map((i) => candidates[i] as GapCandidate),
      terms: [...c.centroid.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TERMS_PER_CLUSTER)
        .map(([s]) => surfaceOf.get(s) ?? s),
    }))
    .sort((a, b) => b.members.length - a.members.length);
}

export interface GapOptions {
  /** The book's sections closest to a text (the chunk store's lexical search). */
  nearestSections(text: string): Promise<SectionRef[]>;
  /** Include pseudonymous reader ids (admins with INSIGHTS_SHOW_READERS). */
  showReaders: boolean;
  /** Most clusters returned. */
  limit: number;
}

/** The author's to-do list: clusters, biggest first, each with examples and the sections nearest to it. */
export async function coverageGaps(candidates: GapCandidate[], opts: GapOptions): Promise<Cluster[]> {
  const clusters = clusterQuestions(candidates).slice(0, opts.limit);
  return Promise.all(
    clusters.map(async (c) => {
      const examples = [...new Set(c.members.map((m) => m.question.trim()))].slice(0, EXAMPLES_PER_CLUSTER);
      const cluster: Cluster = {
        size: c.members.length,
        terms: c.terms,
        examples,
        sections: await opts.nearestSections(c.terms.join(" ")),
      };
      if (opts.showReaders) cluster.readers = [...new Set(c.members.map((m) => m.userId))];
      return cluster;
    }),
  );
}
