// Query-side lexical analysis shared by the stores: words out of free text, minus English function words.

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
