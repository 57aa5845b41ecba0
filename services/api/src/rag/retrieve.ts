// Retrieval: embed the query (when an embedder exists), search the store, judge relevance, collapse near-duplicates, keep top-k.
import { type TextAnalysis, uncachedAnalysis } from "./analysis-cache.ts";
import { type RagObserver, timed } from "./observer.ts";
import type { Chunk, ChunkStore, Embedder, SearchFilters, SearchHit } from "./ports.ts";
import { contentStems, coverage, jaccardAtLeast, topicStems } from "./text.ts";

/** The store could not be searched (SQLite file gone, Qdrant unreachable ...). Routes answer 503. */
export class RetrievalUnavailableError extends Error {
  override name = "RetrievalUnavailableError";
}

/** A retrieved section, numbered for citation ([n] = `n`). */
export interface Retrieved {
  n: number;
  chunk: Chunk;
  score: number;
  legs: SearchHit["legs"];
  /** Fraction of the question's content words found in the section (title and headings included). */
  coverage: number;
  /** Stems of the section's title, headings and text. */
  stems: ReadonlySet<string>;
}

export interface RetrieveDeps {
  store: ChunkStore;
  embedder?: Embedder;
  observer?: RagObserver;
  /** Where chunk analysis is remembered between queries. @default computed each time */
  analysis?: TextAnalysis;
}

export interface RetrieveRequest {
  /** The text searched (question, plus whatever context joins it). */
  query: string;
  /** The text relevance is judged against; defaults to `query`. */
  relevanceText?: string;
  limit: number;
  filters?: SearchFilters;
  signal?: AbortSignal;
  /** Overrides KEEP_RATIO (evaluation and tuning). */
  keepRatio?: number;
}

export interface RetrievalResult {
  hits: Retrieved[];
  /** Whether the best section covers enough of the question to answer from. */
  relevant: boolean;
  /** The weighted share of the question's topic words in the best section (0..1): `relevant` is `>= MIN_COVERAGE`. */
  coverage: number;
  /** Whether the dense leg took part. */
  dense: boolean;
}

/** Least share of the question's content words the best section must contain to count as relevant. */
export const MIN_COVERAGE = 0.4;
/**
 * Below MIN_COVERAGE but at least this, the book comes close without answering: the reader is told so and pointed
 * to the closest sections instead of getting nothing. Measured on the five evaluation books (docs/BENCHMARKS.md):
 * every own question whose answer file search ranks first reaches 0.25 (0.97 of them reach 0.4); of 50
 * general-knowledge questions, 2 fall in [0.25, 0.4) — they get the pointers, never an answer.
 */
export const NEAR_COVERAGE = 0.25;
/**
 * A section is kept only if it covers at least this share of what the best section covers. Measured on the five
 * evaluation books (docs/BENCHMARKS.md): 0.5 dropped the answer file from the top 5 of 2-5% of the questions
 * whose answer uses other words than the question; 0.25 still drops the sections sharing one stray word.
 */
export const KEEP_RATIO = 0.25;
/** Sections whose word 3-gram sets overlap at least this much are one section repeated. */
export const NEAR_DUPLICATE_JACCARD = 0.8;

/**
 * How much each question word says about relevance: words found in few of the candidate sections weigh
 * more (a question about "the world cup" is not answered by sections that only share "world"). An idf computed
 * over the candidates, since the store's is not exposed.
 */
export function termWeights(
  terms: readonly string[],
  candidates: ReadonlyArray<ReadonlySet<string>>,
): Map<string, number> {
  const n = candidates.length;
  return new Map(
    terms.map((t) => {
      const df = candidates.filter((s) => s.has(t)).length;
      // A word in no candidate weighs as much as one in a single candidate: absent everyday words
      // ("never", "fix") must not outweigh the topic words that did match.
      return [t, Math.log(1 + (n + 1) / (Math.max(df, 1) + 0.5))];
    }),
  );
}

