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

/**
 * Words that frame a quiz or exercise prompt ("Which of the following statements are true", "Explain in 2-3
 * sentences", "Provide one specific example") without naming its topic. A general list of instruction words, not
 * taken from any book's questions; dropped from keyword queries so that the topic words decide the ranking.
 */
export const INSTRUCTION_WORDS: ReadonlySet<string> = new Set(
  (
    "following statement statements true false correct incorrect best option options choose select check " +
    "apply briefly sentence sentences provide specific example examples give identify discuss compare " +
    "contrast mention justify outline summarize summarise one two three several main primary important " +
    "purpose role"
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
 * "in 2-3 sentences", "(3 points)", "in your own words": a length, score or wording instruction, whose words name no
 * topic.
 */
const LENGTH_INSTRUCTION =
  /\b(?:in\s+)?\d+\s*(?:[-–]|to|or)?\s*\d*\s+(?:sentences?|words|paragraphs?|points?|lines|marks?|bullet\s+points)\b|\b(?:in|with|using)\s+your\s+own\s+words\b/gi;

/**
 * The distinct content words of a query, in order: function words and quiz instruction words dropped. When
 * nothing is left (rare: "what is it") the plain words are kept, so the query still matches something.
 */
export function queryTerms(text: string, opts: { instructionWords?: boolean } = {}): string[] {
  const keep = opts.instructionWords === true;
  const all = [...new Set(words(keep ? text : text.replace(LENGTH_INSTRUCTION, " ")))].filter(
    (w) => w.length > 0,
  );
  const content = all.filter((w) => !STOPWORDS.has(w) && (keep || !INSTRUCTION_WORDS.has(w)));
  if (content.length > 0) return content;
  const plain = all.filter((w) => !STOPWORDS.has(w));
  return plain.length > 0 ? plain : all;
}

/**
 * Adjacent pairs of the query's content words, as written ("custom message definition" → "custom message",
 * "message definition"): proximity evidence for a keyword engine with phrase search.
 */
export function queryPhrases(text: string, opts: { instructionWords?: boolean } = {}): string[] {
  const content = new Set(queryTerms(text, opts));
  const seq = words(opts.instructionWords ? text : text.replace(LENGTH_INSTRUCTION, " "));
  const out = new Set<string>();
  for (let i = 0; i + 1 < seq.length; i++) {
    const a = seq[i] ?? "";
    const b = seq[i + 1] ?? "";
    if (content.has(a) && content.has(b) && a !== b) out.add(`${a} ${b}`);
  }
  return [...out];
}

/**
 * Adjacent pairs of the query's content words once function and instruction words are gone ("difference between a
 * node and a topic" → node/topic): the term pairs of the sequential dependence model (Metzler & Croft 2005), for
 * matching within a window of words in any order.
 */
export function queryPairs(text: string, opts: { instructionWords?: boolean } = {}): Array<[string, string]> {
  const content = new Set(queryTerms(text, opts));
  const seq = words(opts.instructionWords ? text : text.replace(LENGTH_INSTRUCTION, " ")).filter((w) =>
    content.has(w),
  );
  const out = new Map<string, [string, string]>();
  for (let i = 0; i + 1 < seq.length; i++) {
    const a = seq[i] ?? "";
    const b = seq[i + 1] ?? "";
    if (a !== b) out.set(`${a} ${b}`, [a, b]);
  }
  return [...out.values()];
}

/**
 * The query as alternatives per concept, for a keyword engine with phrases: each content word, except that a
 * name written with letters and digits matches both ways books write it ("ROS2" ≡ "ROS 2", "YOLOv8" ≡
 * "YOLO v8"), whichever the question used. Each inner array is one concept's alternatives (words or
 * space-separated phrases).
 */
export function queryConcepts(text: string, opts: { instructionWords?: boolean } = {}): string[][] {
  const terms = queryTerms(text, opts);
  const seq = words(text);
  const out: string[][] = [];
  const used = new Set<string>();
  for (const t of terms) {
    if (used.has(t)) continue;
    used.add(t);
    const glued = /^(\p{L}{2,})(\d+)$/u.exec(t);
    if (glued) {
      out.push([t, `${glued[1]} ${glued[2]}`]);
      continue;
    }
    // "ROS 2": the word and the number after it are one name.
    const at = seq.indexOf(t);
    const next = at >= 0 ? seq[at + 1] : undefined;
    if (/^\p{L}{2,}$/u.test(t) && next && /^\d{1,2}$/.test(next)) {
      used.add(next);
      out.push([`${t} ${next}`, `${t}${next}`]);
      continue;
    }
    out.push([t]);
  }
  return out;
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
