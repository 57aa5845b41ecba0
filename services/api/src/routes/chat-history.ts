// The chat routes' hook into conversation history: checks a continued conversation is the reader's, records the turn.
import type { ChatRequest, JwtClaims, Source } from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";
import type { Logger } from "pino";
import type { HistoryStore } from "../history/ports.ts";
import type { TurnRecorder } from "../history/recorder.ts";
import type { Metrics } from "../metrics.ts";
import { generateFollowUps, type SiblingFinder, suggestFollowUps } from "../rag/follow-ups.ts";
import type { Prepared, RagDeps } from "../rag/pipeline.ts";

/** Longest the answer's `done` waits for its suggestions (a slow store costs the suggestions, never the answer). */
export const SUGGESTIONS_WAIT_MS = 300;

/**
 * Longest the answer's `done` (and the JSON body) waits for the model's follow-up questions, which are asked after
 * the whole answer went out: past it, or on any failure, the offline suggestions are sent.
 */
export const SUGGESTIONS_LLM_WAIT_MS = 4000;

/** `p`, or `fallback` when it takes longer than `ms` or fails. */
function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([p.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

export interface HistoryContext {
  store: HistoryStore;
  recorder: TurnRecorder;
  /** INSIGHTS_SHOW_READERS: admins see pseudonymous reader ids. */
  showReaders: boolean;
  /** The chapter around an answer's best section, for the follow-up suggestions. */
  siblings: SiblingFinder;
}

export interface FinishedAnswer {
  response: string;
  mode: "llm" | "extractive";
  grounded: boolean;
  processingTimeMs: number;
}

export interface ChatTurn {
  conversationId: string;
  answerId: string;
  /** 2–3 offline follow-up questions; start it early (it searches the chapter). */
  suggestions(prepared: Prepared): Promise<string[]>;
  /**
   * The follow-ups for `done`, once the answer is complete: the model's (from the same sources) when the answer was
   * written by one and its reply validates within SUGGESTIONS_LLM_WAIT_MS, else the offline ones.
   */
  followUps(
    prepared: Prepared,
    answer: { response: string; mode: "llm" | "extractive" },
    signal: AbortSignal,
  ): Promise<string[]>;
  /** Hands the finished turn to the recorder (written after the response, failures only counted). */
  finish(prepared: Prepared, answer: FinishedAnswer): void;
}

/**
 * Starts a turn: a new conversation, or the request's one when it is the reader's. A conversation id nobody owns yet
 * is accepted (the reader's previous turn may still be on its way to the store); another reader's is a 404. When the
 * store cannot be read the question is still answered: the write will tell whose the conversation is.
 */
export async function beginTurn(
  ctx: {
    history: HistoryContext;
    metrics: Metrics;
    logger: Logger;
    rag: Pick<RagDeps, "chatModel" | "observer">;
  },
  claims: JwtClaims,
  req: ChatRequest,
): Promise<ChatTurn> {
  const conversationId = req.conversationId ?? crypto.randomUUID();
  const answerId = crypto.randomUUID();
  if (req.conversationId) {
    const owner = await ctx.history.store.ownerOf(req.conversationId).catch((err: unknown) => {
      ctx.metrics.historyWrites.inc({ outcome: "lookup_failed" });
      ctx.logger.warn({ err: { message: (err as Error)?.message } }, "conversation lookup failed");
      return undefined;
    });
    if (owner !== undefined && owner !== claims.userId) throw new ApiError("CONVERSATION_NOT_FOUND");
  }
  let suggesting: Promise<string[]> | undefined;
  const offlineSuggestions = (prepared: Prepared): Promise<string[]> => {
    suggesting ??= prepared.grounded
      ? within(
          ctx.history
            .siblings(prepared.hits)
            .then((siblings) => suggestFollowUps(req.message, prepared.hits, siblings)),
          SUGGESTIONS_WAIT_MS,
          suggestFollowUps(req.message, prepared.hits),
        )
      : Promise.resolve([]);
    return suggesting;
  };
  return {
    conversationId,
    answerId,
    suggestions: offlineSuggestions,
    async followUps(prepared, answer, signal) {
      const offline = offlineSuggestions(prepared);
      const model = ctx.rag.chatModel;
      if (!model || answer.mode !== "llm" || !prepared.grounded || signal.aborted) return offline;
      const generated = await generateFollowUps(
        model,
        { question: req.message, answer: answer.response, hits: prepared.hits },
        {
          signal: AbortSignal.any([signal, AbortSignal.timeout(SUGGESTIONS_LLM_WAIT_MS)]),
          onUsage: (u) => {
            ctx.rag.observer?.tokens?.("prompt", u.promptTokens);
            ctx.rag.observer?.tokens?.("completion", u.completionTokens);
          },
        },
      ).catch((err: unknown) => {
        if (!signal.aborted)
          ctx.logger.warn({ err: { message: (err as Error)?.message } }, "follow-up generation failed");
        return undefined;
      });
      // A reader who left is not a failure of the model's.
      if (!signal.aborted) ctx.metrics.followUps.inc({ source: generated ? "llm" : "offline_fallback" });
      return generated ?? offline;
    },
    finish(prepared, answer) {
      ctx.history.recorder.record({
        answerId,
        conversationId,
        userId: claims.userId,
        question: req.message,
        selectedText: req.selectedText ?? null,
        answer: answer.response,
        sources: prepared.sources satisfies Source[],
        mode: answer.mode,
        grounded: answer.grounded,
        processingTimeMs: answer.processingTimeMs,
        topCoverage: prepared.hits[0]?.coverage ?? 0,
        softwareBackground: claims.softwareBackground,
        hardwareBackground: claims.hardwareBackground,
        createdAt: new Date(),
      });
    },
  };
}
