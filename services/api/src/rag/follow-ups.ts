// Suggested next questions after an answer, offline: the book's own review questions and the neighbouring sections.
import { stems } from "./lexicon.ts";
import type { Chunk, ChunkStore } from "./ports.ts";
import type { Retrieved } from "./retrieve.ts";

export const MAX_SUGGESTIONS = 3;

/** Headings under which books put questions for the reader. */
const REVIEW_HEADING = /\b(review|exercises?|questions?|check your understanding|self[- ]check|quiz)\b/i;
/** A question sentence of reasonable length in a section's text (numbered or bulleted lists included). */
const QUESTION_LINE = /^(?:\s*(?:[-*+]|\d+[.)])\s+)?([A-Z][^?\n]{10,160}\?)\s*$/gm;

function sameTopic(a: string, b: string): boolean {
  const sa = new Set(stems(a));
  const sb = stems(b);
  if (sa.size === 0 || sb.length === 0) return false;
  const shared = sb.filter((s) => sa.has(s)).length;
  return shared / Math.max(sa.size, sb.length) >= 0.8;
}

/** Sections of the best section's document: its siblings and the chapter's review questions. */
const SIBLINGS_LIMIT = 8;

/**
 * The chapter around the best section, found with one lexical search restricted to its document (the question,
 * the chapter's title and the words books head review questions with). A store failure only costs the suggestions.
 */
export async function siblingSections(
  store: ChunkStore,
  question: string,
  hits: readonly Retrieved[],
): Promise<Chunk[]> {
  const top = hits[0]?.chunk;
  if (!top) return [];
  const found = await store
    .search({
      text: `${question} ${top.title} ${top.headingPath.join(" ")} review questions exercises`,
      limit: SIBLINGS_LIMIT,
      filters: { pathPrefix: top.path },
    })
    .catch(() => []);
  return found.map((h) => h.chunk).filter((c) => c.docId === top.docId);
}

/**
 * 2–3 next questions from the sections an answer was built on and their siblings in the chapter: review questions
 * first (the author wrote those), then the headings of the neighbouring sections. Nothing without sections.
 */
export function suggestFollowUps(
  question: string,
  hits: readonly Retrieved[],
  siblings: readonly Chunk[] = [],
): string[] {
  const out: string[] = [];
  const add = (q: string) => {
    if (out.length >= MAX_SUGGESTIONS) return;
    if (sameTopic(question, q) || out.some((o) => sameTopic(o, q))) return;
    out.push(q);
  };
  const chunks = [...hits.map((h) => h.chunk), ...siblings];
  for (const c of chunks) {
    if (!c.headingPath.some((p) => REVIEW_HEADING.test(p))) continue;
    for (const m of c.text.matchAll(QUESTION_LINE)) if (m[1]) add(m[1].trim());
  }
  const top = hits[0]?.chunk;
  const seen = new Set<string>();
  for (const c of chunks) {
    const heading = c.headingPath.at(-1);
    if (!heading || REVIEW_HEADING.test(heading) || seen.has(heading)) continue;
    seen.add(heading);
    if (top && (c.id === top.id || heading === top.headingPath.at(-1))) continue;
    add(`Tell me more about ${heading.replace(/[.:]+$/, "")} (${c.title})`);
  }
  // The best section's own parent and siblings: a broader question the reader may want next.
  if (out.length < 2 && top && top.headingPath.length > 1) {
    const parent = top.headingPath.at(-2);
    if (parent) add(`How does ${top.headingPath.at(-1)} fit into ${parent}?`);
  }
  return out;
}
