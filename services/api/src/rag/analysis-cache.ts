// Per-chunk text analysis (stems, sentences, shingles): pure functions of a chunk's text, remembered in bounded caches.
import { LRUCache } from "lru-cache";
import { termIndex } from "./lexicon.ts";
import { contentStems, sentences, words } from "./text.ts";

/**
 * Word 3-grams of `text` (the whole text as one entry when it has fewer than three words), each as a 32-bit hash,
 * sorted and distinct: about 1 kB for a 250-word chunk where the strings took 40 kB, and compared by a merge.
 */
export function shingles(text: string): Uint32Array {
  const w = words(text);
  const out: number[] = [];
  if (w.length < 3) out.push(termIndex(w.join(" ")));
  for (let i = 0; i + 3 <= w.length; i++) out.push(termIndex(`${w[i]} ${w[i + 1]} ${w[i + 2]}`));
  const sorted = Uint32Array.from(out).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++)
    if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i] as number;
  return sorted.slice(0, n);
}

interface ChunkAnalysis {
  title: string;
  headings: readonly string[];
  text: string;
  stems: ReadonlySet<string>;
  /** `shingles(text)`. */
  shingles: Uint32Array;
}

type AnalysedChunk = { id: string; title: string; headingPath: readonly string[]; text: string };

export interface AnalysedSentence {
  text: string;
  stems: ReadonlySet<string>;
}

/** Per-chunk and per-text analysis, remembered or not; every result is shared: never mutate it. */
export interface TextAnalysis {
  /** Hashed word 3-grams of a chunk's text, for near-duplicate checks. */
  chunkShingles(chunk: AnalysedChunk): Uint32Array;
  /** Content stems of a chunk's title, headings and text. */
  chunkStems(chunk: AnalysedChunk): ReadonlySet<string>;
  /** `sentences(text)`, each with its content stems. */
  analysedSentences(text: string): readonly AnalysedSentence[];
}

export interface AnalysisCacheOptions {
  /** Chunks remembered by id (about 7 kB each). @default 1024 */
  chunks?: number;
  /** Texts whose sentences are remembered (about 8 kB each). @default 512 */
  texts?: number;
}

function sameHeadings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i]);
}

function analyseChunk(chunk: AnalysedChunk): ChunkAnalysis {
  return {
    title: chunk.title,
    headings: [...chunk.headingPath],
    text: chunk.text,
    stems: new Set(contentStems(`${chunk.title}\n${chunk.headingPath.join("\n")}\n${chunk.text}`)),
    shingles: shingles(chunk.text),
  };
}

const analyseSentences = (text: string): readonly AnalysedSentence[] =>
  sentences(text).map((s) => ({ text: s, stems: new Set(contentStems(s)) }));

/** The same analysis computed every time: for one-off callers and tests. */
export const uncachedAnalysis: TextAnalysis = {
  chunkShingles: (chunk) => shingles(chunk.text),
  chunkStems: (chunk) => analyseChunk(chunk).stems,
  analysedSentences: analyseSentences,
};

/**
 * The analysis of recently seen chunks and texts, least recently used forgotten first (built once in deps.ts: the
 * same chunks come back query after query). Ids are content hashes, but every entry is checked against its text.
 */
export function createAnalysisCache(opts: AnalysisCacheOptions = {}): TextAnalysis {
  const chunkCache = new LRUCache<string, ChunkAnalysis>({ max: opts.chunks ?? 1024 });
  const sentenceCache = new LRUCache<string, readonly AnalysedSentence[]>({ max: opts.texts ?? 512 });
  const analysisOf = (chunk: AnalysedChunk) => {
    const hit = chunkCache.get(chunk.id);
    if (
      hit &&
      hit.text === chunk.text &&
      hit.title === chunk.title &&
      sameHeadings(hit.headings, chunk.headingPath)
    )
      return hit;
    const entry = analyseChunk(chunk);
    chunkCache.set(chunk.id, entry);
    return entry;
  };
  return {
    chunkShingles: (chunk) => analysisOf(chunk).shingles,
    chunkStems: (chunk) => analysisOf(chunk).stems,
    analysedSentences(text) {
      let out = sentenceCache.get(text);
      if (!out) {
        out = analyseSentences(text);
        sentenceCache.set(text, out);
      }
      return out;
    },
  };
}
