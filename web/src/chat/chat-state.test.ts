// Tests of the chat reducer: event order, stop and failure, and the history sent with follow-ups.
import { HISTORY_MAX, type Source } from "@ai-book/contracts";
import { describe, expect, it } from "vitest";
import {
  activeAnswer,
  buildChatRequest,
  type ChatAction,
  type ChatState,
  chatReducer,
  historyOf,
  initialChatState,
} from "./chat-state.ts";

const source: Source = {
  id: "c1",
  title: "Sensors",
  heading: "Sensors > IMU",
  url: "http://localhost:3000/docs/sensors#imu",
  path: "03-sensors/01-sensors.md",
  score: 1,
  snippet: "An IMU measures...",
};

const run = (actions: ChatAction[], from: ChatState = initialChatState) => actions.reduce(chatReducer, from);

const exchange = (id: string, question: string, answer: string): ChatAction[] => [
  { type: "ask", id, message: question },
  { type: "sources", sources: [source] },
  { type: "delta", text: answer },
  { type: "done", processingTimeMs: 5, mode: "extractive", grounded: true },
];

describe("chatReducer", () => {
  it("builds the answer from sources, deltas and done", () => {
    let state = run([{ type: "ask", id: "t1", message: "What is an IMU?" }]);
    expect(state.busy).toBe(true);
    expect(activeAnswer(state)?.status).toBe("pending");
    state = run(
      [
        { type: "sources", sources: [source] },
        { type: "delta", text: "An IMU " },
        { type: "delta", text: "measures [1]." },
      ],
      state,
    );
    expect(activeAnswer(state)).toMatchObject({
      status: "streaming",
      content: "An IMU measures [1].",
      sources: [source],
    });
    state = chatReducer(state, { type: "done", processingTimeMs: 12, mode: "llm", grounded: true });
    expect(state.busy).toBe(false);
    expect(state.turns).toHaveLength(2);
    expect(state.turns[1]).toMatchObject({
      role: "assistant",
      status: "done",
      mode: "llm",
      processingTimeMs: 12,
    });
  });

  it("keeps the selected passage on the question", () => {
    const state = run([{ type: "ask", id: "t1", message: "Explain", selectedText: "the Kalman gain" }]);
    expect(state.turns[0]).toMatchObject({
      role: "user",
      content: "Explain",
      selectedText: "the Kalman gain",
    });
  });

  it("ignores a second question while one is being answered", () => {
    const state = run([
      { type: "ask", id: "t1", message: "one" },
      { type: "ask", id: "t2", message: "two" },
    ]);
    expect(state.turns.map((t) => t.content)).toEqual(["one", ""]);
  });

  it("stop keeps the partial text and ignores later events", () => {
    const state = run([
      { type: "ask", id: "t1", message: "q" },
      { type: "delta", text: "partial" },
      { type: "stop" },
      { type: "delta", text: " late" },
      { type: "done", processingTimeMs: 1, mode: "llm", grounded: true },
    ]);
    expect(state.busy).toBe(false);
    expect(state.turns[1]).toMatchObject({ status: "stopped", content: "partial" });
  });

  it("records a failure with its kind and frees the composer", () => {
    const state = run([
      { type: "ask", id: "t1", message: "q" },
      {
        type: "fail",
        error: { kind: "rate_limited", code: "RATE_LIMITED", message: "wait", retryAfterS: 30 },
      },
    ]);
    expect(state.busy).toBe(false);
    expect(state.turns[1]).toMatchObject({
      status: "error",
      error: { kind: "rate_limited", retryAfterS: 30 },
    });
  });

  it("marks an answer the book does not cover", () => {
    const state = run([
      { type: "ask", id: "t1", message: "Best pizza in Naples?" },
      { type: "sources", sources: [] },
      { type: "delta", text: "The book does not cover this." },
      { type: "done", processingTimeMs: 2, mode: "extractive", grounded: false },
    ]);
    expect(state.turns[1]).toMatchObject({ grounded: false, mode: "extractive", status: "done" });
  });

  it("clear empties the conversation unless an answer is streaming", () => {
    const done = run(exchange("t1", "q", "a"));
    expect(chatReducer(done, { type: "clear" })).toEqual(initialChatState);
    const busy = run([{ type: "ask", id: "t2", message: "q2" }], done);
    expect(chatReducer(busy, { type: "clear" })).toBe(busy);
  });
});

