// The chat pipeline: build the retrieval query, retrieve, then answer grounded (LLM) or extractively, whole or streamed.
import type { AnswerMode, Filters, HistoryTurn, ReaderProfile, Source } from "@ai-book/contracts";
import type { TextAnalysis } from "./analysis-cache.ts";
import { CitationStreamFilter, stripInvalidCitations } from "./citations.ts";
import { extractiveAnswer } from "./extractive.ts";
import { sameLanguage } from "./language.ts";
import { type RagObserver, timed } from "./observer.ts";
import type { ChatMessage, ChatModel, ChunkStore, Embedder } from "./ports.ts";
import { answerMessages, notCovered, queryTranslationMessages, rewriteMessages } from "./prompt.ts";
import { NEAR_COVERAGE, type Retrieved, retrieve } from "./retrieve.ts";
import { toSource } from "./sources.ts";
import { contentStems, truncate } from "./text.ts";

export interface RagDeps {
  store: ChunkStore;
  /** Absent offline: lexical retrieval only. */
  embedder?: Embedder;
  /** Absent offline: extractive answers, no query rewriting. */
  chatModel?: ChatModel;
  /** Source URLs are this + the chunk's route. */
  bookBaseUrl: string;
  /** Sections that go into the prompt. */
  topK: number;
  observer?: RagObserver;
  /** Where chunk and sentence analysis is remembered between questions (built in deps.ts). */
  analysis?: TextAnalysis;
  /** The language the book is written in (BOOK_LANGUAGE): retrieval runs in it. @default "en" */
  bookLanguage?: string;
}

export interface AskInput {
  message: string;
  history?: HistoryTurn[];
  selectedText?: string;
  filters?: Filters;
  profile?: ReaderProfile | null;
  signal?: AbortSignal;
}

export interface Prepared {
  input: AskInput;
  /** What was searched. */
  query: string;
  /** The LLM's standalone version of a follow-up question, when one was made. */
  rewritten?: string;
  hits: Retrieved[];
  sources: Source[];
  /**
   * False when nothing relevant was found (and there is no highlighted passage to answer from); `hits` then holds
   * the sections that come closest (NEAR_COVERAGE), if any.
   */
  grounded: boolean;
  /** The reader's preferredLanguage when the model answers in it (not the book's language). */
  answerLanguage?: string;
}

export interface Answer {
  response: string;
  mode: AnswerMode;
  grounded: boolean;
}

export type StreamEvent =
  | { type: "delta"; text: string }
  | { type: "done"; mode: AnswerMode; grounded: boolean };

/** The model failed after part of a streamed answer was sent; the stream ends with an error event. */
export class GenerationFailedError extends Error {
  override name = "GenerationFailedError";
}

/** Sections named when the book comes close to a question it does not answer. */
const CLOSEST_SECTIONS = 2;

/** The best section of each of the first pages, renumbered: two pointers into one page read as one said twice. */
function closestOfEachPage(hits: readonly Retrieved[]): Retrieved[] {
  const pages = new Set<string>();
  return hits
    .filter((h) => !pages.has(h.chunk.docId) && pages.add(h.chunk.docId))
    .slice(0, CLOSEST_SECTIONS)
    .map((h, i) => ({ ...h, n: i + 1 }));
}
/** Characters of a highlighted passage added to the retrieval query. */
const SELECTED_TEXT_QUERY_MAX = 1000;
const REWRITE_MAX_TOKENS = 96;

function lastUserTurn(history: readonly HistoryTurn[] | undefined): string | undefined {
  return history?.filter((t) => t.role === "user").at(-1)?.content;
}

/**
 * The reader's preferredLanguage when a model can answer in it and it is not the book's; else undefined (offline,
 * answers are the book's own sentences, in its language).
 */
function readerLanguage(deps: RagDeps, input: AskInput): string | undefined {
  const wanted = input.profile?.preferredLanguage;
  if (!deps.chatModel || !wanted) return undefined;
  return sameLanguage(wanted, deps.bookLanguage ?? "en") ? undefined : wanted;
}

