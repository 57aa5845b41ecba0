// Sparse BM25-style vectors for Qdrant's lexical leg, from the RAG domain's words and stems.
import { queryTerms, stem, stems, termIndex } from "../../rag/lexicon.ts";

export interface SparseVector {
  indices: number[];
  values: number[];
}

/** BM25's term-frequency saturation (k1 = 1.2): the 5th repeat of a word adds little. */
const K1 = 1.2;

/**
 * A document-side sparse vector: saturated term frequencies over the fields, weighted like the SQLite
 * store's BM25 columns. The store applies IDF (Qdrant's `modifier: idf`).
 */
export function documentSparseVector(fields: Array<{ text: string; weight: number }>): SparseVector {
  const tf = new Map<number, number>();
  for (const { text, weight } of fields) {
    for (const s of stems(text)) {
      const i = termIndex(s);
      tf.set(i, (tf.get(i) ?? 0) + weight);
    }
  }
  const indices = [...tf.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => ((tf.get(i) ?? 0) * (K1 + 1)) / ((tf.get(i) ?? 0) + K1)) };
}

/** A query-side sparse vector: each distinct content stem once. */
export function querySparseVector(text: string): SparseVector {
  const indices = [...new Set(queryTerms(text).map((w) => termIndex(stem(w))))].sort((a, b) => a - b);
  return { indices, values: indices.map(() => 1) };
}
