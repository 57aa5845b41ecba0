// Coverage gaps: groups the questions the book could not answer into clusters of similar questions (lexical, offline).
import { STOPWORDS, stem, words } from "../rag/lexicon.ts";
import type { GapCandidate } from "./ports.ts";

/** Least cosine similarity between the content-stem sets of two questions to put them in one cluster. */
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

/**
 * Similarity of two questions' stem sets. Questions are short: one shared word ("robot") says little, two
 * ("sourdough bread") say they ask about the same thing, so fewer than MIN_SHARED shared stems count as unrelated.
 * No idf: a word common among the unanswered questions is exactly what makes them a cluster.
 */
function similarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const s of a) if (b.has(s)) shared++;
  if (shared < Math.min(MIN_SHARED, a.size, b.size)) return 0;
  return shared / Math.sqrt(a.size * b.size);
}

/**
 * Greedy clustering with a linkage bar: a question joins the cluster holding its most similar question when that
 * similarity reaches JOIN_SIMILARITY, else starts its own. Questions are visited most-connected first, so clusters
 * are seeded by typical wordings rather than one-offs. Quadratic: the caller bounds the input (5,000 questions
 * cluster in about a second).
 */
export function clusterQuestions(
  candidates: GapCandidate[],
): Array<{ members: GapCandidate[]; terms: string[] }> {
  const surfaceOf = new Map<string, string>();
  const sets = candidates.map((c) => {
    const set = new Set<string>();
    for (const w of words(c.question)) {
      if (STOPWORDS.has(w) || w.length < 2) continue;
      const s = stem(w);
      set.add(s);
      if (!surfaceOf.has(s)) surfaceOf.set(s, w);
    }
    return set;
  });
  const df = new Map<string, number>();
  for (const set of sets) for (const s of set) df.set(s, (df.get(s) ?? 0) + 1);
  const order = sets
    .map((set, i) => ({ i, weight: [...set].reduce((a, s) => a + (df.get(s) ?? 0), 0) }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((o) => o.i);
  const clusters: number[][] = [];
  for (const i of order) {
    const set = sets[i] as Set<string>;
    if (set.size === 0) continue;
    let best: number[] | undefined;
    let bestSim = JOIN_SIMILARITY;
    for (const members of clusters) {
      for (const m of members) {
        const sim = similarity(set, sets[m] as Set<string>);
        if (sim >= bestSim) {
          best = members;
          bestSim = sim;
        }
      }
    }
    if (best) best.push(i);
    else clusters.push([i]);
  }
  return clusters
    .map((members) => {
      const counts = new Map<string, number>();
      for (const m of members)
        for (const s of sets[m] as Set<string>) counts.set(s, (counts.get(s) ?? 0) + 1);
      return {
        members: members.map((m) => candidates[m] as GapCandidate),
        terms: [...counts.entries()]
          .sort(
            (a, b) => b[1] - a[1] || (df.get(b[0]) ?? 0) - (df.get(a[0]) ?? 0) || a[0].localeCompare(b[0]),
          )
          .slice(0, TERMS_PER_CLUSTER)
          .map(([s]) => surfaceOf.get(s) ?? s),
      };
    })
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
