// Suggested next questions after an answer, offline: the book's own review questions and the neighbouring sections.
import { LRUCache } from "lru-cache";
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

export interface SiblingFinderOptions {
  /** Chapters remembered (by their best section). @default 1000 */
  maxEntries?: number;
  /** How long a chapter's sections are trusted (a re-ingest may change them), ms. @default 600000 */
  ttlMs?: number;
}

/** The chapter around the best section of an answer; empty when the answer had none. */
export type SiblingFinder = (hits: readonly Retrieved[]) => Promise<Chunk[]>;

/**
 * Finds the chapter around the best section: the store's listing of its document when it has one (SQLite: an
 * indexed lookup), else one lexical search restricted to the document (its title and headings, and the words books
 * head review questions with). Remembered per document: readers ask about the same
 * sections again and again, and a second search on every answer would add to the per-answer set-up CPU that bounds
 * many concurrent streams (docs/BENCHMARKS.md, concurrent_streams). A store failure only costs the suggestions.
 */
export function createSiblingFinder(
  store: Pick<ChunkStore, "search" | "documentChunks">,
  opts: SiblingFinderOptions = {},
): SiblingFinder {
  const cache = new LRUCache<string, Promise<Chunk[]>>({
    max: opts.maxEntries ?? 1000,
    ttl: opts.ttlMs ?? 600_000,
  });
  return (hits) => {
    const top = hits[0]?.chunk;
    if (!top) return Promise.resolve([]);
    const cached = cache.get(top.docId);
    if (cached) return cached;
    const listed = store.documentChunks
      ? store.documentChunks(top.docId)
      : store
          .search({
            text: `${top.title} ${top.headingPath.join(" ")} review questions exercises`,
            limit: SIBLINGS_LIMIT,
            filters: { pathPrefix: top.path },
          })
          .then((found) => found.map((h) => h.chunk));
    const chunks = listed
      .then((found) => found.filter((c) => c.docId === top.docId))
      .catch(() => {
        cache.delete(top.docId);
        return [] as Chunk[];
      });
    cache.set(top.docId, chunks);
    return chunks;
  };
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
  const top = hits[0]?.chunk;
  // The sections after the best one first (what the reader meets next), then the ones before it.
  const after = (c: Chunk) => (top && c.docId === top.docId && c.ordinal > top.ordinal ? 0 : 1);
  const nearby = [...siblings].sort((a, b) => after(a) - after(b) || a.ordinal - b.ordinal);
  const chunks = [...hits.map((h) => h.chunk), ...nearby];
  for (const c of chunks) {
    if (!c.headingPath.some((p) => REVIEW_HEADING.test(p))) continue;
    for (const m of c.text.matchAll(QUESTION_LINE)) if (m[1]) add(m[1].trim());
  }
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
