// Follow-up suggestions written by a model: a local server speaking the OpenAI wire protocol (testkit stub), driven
// by the real openai SDK. Grounded in the answer's sources, validated, asked after the answer, offline on failure.
import { chatResponseSchema, streamEventSchemas } from "@ai-book/contracts";
import { type OpenAIStub, type StubChatRequest, systemPromptOf, waitFor } from "@ai-book/testkit";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signToken, type TestApi } from "../../test/harness.ts";
import { isFollowUpRequest, startStubbedApi } from "../../test/openai-stub.ts";
import { REWRITE_INSTRUCTION } from "../rag/prompt.ts";

let stub: OpenAIStub;
let api: TestApi;
let token: string;

const ANSWER = "The ZMP must stay inside the support polygon [1].";
/** What the offline suggestions give for this question on the fixture book (the chapter's other section). */
const OFFLINE = "Tell me more about Gait generation (Bipedal Locomotion)";
const QUESTION = "What is the zero moment point?";

const systemOf = (i: number) => systemPromptOf(stub.chatRequests()[i] ?? { body: undefined });
/** The numbered sources block of a system prompt, without its per-request fence marker. */
const sourcesBlock = (system: string) =>
  (system.split("Sources:\n")[1] ?? "").replace(/DATA-[\w-]+/g, "FENCE").replace(/\n\n[^[][\s\S]*$/, "");

beforeAll(async () => {
  ({ stub, api } = await startStubbedApi({ LLM_TIMEOUT_MS: "20000" }));
  token = await signToken();
});
afterAll(async () => {
  await api.stop();
  await stub.close();
});
beforeEach(() => stub.reset());

async function metric(name: RegExp): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const m = text.match(name);
  return m ? Number(m[1]) : 0;
}

describe("follow-up suggestions written by the model (local OpenAI-protocol stub, real openai SDK)", () => {
  it("asks after the answer, from the same sources, and sends the 2–3 valid questions in the JSON body", async () => {
    stub.setReply((req) =>
      isFollowUpRequest(req)
        ? [
            "Here are some questions:",
            "1. How does the support polygon change while a robot walks?",
            "2. What is the zero moment point?",
            "- How does the support polygon change while a robot walks?",
            '3. "Why do controllers plan the center of mass trajectory?"',
            "4. Which wine goes with fish?",
            "5. Why?",
            `6. ${"Why does the reference path of the zero moment point matter ".repeat(3)}?`,
          ].join("\n")
        : ANSWER,
    );
    const res = await api.post("/v1/chat", { message: QUESTION }, token);
    const body = chatResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ mode: "llm", response: ANSWER });
    // Kept: questions about the sources. Dropped: the preamble (not a question), the reader's own question, a repeat,
    // one about nothing in the sources, a fragment, one too long to read at a glance.
    expect(body.suggestions).toEqual([
      "How does the support polygon change while a robot walks?",
      "Why do controllers plan the center of mass trajectory?",
    ]);
    const requests = stub.chatRequests();
    expect(requests).toHaveLength(2);
    expect(requests.map(isFollowUpRequest)).toEqual([false, true]);
    // The follow-up request came after the answer's and carries the same numbered sources, and the answer given.
    expect(requests[1]?.receivedAt).toBeGreaterThanOrEqual(requests[0]?.receivedAt ?? Infinity);
    expect(systemOf(1)).toMatch(/^Suggest the reader's next questions/);
    expect(sourcesBlock(systemOf(1))).toBe(sourcesBlock(systemOf(0)));
    expect(sourcesBlock(systemOf(1))).toMatch(/\[1\] Bipedal Locomotion > Zero moment point\n/);
    const user = (requests[1]?.body as { messages?: Array<{ content: string }> } | undefined)?.messages?.[1]
      ?.content;
    expect(user).toContain(QUESTION);
    expect(user).toContain(ANSWER);
    expect(await metric(/follow_up_suggestions_total\{source="llm"\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });

  it("streams every delta of the answer while the follow-up request is still unanswered; done then carries them", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    stub.setReply(async (req) => {
      if (!isFollowUpRequest(req)) return ANSWER;
      await held;
      return "How does the support polygon change while a robot walks?\nWhy do controllers plan the center of mass trajectory?";
    });
    const res = await api.post("/v1/chat/stream", { message: QUESTION }, token);
    expect(res.status).toBe(200);
    const events: Array<{ event: string; data: unknown }> = [];
    const parser = createParser({
      onEvent: (m) => events.push({ event: m.event ?? "message", data: JSON.parse(m.data) }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    })();
    // The model's follow-up request is made, and held unanswered.
    await waitFor(() => stub.chatRequests().length === 2, 20_000);
    const text = () =>
      events
        .filter((e) => e.event === "delta")
        .map((e) => streamEventSchemas.delta.parse(e.data).text)
        .join("");
    // Every delta of the answer reaches the reader while the suggestions are still being written.
    await waitFor(() => text() === ANSWER, 20_000);
    expect(events.map((e) => e.event)).not.toContain("done");
    release();
    await reading;
    const done = streamEventSchemas.done.parse(events.at(-1)?.data);
    expect(events.at(-1)?.event).toBe("done");
    expect(done.mode).toBe("llm");
    expect(done.suggestions).toEqual([
      "How does the support polygon change while a robot walks?",
      "Why do controllers plan the center of mass trajectory?",
    ]);
  });

  it("falls back to the offline suggestions when the reply does not validate or the request fails", async () => {
    const fallbacks = await metric(/follow_up_suggestions_total\{source="offline_fallback"\} (\d+)/);
    const cases: Array<(req: StubChatRequest) => string> = [
      // Empty.
      () => "",
      // One valid question only (2 at least).
      () => "How does the support polygon change while a robot walks?\nWhat is the zero moment point?",
      // Nothing grounded in the sources.
      () => "Which wine goes with fish?\nWho won the cup in 1998?",
      // The model's server fails (the stub answers 500).
      () => {
        throw new Error("boom");
      },
    ];
    for (const reply of cases) {
      stub.reset();
      stub.setReply((req) => (isFollowUpRequest(req) ? reply(req) : ANSWER));
      const body = chatResponseSchema.parse(
        await (await api.post("/v1/chat", { message: QUESTION }, token)).json(),
      );
      expect(body.response).toBe(ANSWER);
      expect(body.suggestions).toContain(OFFLINE);
      expect(stub.chatRequests()).toHaveLength(2);
    }
    expect(await metric(/follow_up_suggestions_total\{source="offline_fallback"\} (\d+)/)).toBe(
      fallbacks + cases.length,
    );
    expect(api.logs.text()).toMatch(/follow-up generation failed/);
  });

  it("asks no model for suggestions when the book has no answer or the answer fell back to extractive", async () => {
    stub.setReply((req) => (req.messages[0]?.content === REWRITE_INSTRUCTION ? QUESTION : ANSWER));
    const offBook = chatResponseSchema.parse(
      await (await api.post("/v1/chat", { message: "Which flour makes the best sourdough?" }, token)).json(),
    );
    expect(offBook).toMatchObject({ grounded: false, suggestions: [] });
    expect(stub.chatRequests()).toHaveLength(0);

    stub.failNext(1, 500, { endpoint: "chat" });
    const extractive = chatResponseSchema.parse(
      await (await api.post("/v1/chat", { message: QUESTION }, token)).json(),
    );
    expect(extractive.mode).toBe("extractive");
    expect(extractive.suggestions).toContain(OFFLINE);
    expect(stub.chatRequests()).toHaveLength(1);
  });
});