describe("history for follow-ups", () => {
  it("sends finished exchanges and skips failed ones", () => {
    const state = run([
      ...exchange("t1", "What is an IMU?", "An inertial sensor [1]."),
      { type: "ask", id: "t2", message: "broken" },
      { type: "fail", error: { kind: "network", code: "NETWORK_ERROR", message: "offline" } },
    ]);
    expect(historyOf(state)).toEqual([
      { role: "user", content: "What is an IMU?" },
      { role: "assistant", content: "An inertial sensor [1]." },
    ]);
    expect(buildChatRequest(state, "  And its drift? ", " selected ")).toEqual({
      message: "And its drift?",
      history: historyOf(state),
      selectedText: "selected",
    });
  });

  it("omits empty history and blank selections and keeps at most HISTORY_MAX turns", () => {
    expect(buildChatRequest(initialChatState, "hi", "   ")).toEqual({ message: "hi" });
    const many = run(Array.from({ length: 15 }, (_, i) => exchange(`t${i}`, `q${i}`, `a${i}`)).flat());
    const history = historyOf(many);
    expect(history).toHaveLength(HISTORY_MAX);
    expect(history.at(-1)).toEqual({ role: "assistant", content: "a14" });
    expect(history[0]).toEqual({ role: "user", content: "q5" });
  });
});

describe("stored conversations", () => {
  it("keeps the conversation id from done and sends it with the next question", () => {
    const state = run([
      { type: "ask", id: "t1", message: "What is an IMU?" },
      { type: "delta", text: "It measures acceleration." },
      {
        type: "done",
        processingTimeMs: 5,
        mode: "extractive",
        grounded: true,
        conversationId: "conv-1",
        answerId: "ans-1",
        suggestions: ["Where is it mounted?"],
      },
    ]);
    expect(state.conversationId).toBe("conv-1");
    const answer = state.turns.at(-1);
    expect(answer?.role === "assistant" && answer.answerId).toBe("ans-1");
    expect(answer?.role === "assistant" && answer.suggestions).toEqual(["Where is it mounted?"]);
    expect(buildChatRequest(state, "And drift?").conversationId).toBe("conv-1");
    // A new conversation forgets it.
    expect(buildChatRequest(run([{ type: "clear" }], state), "Hi").conversationId).toBeUndefined();
  });

  it("resumes a stored conversation: its turns become the history, feedback shows on its answer", () => {
    const state = run([
      {
        type: "resume",
        conversation: {
          id: "conv-2",
          title: "IMU",
          createdAt: "2026-01-01T00:00:00.000Z",
          updatedAt: "2026-01-01T00:00:00.000Z",
          turns: 1,
          messages: [
            {
              answerId: "ans-2",
              question: "What is an IMU?",
              selectedText: null,
              answer: "An inertial unit [1].",
              sources: [source],
              mode: "extractive",
              grounded: true,
              processingTimeMs: 3,
              createdAt: "2026-01-01T00:00:00.000Z",
              feedback: null,
            },
          ],
        },
      },
      {
        type: "feedback",
        feedback: { answerId: "ans-2", rating: "down", reason: "wrong", comment: null, updatedAt: "x" },
      },
    ]);
    expect(historyOf(state)).toEqual([
      { role: "user", content: "What is an IMU?" },
      { role: "assistant", content: "An inertial unit [1]." },
    ]);
    expect(buildChatRequest(state, "More?").conversationId).toBe("conv-2");
    const answer = state.turns.at(-1);
    expect(answer?.role === "assistant" && answer.feedback?.reason).toBe("wrong");
  });
});
