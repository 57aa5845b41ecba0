// Pure state of the chat panel: turns, streaming progress and errors, driven by the stream's events.
import {
  type AnswerMode,
  type ChatRequest,
  type Conversation,
  type Feedback,
  HISTORY_MAX,
  type HistoryTurn,
  MESSAGE_MAX,
  SELECTED_TEXT_MAX,
  type Source,
} from "@ai-book/contracts";
import type { TutorErrorInfo } from "../client/tutor-error.ts";

export type TurnStatus = "pending" | "streaming" | "done" | "stopped" | "error";

export interface UserTurn {
  id: string;
  role: "user";
  content: string;
  selectedText?: string;
}

export interface AssistantTurn {
  id: string;
  role: "assistant";
  content: string;
  status: TurnStatus;
  sources: Source[];
  mode?: AnswerMode;
  grounded?: boolean;
  processingTimeMs?: number;
  error?: TutorErrorInfo;
  /** Set by `done`: what feedback refers to. */
  answerId?: string;
  /** Suggested next questions from `done`. */
  suggestions?: string[];
  feedback?: Feedback | null;
}

export type ChatTurn = UserTurn | AssistantTurn;

export interface ChatState {
  turns: ChatTurn[];
  /** True from `ask` until the answer is done, stopped or failed. */
  busy: boolean;
  /** The stored conversation these turns belong to (set by the first `done`, or by resuming one). */
  conversationId?: string;
}

export type ChatAction =
  | { type: "ask"; id: string; message: string; selectedText?: string }
  | { type: "sources"; sources: Source[] }
  | { type: "delta"; text: string }
  | {
      type: "done";
      processingTimeMs: number;
      mode: AnswerMode;
      grounded: boolean;
      conversationId?: string;
      answerId?: string;
      suggestions?: string[];
    }
  | { type: "resume"; conversation: Conversation }
  | { type: "feedback"; feedback: Feedback }
  | { type: "fail"; error: TutorErrorInfo }
  | { type: "stop" }
  | { type: "clear" };

export const initialChatState: ChatState = { turns: [], busy: false };

function updateActiveAnswer(state: ChatState, update: (turn: AssistantTurn) => AssistantTurn): ChatState {
  const last = state.turns.at(-1);
  if (!state.busy || !last || last.role !== "assistant") return state;
  return { ...state, turns: [...state.turns.slice(0, -1), update(last)] };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "ask": {
      if (state.busy) return state;
      const question: UserTurn = {
        id: `${action.id}-q`,
        role: "user",
        content: action.message,
        ...(action.selectedText ? { selectedText: action.selectedText } : {}),
      };
      const answer: AssistantTurn = {
        id: `${action.id}-a`,
        role: "assistant",
        content: "",
        status: "pending",
        sources: [],
      };
      return { turns: [...state.turns, question, answer], busy: true };
    }
    case "sources":
      return updateActiveAnswer(state, (turn) => ({ ...turn, sources: action.sources, status: "streaming" }));
    case "delta":
      return updateActiveAnswer(state, (turn) => ({
        ...turn,
        content: turn.content + action.text,
        status: "streaming",
      }));
    case "done": {
      const next = updateActiveAnswer(state, (turn) => ({
        ...turn,
        status: "done",
        mode: action.mode,
        grounded: action.grounded,
        processingTimeMs: action.processingTimeMs,
        ...(action.answerId ? { answerId: action.answerId } : {}),
        suggestions: action.suggestions ?? [],
      }));
      if (next === state) return state;
      return { ...next, busy: false, conversationId: action.conversationId ?? state.conversationId };
    }
    case "resume": {
      if (state.busy) return state;
      const c = action.conversation;
      const turns: ChatTurn[] = c.messages.flatMap((m): ChatTurn[] => [
        {
          id: `${m.answerId}-q`,
          role: "user",
          content: m.question,
          ...(m.selectedText ? { selectedText: m.selectedText } : {}),
        },
        {
          id: `${m.answerId}-a`,
          role: "assistant",
          content: m.answer,
          status: "done",
          sources: m.sources,
          mode: m.mode,
          grounded: m.grounded,
          processingTimeMs: m.processingTimeMs,
          answerId: m.answerId,
          feedback: m.feedback,
        },
      ]);
      return { turns, busy: false, conversationId: c.id };
    }
    case "feedback":
      return {
        ...state,
        turns: state.turns.map((t) =>
          t.role === "assistant" && t.answerId === action.feedback.answerId
            ? { ...t, feedback: action.feedback }
            : t,
        ),
      };
    case "fail": {
      const next = updateActiveAnswer(state, (turn) => ({ ...turn, status: "error", error: action.error }));
      return next === state ? state : { ...next, busy: false };
    }
    case "stop": {
      const next = updateActiveAnswer(state, (turn) => ({ ...turn, status: "stopped" }));
      return next === state ? state : { ...next, busy: false };
    }
    case "clear":
      return state.busy ? state : initialChatState;
  }
}

/**
 * The conversation so far as the api-service's `history`: only exchanges whose answer has text and did not fail,
 * newest HISTORY_MAX turns.
 */
export function historyOf(state: ChatState): HistoryTurn[] {
  const history: HistoryTurn[] = [];
  for (let i = 0; i + 1 < state.turns.length; i += 1) {
    const question = state.turns[i];
    const answer = state.turns[i + 1];
    if (question?.role !== "user" || answer?.role !== "assistant") continue;
    if ((answer.status !== "done" && answer.status !== "stopped") || !answer.content.trim()) continue;
    history.push(
      { role: "user", content: question.content.slice(0, MESSAGE_MAX * 2) },
      { role: "assistant", content: answer.content.slice(0, MESSAGE_MAX * 2) },
    );
    i += 1;
  }
  return history.slice(-HISTORY_MAX);
}

/** The body of POST /v1/chat/stream for a new question in this conversation. */
export function buildChatRequest(state: ChatState, message: string, selectedText?: string): ChatRequest {
  const history = historyOf(state);
  const selection = selectedText?.trim();
  return {
    message: message.trim().slice(0, MESSAGE_MAX),
    ...(history.length > 0 ? { history } : {}),
    ...(selection ? { selectedText: selection.slice(0, SELECTED_TEXT_MAX) } : {}),
    ...(state.conversationId ? { conversationId: state.conversationId } : {}),
  };
}

/** The answer being written, if any. */
export function activeAnswer(state: ChatState): AssistantTurn | undefined {
  const last = state.turns.at(-1);
  return state.busy && last?.role === "assistant" ? last : undefined;
}
