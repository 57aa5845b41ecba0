// Suggested next questions after an answer, offline: the book's own review questions and the neighbouring sections.
import { stems } from "./lexicon.ts";
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

/**
 * 2–3 next questions from the sections an answer was built on: review questions found in them first (the author
 * wrote those), then the headings of the other retrieved sections. Nothing when the answer had no sections.
 */
export function suggestFollowUps(question: string, hits: readonly Retrieved[]): string[] {
  const out: string[] = [];
  const add = (q: string) => {
    if (out.length >= MAX_SUGGESTIONS) return;
    if (sameTopic(question, q) || out.some((o) => sameTopic(o, q))) return;
    out.push(q);
  };
  for (const h of hits) {
    if (!h.chunk.headingPath.some((p) => REVIEW_HEADING.test(p))) continue;
    for (const m of h.chunk.text.matchAll(QUESTION_LINE)) if (m[1]) add(m[1].trim());
  }
  const top = hits[0]?.chunk;
  for (const h of hits) {
    const heading = h.chunk.headingPath.at(-1);
    if (!heading || REVIEW_HEADING.test(heading)) continue;
    if (top && h.chunk.id === top.id) continue;
    add(`Tell me more about ${heading.replace(/[.:]+$/, "")} (${h.chunk.title})`);
  }
  // The best section's own parent and siblings: a broader question the reader may want next.
  if (out.length < 2 && top && top.headingPath.length > 1) {
    const parent = top.headingPath.at(-2);
    if (parent) add(`How does ${top.headingPath.at(-1)} fit into ${parent}?`);
  }
  return out;
}
