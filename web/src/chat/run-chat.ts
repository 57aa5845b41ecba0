// One tutor question against the api-service: stream it, refresh the token once on 401, turn stream events into chat actions.
import type { ChatRequest } from "@ai-book/contracts";
import { type StreamEvent, streamChat } from "../client/chat-stream.ts";
import { TutorError } from "../client/tutor-error.ts";
import type { ChatAction } from "./chat-state.ts";

/** The reducer action a stream event becomes (an `error` event fails the turn with its code and request id). */
export function actionOf(event: StreamEvent): ChatAction {
  switch (event.event) {
    case "sources":
      return { type: "sources", sources: event.data.sources };
    case "delta":
      return { type: "delta", text: event.data.text };
    case "done":
      return {
        type: "done",
        processingTimeMs: event.data.processing_time_ms,
        mode: event.data.mode,
        grounded: event.data.grounded,
        conversationId: event.data.conversationId,
        answerId: event.data.answerId,
        suggestions: event.data.suggestions,
      };
    case "error":
      return {
        type: "fail",
        error: {
          kind: event.data.code === "RATE_LIMITED" ? "rate_limited" : "server",
          code: event.data.code,
          message: event.data.message,
          requestId: event.data.requestId,
        },
      };
  }
}

export interface RunChatOptions {
  apiUrl: string;
  body: ChatRequest;
  /** The reader's JWT; `forceRefresh` asks for a new one (after the api-service refused the cached one). */
  getToken(forceRefresh: boolean): Promise<{ token: string } | null>;
  onAction(action: ChatAction): void;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

/**
 * Asks once. A 401 fetches a fresh token and tries again, once; a fresh token refused too is a service problem
 * (the reader's session is live). Rejects with a TutorError (or the AbortError when aborted); a stream that ends
 * without `done` or `error` rejects as interrupted.
 */
export async function runChat(opts: RunChatOptions): Promise<void> {
  let finished = false;
  for (let attempt = 0; ; attempt += 1) {
    const jwt = await opts.getToken(attempt > 0);
    if (!jwt) {
      throw new TutorError({
        kind: "unauthorized",
        code: "UNAUTHORIZED",
        message: "Sign in to ask the tutor.",
      });
    }
    try {
      await streamChat({
        apiUrl: opts.apiUrl,
        token: jwt.token,
        body: opts.body,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
        onEvent(event) {
          if (event.event === "done" || event.event === "error") finished = true;
          opts.onAction(actionOf(event));
        },
      });
      break;
    } catch (cause) {
      // An expired or rotated token: fetch a fresh one once, then give up.
      if (cause instanceof TutorError && cause.info.kind === "unauthorized") {
        if (attempt === 0) continue;
        throw new TutorError({
          ...cause.info,
          kind: "server",
          message: `The tutor service did not accept your sign-in (${cause.info.code}). Please try again later.`,
        });
      }
      throw cause;
    }
  }
  if (!finished) {
    throw new TutorError({
      kind: "network",
      code: "STREAM_INTERRUPTED",
      message: "The answer was cut off. Check your connection and ask again.",
    });
  }
}
