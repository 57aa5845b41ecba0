// The LLM provider misbehaving (a local server speaking the OpenAI wire protocol, driven through the real SDK): bounded retries, extractive fallback or a clean `error` event, no hang.
import {
  ingestBook,
  newSecret,
  type OpenAIStub,
  type ServiceProcess,
  type StubFaultShorthand,
  startApiProcess,
  startOpenAIStub,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { figure, postJson, readSse } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });

const TIMEOUT_MS = 1_500;
const RETRIES = 1;
const QUESTION = { message: "What does a gyroscope measure, and why does its estimate drift?" };
/**
 * A request may take every attempt's timeout plus back-off; the client gives up at this bound, so a hang fails the
 * test through its answer (no status, or a broken stream) — a hang guard, not a speed target.
 */
const HANG_BOUND_MS = TIMEOUT_MS * (RETRIES + 1) + 15_000;

describe("api-service with a failing LLM provider (OpenAI wire-protocol stub)", () => {
  const dir = tempDir("ai-book-llmfault-");
  const secret = newSecret();
  let stub: OpenAIStub;
  let api: ServiceProcess;
  let auth: Record<string, string>;
  let survived = 0;

  beforeAll(async () => {
    stub = await startOpenAIStub({
      reply: () => "A gyroscope measures angular velocity; integrating it drifts [1].",
    });
    const env = { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: "sk-test-stub" };
    await ingestBook({ dataDir: dir.path, env });
    api = await startApiProcess({
      dataDir: dir.path,
      jwtSecret: secret,
      openaiBaseUrl: stub.baseURL,
      rateLimitPerMinute: 10_000,
      env: { LLM_TIMEOUT_MS: String(TIMEOUT_MS), LLM_MAX_RETRIES: String(RETRIES) },
    });
    auth = { authorization: `Bearer ${await signValid(secret, validClaims())}` };
  });
  afterAll(async () => {
    figure(
      "faults",
      `LLM faults: ${survived} provider faults survived (429, 500, malformed JSON, cut streams, hangs)`,
    );
    await api?.stop();
    await stub?.close();
    dir.cleanup();
  });

  it("answers with the LLM when the provider is healthy (the baseline the faults are measured against)", async () => {
    stub.reset();
    const a = await postJson(`${api.url}/v1/chat`, QUESTION, { headers: auth });
    expect(a.status, a.text).toBe(200);
    expect((a.json as { mode: string }).mode).toBe("llm");
    expect(stub.chatRequests().length).toBeGreaterThan(0);
  });

  const wholeAnswerFaults: Array<[string, StubFaultShorthand]> = [
    ["429", 429],
    ["500", 500],
    ["malformed JSON", "malformed"],
    ["a connection cut", "cut"],
    ["a hang", "hang"],
  ];
  for (const [label, fault] of wholeAnswerFaults) {
    it(`POST /v1/chat: ${label} on every attempt → bounded retries, then the extractive answer`, async () => {
      stub.reset();
      stub.failNext(10, fault, { endpoint: "chat" });
      const a = await postJson(`${api.url}/v1/chat`, QUESTION, {
        headers: auth,
        timeoutMs: HANG_BOUND_MS,
      });
      expect(a.status, a.text).toBe(200);
      const body = a.json as { mode: string; response: string; sources: unknown[] };
      expect(body.mode).toBe("extractive");
      expect(body.response.length).toBeGreaterThan(20);
      expect(body.sources.length).toBeGreaterThan(0);
      expect(stub.chatRequests().length, "attempts").toBeLessThanOrEqual(RETRIES + 1);
      survived++;
    });
  }

  it("POST /v1/chat/stream: 429 before any text → the extractive answer streams instead", async () => {
    stub.reset();
    stub.failNext(10, 429, { endpoint: "chat" });
    const s = await readSse(`${api.url}/v1/chat/stream`, QUESTION, auth, HANG_BOUND_MS);
    expect(s.status).toBe(200);
    expect(s.events[0]?.event).toBe("sources");
    expect(s.events.at(-1)?.event).toBe("done");
    expect(JSON.parse(s.events.at(-1)!.data).mode).toBe("extractive");
    expect(s.events.filter((e) => e.event === "delta").length).toBeGreaterThan(0);
    survived++;
  });

  // The documented outcome of each (docs/RELIABILITY.md): a failure before any text streams the extractive
  // answer; a failure after text began ends the stream with an `error` event.
  const midStreamFaults: Array<[string, StubFaultShorthand, "error" | "extractive"]> = [
    ["cut after 3 tokens", { type: "cut", afterTokens: 3 }, "error"],
    ["silent after 3 tokens", { type: "hang", afterTokens: 3 }, "error"],
    ["malformed chunk mid-stream", "malformed", "error"],
    ["silent before the first byte", "hang", "extractive"],
  ];
  for (const [label, fault, outcome] of midStreamFaults) {
    const ending = outcome === "error" ? "an error event" : "the extractive answer";
    it(`POST /v1/chat/stream: ${label} → sources first, then ${ending}`, async () => {
      stub.reset();
      stub.failNext(10, fault, { endpoint: "chat" });
      const s = await readSse(`${api.url}/v1/chat/stream`, QUESTION, auth, HANG_BOUND_MS);
      expect(s.failure, "the stream broke instead of ending").toBeUndefined();
      expect(s.status).toBe(200);
      expect(s.events[0]?.event).toBe("sources");
      const last = s.events.at(-1);
      if (outcome === "error") {
        expect(last?.event).toBe("error");
        expect(JSON.parse(last!.data)).toMatchObject({
          code: expect.any(String),
          requestId: expect.any(String),
        });
      } else {
        expect(last?.event).toBe("done");
        expect(JSON.parse(last!.data).mode).toBe("extractive");
        expect(s.events.filter((e) => e.event === "delta").length).toBeGreaterThan(0);
      }
      survived++;
    });
  }

  it("stayed up with no unhandled rejection or fatal log line", async () => {
    expect(api.running()).toBe(true);
    expect(api.output()).not.toMatch(/unhandled|uncaught/i);
    expect(api.jsonLines().filter((l) => l.level === 60)).toEqual([]);
    stub.reset();
    expect((await postJson(`${api.url}/v1/chat`, QUESTION, { headers: auth })).status).toBe(200);
  });
});
