// Hook running the chat: runs each question (run-chat.ts: stream, one token refresh on 401) into the pure reducer, stops on demand.
import type { Conversation, Feedback } from "@ai-book/contracts";
import { useCallback, useReducer, useRef } from "react";
import { buildChatRequest, type ChatState, chatReducer, initialChatState } from "../chat/chat-state.ts";
import { runChat } from "../chat/run-chat.ts";
import { toTutorError } from "../client/tutor-error.ts";
import { useTutor } from "./tutor-context.tsx";

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
      try {
        await runChat({
          apiUrl: urls.apiUrl,
          body,
          getToken,
          onAction: dispatch,
          signal: controller.signal,
        });
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
