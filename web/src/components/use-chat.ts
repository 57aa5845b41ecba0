// Hook running the chat: dispatches stream events into the pure reducer, retries once on 401, stops on demand.
import type { Conversation, Feedback } from "@ai-book/contracts";
import { useCallback, useReducer, useRef } from "react";
import {
  buildChatRequest,
  type ChatAction,
  type ChatState,
  chatReducer,
  initialChatState,
} from "../chat/chat-state.ts";
import { type StreamEvent, streamChat } from "../client/chat-stream.ts";
import { TutorError, toTutorError } from "../client/tutor-error.ts";
import { useTutor } from "./tutor-context.tsx";

function actionOf(event: StreamEvent): ChatAction {
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

export interface UseChat {
  state: ChatState;
  ask(message: string, selectedText?: string): Promise<void>;
  stop(): void;
  /** Starts a new conversation. */
  clear(): void;
  /** Shows a stored conversation; the next question continues it. */
  resume(conversation: Conversation): void;
  /** Records the feedback the server stored on one of the answers. */
  rated(feedback: Feedback): void;
}

export function useChat(): UseChat {
  const { urls, getToken } = useTutor();
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const controllerRef = useRef<AbortController | null>(null);
  const counter = useRef(0);

  const ask = useCallback(
    async (message: string, selectedText?: string) => {
      if (stateRef.current.busy || !message.trim()) return;
      const body = buildChatRequest(stateRef.current, message, selectedText);
      counter.current += 1;
      dispatch({
        type: "ask",
        id: `turn-${counter.current}`,
        message: body.message,
        ...(body.selectedText ? { selectedText: body.selectedText } : {}),
      });
      const controller = new AbortController();
      controllerRef.current = controller;
      let finished = false;
      try {
        for (let attempt = 0; ; attempt += 1) {
          const jwt = await getToken(attempt > 0);
          if (!jwt) {
            throw new TutorError({
              kind: "unauthorized",
              code: "UNAUTHORIZED",
              message: "Sign in to ask the tutor.",
            });
          }
          try {
            await streamChat({
              apiUrl: urls.apiUrl,
              token: jwt.token,
              body,
              signal: controller.signal,
              onEvent(event) {
                if (event.event === "done" || event.event === "error") finished = true;
                dispatch(actionOf(event));
              },
            });
            break;
          } catch (cause) {
            // An expired or rotated token: fetch a fresh one once, then give up.
            if (cause instanceof TutorError && cause.info.kind === "unauthorized") {
              if (attempt === 0) continue;
              // A fresh token from a live session was refused too: a service problem, not the reader's.
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
      } catch (cause) {
        if (controller.signal.aborted) return;
        const error = toTutorError(cause).info;
        dispatch({ type: "fail", error });
      } finally {
        if (controllerRef.current === controller) controllerRef.current = null;
      }
    },
    [urls.apiUrl, getToken],
  );

  const stop = useCallback(() => {
    controllerRef.current?.abort();
    controllerRef.current = null;
    dispatch({ type: "stop" });
  }, []);

  const clear = useCallback(() => dispatch({ type: "clear" }), []);
  const resume = useCallback((conversation: Conversation) => dispatch({ type: "resume", conversation }), []);
  const rated = useCallback((feedback: Feedback) => dispatch({ type: "feedback", feedback }), []);

  return { state, ask, stop, clear, resume, rated };
}