async function rewriteFollowUp(
  deps: RagDeps,
  input: AskInput,
  model: ChatModel,
  messages: ChatMessage[] = rewriteMessages(input.message, input.history ?? []),
): Promise<string | undefined> {
  try {
    const { text } = await timed(deps.observer, "rewrite", () =>
      model.complete(messages, {
        signal: input.signal,
        maxTokens: REWRITE_MAX_TOKENS,
        temperature: 0,
        onUsage: (u) => reportUsage(deps.observer, u),
      }),
    );
    const line = text
      .split("\n")
      .map((l) => l.trim().replace(/^["'`]+|["'`]+$/g, ""))
      .find(Boolean);
    return line ? truncate(line, 500) : undefined;
  } catch (err) {
    if (input.signal?.aborted) throw err;
    deps.observer?.degraded?.("rewrite", err);
    return undefined;
  }
}

function reportUsage(
  observer: RagObserver | undefined,
  u: { promptTokens: number; completionTokens: number },
) {
  observer?.tokens?.("prompt", u.promptTokens);
  observer?.tokens?.("completion", u.completionTokens);
}

/** Everything before generation: query, retrieval, sources. Throws RetrievalUnavailableError when the store is down. */
export async function prepare(deps: RagDeps, input: AskInput): Promise<Prepared> {
  let query = input.message;
  let rewritten: string | undefined;
  const previous = lastUserTurn(input.history);
  // A question in another language than the book's is searched in the book's (the answer comes in the reader's).
  const answerLanguage = readerLanguage(deps, input);
  const bookLanguage = answerLanguage ? (deps.bookLanguage ?? "en") : undefined;
  if (previous) {
    if (deps.chatModel)
      rewritten = await rewriteFollowUp(
        deps,
        input,
        deps.chatModel,
        rewriteMessages(input.message, input.history ?? [], bookLanguage),
      );
    // Offline (or when rewriting failed), the previous question supplies what "it" refers to.
    query = rewritten ?? `${input.message}\n${previous}`;
  } else if (deps.chatModel && bookLanguage) {
    const translated = await rewriteFollowUp(
      deps,
      input,
      deps.chatModel,
      queryTranslationMessages(input.message, bookLanguage),
    );
    // The translation keeps names and code as written, so the reader's own words add nothing to the search.
    if (translated) query = translated;
  }
  const relevanceText = query;
  const selected = input.selectedText?.trim();
  if (selected) query = `${query}\n${truncate(selected, SELECTED_TEXT_QUERY_MAX)}`;

  const result = await retrieve(deps, {
    query,
    relevanceText,
    limit: deps.topK,
    filters: input.filters?.pathPrefix ? { pathPrefix: input.filters.pathPrefix } : undefined,
    signal: input.signal,
  });
  const grounded = result.relevant || Boolean(selected);
  // Not covered, but close: the closest sections are named and returned as sources, with no answer made from them.
  const hits = grounded
    ? result.hits
    : result.coverage >= NEAR_COVERAGE
      ? closestOfEachPage(result.hits)
      : [];
  const terms = contentStems(relevanceText);
  return {
    input,
    query,
    rewritten,
    hits,
    sources: hits.map((h) => toSource(h, deps.bookBaseUrl, terms, deps.analysis)),
    grounded,
    ...(answerLanguage ? { answerLanguage } : {}),
  };
}

function extractive(deps: RagDeps, p: Prepared): string {
  return extractiveAnswer({
    analysis: deps.analysis,
    message: p.rewritten ?? p.input.message,
    hits: p.hits,
    profile: p.input.profile,
    selectedText: p.input.selectedText,
  });
}

/** The LLM messages for a prepared question (exported for tests and logs). */
export function messagesFor(p: Prepared): ChatMessage[] {
  return answerMessages({
    message: p.input.message,
    history: p.input.history,
    selectedText: p.input.selectedText,
    profile: p.input.profile,
    hits: p.hits,
    ...(p.answerLanguage ? { answerLanguage: p.answerLanguage } : {}),
  });
}

/** The whole answer at once. LLM failures fall back to the extractive answer. */
export async function answer(deps: RagDeps, p: Prepared): Promise<Answer> {
  if (!p.grounded) return { response: notCovered(p.hits), mode: "extractive", grounded: false };
  const model = deps.chatModel;
  if (model) {
    try {
      const { text } = await timed(deps.observer, "generate", () =>
        model.complete(messagesFor(p), {
          signal: p.input.signal,
          onUsage: (u) => reportUsage(deps.observer, u),
        }),
      );
      const response = stripInvalidCitations(text, p.hits.length).trim();
      if (response) return { response, mode: "llm", grounded: true };
      throw new Error("the model returned an empty answer");
    } catch (err) {
      if (p.input.signal?.aborted) throw err;
      deps.observer?.degraded?.("generate", err);
    }
  }
  return {
    response: await timed(deps.observer, "generate", async () => extractive(deps, p)),
    mode: "extractive",
    grounded: true,
  };
}

/** Splits a finished text into small deltas, so the extractive answer streams like a generated one. */
function* chunked(text: string): Generator<string> {
  const pieces = text.match(/\s*\S+/g) ?? [];
  for (let i = 0; i < pieces.length; i += 8) yield pieces.slice(i, i + 8).join("");
}

/**
 * The answer as deltas then `done`. LLM failure before any text → the extractive answer instead;
 * after some text → GenerationFailedError. Aborting `input.signal` ends the stream quietly.
 */
export async function* streamAnswer(deps: RagDeps, p: Prepared): AsyncGenerator<StreamEvent> {
  if (!p.grounded) {
    for (const text of chunked(notCovered(p.hits))) yield { type: "delta", text };
    yield { type: "done", mode: "extractive", grounded: false };
    return;
  }
  const model = deps.chatModel;
  if (model) {
    const filter = new CitationStreamFilter(p.hits.length);
    let sent = false;
    const started = performance.now();
    try {
      for await (const delta of model.stream(messagesFor(p), {
        signal: p.input.signal,
        onUsage: (u) => reportUsage(deps.observer, u),
      })) {
        const text = filter.push(delta);
        if (!text) continue;
        sent = true;
        yield { type: "delta", text };
      }
      if (p.input.signal?.aborted) return;
      const rest = filter.flush();
      if (rest) {
        sent = true;
        yield { type: "delta", text: rest };
      }
      if (sent) {
        deps.observer?.stage?.("generate", (performance.now() - started) / 1000);
        yield { type: "done", mode: "llm", grounded: true };
        return;
      }
      throw new Error("the model returned an empty answer");
    } catch (err) {
      if (p.input.signal?.aborted) return;
      deps.observer?.stage?.("generate", (performance.now() - started) / 1000);
      if (sent)
        throw new GenerationFailedError("the model failed in the middle of the answer", { cause: err });
      deps.observer?.degraded?.("generate", err);
    }
  }
  const started = performance.now();
  const text = extractive(deps, p);
  deps.observer?.stage?.("generate", (performance.now() - started) / 1000);
  for (const piece of chunked(text)) yield { type: "delta", text: piece };
  yield { type: "done", mode: "extractive", grounded: true };
}
