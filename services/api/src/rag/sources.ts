// Turns retrieved sections into the public `sources` entries: deep-link URL, file path, heading and a snippet.
import type { Source } from "@ai-book/contracts";
import { type TextAnalysis, uncachedAnalysis } from "./analysis-cache.ts";
import type { Retrieved } from "./retrieve.ts";
import { coverage, isProse, truncate } from "./text.ts";

export const SNIPPET_MAX = 280;

/** BOOK_BASE_URL + the chunk's site-relative route (which already carries the #anchor). */
export function sourceUrl(bookBaseUrl: string, route: string): string {
  return `${bookBaseUrl.replace(/\/+$/, "")}${route.startsWith("/") ? route : `/${route}`}`;
}

/** The part of the section that best matches the question: its best sentence and what follows, cut to size. */
export function snippet(
  text: string,
  questionTerms: readonly string[],
  analysis: TextAnalysis = uncachedAnalysis,
): string {
  const analysed = analysis.analysedSentences(text);
  if (analysed.length === 0) return "";
  const sents = analysed.map((a) => a.text);
  let bestIdx = 0;
  let bestScore = -1;
  analysed.forEach(({ text: s, stems }, i) => {
    // Prefer a sentence a reader can take in at a glance over a line of code that happens to match.
    const score = coverage(questionTerms, stems) * (isProse(s) ? 1 : 0.25);
    if (score > bestScore) {
      bestScore = score;
      bestIdx = i;
    }
  });
  return truncate(sents.slice(bestScore > 0 ? bestIdx : 0).join(" "), SNIPPET_MAX);
}

export function toSource(
  hit: Retrieved,
  bookBaseUrl: string,
  questionTerms: readonly string[],
  analysis: TextAnalysis = uncachedAnalysis,
): Source {
  const c = hit.chunk;
  return {
    id: c.id,
    title: c.title,
    heading: c.headingPath.join(" > "),
    url: sourceUrl(bookBaseUrl, c.route),
    path: c.path,
    score: Math.round(hit.score * 1e6) / 1e6,
    snippet: snippet(c.text, questionTerms, analysis),
  };
}
