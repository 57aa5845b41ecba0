// Words, stopwords and stems: the lexical analysis the RAG domain and the stores share.
import { stemmer } from "stemmer";

/**
 * English function words that carry no topic. Dropped from keyword queries so that a question like
 * "what is the role of the IMU" ranks by "role" and "imu", not by "the". Kept short on purpose: content words
 * such as "how" in "how-to" or negations are left to BM25's idf.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again all also am an and any are as at be been before being below between both but by " +
    "can could did do does doing down during each few for from further had has have having he her here hers " +
    "him his i if in into is it its itself just me more most my no nor not of off on once only or other our " +
    "ours out over own same she should so some such than that the their theirs them then there these they " +
    "this those through to too under until up very was we were what when where which while who whom why will " +
    "with would you your yours explain describe"
  ).split(" "),
);

/** Distinct words remembered by `stem`; past this the memo starts over (a book's vocabulary fits many times). */
const STEM_MEMO_MAX = 50_000;
const stemMemo = new Map<string, string>();

/** `stemmer(word)`, memoised per word: the Porter stemmer's regexes dominate text analysis otherwise. */
export function stem(word: string): string {
  let s = stemMemo.get(word);
  if (s === undefined) {
    s = stemmer(word);
    if (stemMemo.size >= STEM_MEMO_MAX) stemMemo.clear();
    stemMemo.set(word, s);
  }
  return s;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased words of `text` (letters and digits; an apostrophe suffix stays attached). */
export function words(text: string): string[] {
  return (text.normalize("NFKC").toLowerCase().match(WORD) ?? []).map((w) => w.replace(/['’].*$/, ""));
}

/**
 * The distinct content words of a query, in order. When a query is only function words (rare: "what is it")
 * they are kept, so the query still matches something.
 */
export function queryTerms(text: string): string[] {
  const all = [...new Set(words(text))].filter((w) => w.length > 0);
  const content = all.filter((w) => !STOPWORDS.has(w));
  return content.length > 0 ? content : all;
}

/** English Porter stems of the content words of `text`, with repeats (term frequencies come from these). */
export function stems(text: string): string[] {
  return words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map((w) => stem(w));
}

/** FNV-1a: a stable 32-bit index for a term in a sparse vector. */
export function termIndex(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
