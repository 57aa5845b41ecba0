// Text analysis for the RAG domain: content-word stems, sentence splitting, coverage and near-duplicate measures.
import { queryTerms, STOPWORDS, stem, words } from "./lexicon.ts";

export { words };

/**
 * Words that frame a question without naming its topic. The store keeps them for BM25 (idf handles them);
 * relevance and sentence scoring ignore them, so "how do robots bake bread" is judged on robots/bake/bread.
 */
const QUESTION_WORDS: ReadonlySet<string> = new Set(
  "how does work works mean means meaning define definition tell give show example examples use used using difference between please can could would should thing things way ways kind kinds need get make".split(
    " ",
  ),
);

/** Distinct stems of the content words of `text`, in order of first appearance. */
export function contentStems(text: string): string[] {
  const out = new Set<string>();
  for (const w of words(text)) {
    if (STOPWORDS.has(w) || QUESTION_WORDS.has(w)) continue;
    out.add(stem(w));
  }
  return [...out];
}

/**
 * Distinct stems of a question's topic words: its content words without quiz instruction words ("which of the
 * following statements are true", "in 2-3 sentences", "in your own words") and lone letters — the words the keyword
 * search uses.
 * Relevance and sentence choice are judged on these, so "Which statements are true about decentralized learning"
 * is judged on decentralized/learning. Falls back to `contentStems` when nothing else is left.
 */
export function topicStems(text: string): string[] {
  const out = new Set<string>();
  // A lone letter ("called a b _ _ _ n", "options a-d") names no topic.
  for (const w of queryTerms(text)) if (!QUESTION_WORDS.has(w) && !/^\p{L}$/u.test(w)) out.add(stem(w));
  return out.size > 0 ? [...out] : contentStems(text);
}

/** Fraction of `terms` present in `stems` (0 when there are no terms). */
export function coverage(terms: readonly string[], stems: ReadonlySet<string>): number {
  if (terms.length === 0) return 0;
  let hit = 0;
  for (const t of terms) if (stems.has(t)) hit++;
  return hit / terms.length;
}

const segmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/** Sentences of `text`, trimmed, blank ones dropped; a line break also ends a sentence (lists, table rows). */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    for (const { segment } of segmenter.segment(line)) {
      const s = segment.replace(/\s+/g, " ").trim();
      if (s) out.push(s);
    }
  }
  return out;
}

/** |a ∩ b| of two sorted sets of distinct numbers, or -1 as soon as more than `maxMissed` elements found no match. */
function sortedIntersection(a: Uint32Array, b: Uint32Array, maxMissed = Number.POSITIVE_INFINITY): number {
  let inter = 0;
  let missed = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      inter++;
      i++;
      j++;
    } else {
      if (x < y) i++;
      else j++;
      if (++missed > maxMissed) return -1;
    }
  }
  return inter;
}

/** Jaccard similarity of two sorted sets of distinct numbers (such as `shingles`). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  const inter = sortedIntersection(a, b);
  return inter / (a.length + b.length - inter);
}

/**
 * Whether `jaccard(a, b) >= threshold` (0 < threshold <= 1), stopping as soon as the answer is known: a similarity of
 * t needs an intersection of at least t(|a|+|b|)/(1+t), so at most |a|+|b| minus twice that elements may miss.
 * Retrieval asks this for every pair of its candidates (the near-duplicate check); almost no pair is a duplicate, and
 * the full merge was 9% of a search's CPU in the bench's profile.
 */
export function jaccardAtLeast(a: Uint32Array, b: Uint32Array, threshold: number): boolean {
  const total = a.length + b.length;
  if (total === 0) return true;
  const smaller = Math.min(a.length, b.length);
  if (smaller < threshold * (total - smaller)) return false;
  const inter = sortedIntersection(a, b, total - (2 * threshold * total) / (1 + threshold) + 1e-9);
  return inter >= 0 && inter / (total - inter) >= threshold;
}

/** Cuts `text` to at most `max` characters at a word boundary, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}\u2026`;
}

/** False for lines that read badly out of context: code, bare headings, fragments, dangling lead-ins. */
export function isProse(s: string): boolean {
  if (s.length < 25) return false;
  if (/^(```|~~~|\||#|import |export |<)/.test(s)) return false;
  // A lead-in whose list did not come along reads as a dangling half sentence.
  if (/:$/.test(s)) return false;
  const symbols = (s.match(/[{}();=<>|$\\]/g) ?? []).length;
  return symbols / s.length < 0.05;
}

/** A row of a Markdown table as the ingester flattens it ("cell | cell | cell"). */
export function isTableRow(s: string): boolean {
  return / \| /.test(s);
}