/** The weighted share of the question's words that `stems` contains. */
export function weightedCoverage(weights: ReadonlyMap<string, number>, stems: ReadonlySet<string>): number {
  let total = 0;
  let hit = 0;
  for (const [t, w] of weights) {
    total += w;
    if (stems.has(t)) hit += w;
  }
  return total === 0 ? 0 : hit / total;
}

export async function retrieve(deps: RetrieveDeps, req: RetrieveRequest): Promise<RetrievalResult> {
  const analysis = deps.analysis ?? uncachedAnalysis;
  let vector: Float32Array | undefined;
  // No embedding call when the index could not use it (lexical-only, or vectors of another size).
  if (deps.embedder && deps.store.usesVectors?.(deps.embedder.dimensions) !== false) {
    const embedder = deps.embedder;
    try {
      [vector] = await timed(deps.observer, "embed", () =>
        embedder.embed([req.query], { signal: req.signal }),
      );
    } catch (err) {
      if (req.signal?.aborted) throw err;
      // Lexical retrieval alone still answers; the provider's failure is reported, not fatal.
      deps.observer?.degraded?.("embed", err);
    }
  }
  let raw: SearchHit[];
  try {
    raw = await timed(deps.observer, "retrieve", () =>
      deps.store.search({
        text: req.query,
        vector,
        limit: Math.max(req.limit * 3, req.limit + 10),
        filters: req.filters,
      }),
    );
  } catch (err) {
    throw new RetrievalUnavailableError("the chunk store could not be searched", { cause: err });
  }

  const relevanceText = req.relevanceText ?? req.query;
  const questionTerms = contentStems(relevanceText);
  // Whether the book answers is judged on the question's topic words: quiz phrasing ("which of the following
  // statements are true") is in no section and would make a covered question look uncovered.
  const topicTerms = topicStems(relevanceText);
  const queryTerms = contentStems(req.query);
  const analysed = raw.map((hit) => ({ hit, stems: analysis.chunkStems(hit.chunk) }));
  const candidateStems = analysed.map((a) => a.stems);
  const weights = termWeights(questionTerms, candidateStems);
  const topicWeights = termWeights(topicTerms, candidateStems);
  const kept: Array<Omit<Retrieved, "n"> & { shingles: Uint32Array }> = [];
  let best = 0;
  for (const { hit, stems } of analysed) {
    const c = hit.chunk;
    const cov = weightedCoverage(weights, stems);
    // One shared word is chance when the question has several ("the plot of Hamlet" vs plotting data).
    const matched = topicTerms.filter((t) => stems.has(t)).length;
    if (matched >= Math.min(2, topicTerms.length))
      best = Math.max(best, weightedCoverage(topicWeights, stems));
    // A lexical hit on function words only, with no dense support, says nothing about the question.
    if (coverage(queryTerms, stems) === 0 && !hit.legs.includes("dense")) continue;
    const sh = analysis.chunkShingles(c);
    if (kept.some((k) => k.chunk.id === c.id || jaccardAtLeast(k.shingles, sh, NEAR_DUPLICATE_JACCARD)))
      continue;
    kept.push({ chunk: c, score: hit.score, legs: hit.legs, coverage: cov, stems, shingles: sh });
  }
  // Sections that share only a word or two of what the best one covers are noise in the prompt and the sources.
  const top = Math.max(0, ...kept.map((k) => k.coverage));
  const hits = kept
    .filter((k) => k.coverage >= top * (req.keepRatio ?? KEEP_RATIO) || k.legs.includes("dense"))
    .slice(0, req.limit)
    .map(({ shingles: _s, ...rest }, i) => ({ ...rest, n: i + 1 }));
  return {
    hits,
    relevant: hits.length > 0 && best >= MIN_COVERAGE,
    coverage: hits.length > 0 ? best : 0,
    dense: vector !== undefined,
  };
}
