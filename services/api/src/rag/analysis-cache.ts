// Bounded caches of per-chunk text analysis (stems, sentences) and shingles: pure functions of a chunk's text.
import { termIndex } from "./lexicon.ts";
import { contentStems, sentences, words } from "./text.ts";

/** A Map that forgets its least recently used entry past `max` entries. */
export class BoundedLru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

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

/**
 * Chunks analysed recently, by id (about 7 kB each). Ids are content hashes, but every entry is checked
 * against its text anyway.
 */
const chunkCache = new BoundedLru<string, ChunkAnalysis>(1024);

function sameHeadings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((h, i) => h === b[i]);
}

function analysisOf(chunk: { id: string; title: string; headingPath: readonly string[]; text: string }) {
  const hit = chunkCache.get(chunk.id);
  if (
    hit &&
    hit.text === chunk.text &&
    hit.title === chunk.title &&
    sameHeadings(hit.headings, chunk.headingPath)
  ) {
    return hit;
  }
  const entry: ChunkAnalysis = {
    title: chunk.title,
    headings: [...chunk.headingPath],
    text: chunk.text,
    stems: new Set(contentStems(`${chunk.title}\n${chunk.headingPath.join("\n")}\n${chunk.text}`)),
    shingles: shingles(chunk.text),
  };
  chunkCache.set(chunk.id, entry);
  return entry;
}

/** Hashed word 3-grams of a chunk's text, for near-duplicate checks (shared: never mutate it). */
export function chunkShingles(chunk: {
  id: string;
  title: string;
  headingPath: readonly string[];
  text: string;
}): Uint32Array {
  return analysisOf(chunk).shingles;
}

/** Content stems of a chunk's title, headings and text (shared: never mutate it). */
export function chunkStems(chunk: {
  id: string;
  title: string;
  headingPath: readonly string[];
  text: string;
}): ReadonlySet<string> {
  return analysisOf(chunk).stems;
}

export interface AnalysedSentence {
  text: string;
  stems: ReadonlySet<string>;
}

/** Recently analysed texts (about 8 kB each), keyed by the text itself. */
const sentenceCache = new BoundedLru<string, readonly AnalysedSentence[]>(512);

/** `sentences(text)`, each with its content stems (shared: never mutate them). */
export function analysedSentences(text: string): readonly AnalysedSentence[] {
  let out = sentenceCache.get(text);
  if (!out) {
    out = sentences(text).map((s) => ({ text: s, stems: new Set(contentStems(s)) }));
    sentenceCache.set(text, out);
  }
  return out;
}
