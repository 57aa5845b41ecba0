// Suggested next questions after an answer: offline, the book's own review questions and the neighbouring sections;
// with an LLM, written by the model from the answer's sources and validated (the offline ones when that fails).
import { LRUCache } from "lru-cache";
import { stems } from "./lexicon.ts";
import type { ChatModel, Chunk, ChunkStore, GenerateOptions } from "./ports.ts";
import { followUpMessages } from "./prompt.ts";
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

/** A suggested question a reader can read at a glance, and not a fragment. */
export const SUGGESTION_MIN_CHARS = 10;
export const SUGGESTION_MAX_CHARS = 120;
/** Fewer valid generated questions than this and the offline ones are used instead. */
export const MIN_GENERATED = 2;
const GENERATE_MAX_TOKENS = 160;

/** Numbering, bullets and quotes a model puts around its lines. */
const LINE_DECORATION = /^\s*(?:[-*+•]|\d+[.)]|Q\d*[:.])?\s*["'“”`*]*|["'“”`*]+\s*$/g;

/**
 * The model's reply as 2–3 follow-up questions, or undefined when it does not give at least MIN_GENERATED usable ones:
 * each a question (ends with "?"), SUGGESTION_MIN_CHARS..SUGGESTION_MAX_CHARS long, not the reader's question again
 * nor another suggestion again, and grounded: sharing a content word with the sections the answer was built on.
 */
export function validFollowUps(
  reply: string,
  question: string,
  hits: readonly Retrieved[],
): string[] | undefined {
  // The sources' content stems, as retrieval already computed them (re-stemming every source's text here was 4% of
  // the api's CPU under concurrent streams).
  const grounded = (q: string) => stems(q).some((s) => hits.some((h) => h.stems.has(s)));
  const flat = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  const out: string[] = [];
  for (const raw of reply.split("\n")) {
    const q = raw.replace(LINE_DECORATION, "").replace(/\s+/g, " ").trim();
    if (q.length < SUGGESTION_MIN_CHARS || q.length > SUGGESTION_MAX_CHARS || !q.endsWith("?")) continue;
    if (flat(q) === flat(question) || sameTopic(question, q)) continue;
    if (out.some((o) => flat(o) === flat(q) || sameTopic(o, q))) continue;
    if (!grounded(q)) continue;
    out.push(q);
    if (out.length === MAX_SUGGESTIONS) break;
  }
  return out.length >= MIN_GENERATED ? out : undefined;
}

/**
 * 2–3 follow-ups written by the model from the same sources as the answer, after the answer (so they never hold up
 * its text). Undefined when the reply does not validate; throws what the model throws (the caller falls back).
 */
export async function generateFollowUps(
  model: ChatModel,
  input: { question: string; answer: string; hits: readonly Retrieved[] },
  opts: Pick<GenerateOptions, "signal" | "onUsage">,
): Promise<string[] | undefined> {
  const { text } = await model.complete(followUpMessages(input), {
    ...opts,
    maxTokens: GENERATE_MAX_TOKENS,
    temperature: 0.3,
  });
  return validFollowUps(text, input.question, input.hits);
}
