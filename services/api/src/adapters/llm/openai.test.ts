// The chat model against a local server speaking the OpenAI wire protocol (testkit stub), via the real SDK.
import { waitFor } from "@ai-book/testkit";
import { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { useOpenAIStub } from "../../../test/openai-stub.ts";
import type { ChatModel } from "../../rag/ports.ts";
import { createOpenAIChatModel, LlmStreamTimeoutError } from "./openai.ts";

const openai = useOpenAIStub();

const ask = [{ role: "user" as const, content: "What is a servo?" }];

function model(extra: { maxRetries?: number; timeoutMs?: number } = {}): ChatModel {
  return createOpenAIChatModel({
    apiKey: "test-key",
    baseURL: openai.stub.baseURL,
    model: "gpt-4o-mini",
    maxRetries: 0,
    ...extra,
  });
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of it) out.push(d);
  return out;
}

describe("OpenAI chat model, streamed (local OpenAI-protocol stub)", () => {
  it("yields the deltas in order and reports usage once, at the end", async () => {
    openai.stub.setReply({ chunks: ["A servo ", "holds ", "a position [1]", "."] });
    const usage: Array<{ promptTokens: number; completionTokens: number }> = [];
    const deltas = await collect(model().stream(ask, { onUsage: (u) => usage.push(u) }));
    expect(deltas).toEqual(["A servo ", "holds ", "a position [1]", "."]);
    expect(usage).toHaveLength(1);
    expect(usage[0]?.completionTokens).toBeGreaterThan(0);
    const req = openai.stub.chatRequests()[0];
    expect(req?.headers.authorization).toBe("Bearer test-key");
    expect(req?.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, messages: ask });
  });

  it("answers request after request, the stream read to its end each time", async () => {
    openai.stub.setReply("one two three");
    for (let i = 0; i < 5; i++) expect((await collect(model().stream(ask))).join("")).toBe("one two three");
    expect(openai.stub.chatRequests().every((r) => r.finished)).toBe(true);
  });

  it("retries a 429 before the stream starts, as the SDK does", async () => {
    openai.stub.setReply("from the model");
    openai.stub.failNext(1, { type: "status", status: 429, retryAfterMs: 10 }, { endpoint: "chat" });
    const deltas = await collect(model({ maxRetries: 1 }).stream(ask));
    expect(deltas.join("")).toBe("from the model");
    expect(openai.stub.chatRequests().map((r) => r.fault?.type ?? "ok")).toEqual(["status", "ok"]);
  });

  it("fails with the SDK's APIError and the status when the server refuses", async () => {
    openai.stub.failNext(1, 500, { endpoint: "chat" });
    const err = await collect(model().stream(ask)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(500);
  });

  for (const [name, fault, expected] of [
    ["a malformed event", "malformed", SyntaxError],
    ["the connection cut", { type: "cut", afterTokens: 3 }, Error],
  ] as const) {
    it(`fails on ${name} after the first deltas, which were yielded`, async () => {
      openai.stub.setReply("one two three four five six");
      openai.stub.failNext(1, fault, { endpoint: "chat" });
      const seen: string[] = [];
      const err = await (async () => {
        for await (const d of model().stream(ask)) seen.push(d);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(expected);
      expect(seen.join("")).toBe("one two three");
    });
  }

  it("fails with LlmStreamTimeoutError when the model goes silent mid-stream", async () => {
    openai.stub.setReply("one two three four");
    openai.stub.failNext(1, { type: "hang", afterTokens: 1 }, { endpoint: "chat" });
    const err = await collect(model({ timeoutMs: 300 }).stream(ask)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmStreamTimeoutError);
    await waitFor(() => openai.stub.chatRequests()[0]?.aborted === true, 5000);
  });

  it("ends quietly and aborts the upstream request when the caller's signal aborts", async () => {
    openai.stub.setTokenDelay(30);
    openai.stub.setReply(Array.from({ length: 100 }, (_, i) => `w${i}`).join(" "));
    const ctrl = new AbortController();
    const seen: string[] = [];
    for await (const d of model().stream(ask, { signal: ctrl.signal })) {
      seen.push(d);
      if (seen.length === 2) ctrl.abort();
    }
    expect(seen.length).toBeLessThan(5);
    await waitFor(() => openai.stub.chatRequests()[0]?.aborted === true, 5000);
    expect(openai.stub.chatRequests()[0]?.finished).toBe(false);
  });

  it("aborts the upstream request when the consumer stops early", async () => {
    openai.stub.setTokenDelay(30);
    openai.stub.setReply(Array.from({ length: 100 }, (_, i) => `w${i}`).join(" "));
    for await (const d of model().stream(ask)) if (d) break;
    await waitFor(() => openai.stub.chatRequests()[0]?.aborted === true, 5000);
  });
});

describe("OpenAI chat model, whole answers", () => {
  it("returns the text and the usage", async () => {
    openai.stub.setReply("A whole answer [1].");
    const usage: number[] = [];
    const res = await model().complete(ask, { onUsage: (u) => usage.push(u.completionTokens) });
    expect(res.text).toBe("A whole answer [1].");
    expect(usage[0]).toBeGreaterThan(0);
  });
});
