// Coverage gaps: groups the questions the book could not answer into clusters of similar questions (lexical, offline).
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

/**
 * Greedy clustering with a linkage bar: a question joins the cluster holding its most similar earlier question when
 * that similarity reaches JOIN_SIMILARITY, else starts its own. Neighbours are found through an inverted index
 * (stem → questions), so only questions sharing a word are compared; stems common to a quarter of all questions
 * are left out, as corpus-level stopwords. Questions are visited most-connected first, so clusters are seeded by
 * typical wordings rather than one-offs.
 */
export function clusterQuestions(
  candidates: GapCandidate[],
): Array<{ members: GapCandidate[]; terms: string[] }> {
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
  const commonAt = Math.max(20, candidates.length * COMMON_SHARE);
  const sets = all.map((set) => {
    const kept = new Set([...set].filter((s) => (df.get(s) ?? 0) <= commonAt));
    return kept.size > 0 ? kept : set;
  });
  const order = sets
    .map((set, i) => ({ i, weight: [...set].reduce((a, s) => a + (df.get(s) ?? 0), 0) }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((o) => o.i);
  const postings = new Map<string, number[]>();
  const clusterOf = new Map<number, number[]>();
  const clusters: number[][] = [];
  for (const i of order) {
    const set = sets[i] as Set<string>;
    if (set.size === 0) continue;
    const shared = new Map<number, number>();
    for (const s of set) for (const j of postings.get(s) ?? []) shared.set(j, (shared.get(j) ?? 0) + 1);
    let best: number[] | undefined;
    let bestSim = JOIN_SIMILARITY;
    for (const [j, n] of shared) {
      const other = sets[j] as Set<string>;
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
  return clusters
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
