// A follow-up whose rewrite fails (the LLM refuses that one call) is still answered, retrieved with the previous question as context.
import { chatResponseSchema } from "@ai-book/contracts";
import {
  ingestBook,
  newSecret,
  type OpenAIStub,
  type ServiceProcess,
  startApiProcess,
  startOpenAIStub,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isFollowUpRequest } from "../../services/api/test/openai-stub.ts";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { postJson } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });

describe("follow-up rewrite failing (LLM: the OpenAI-protocol stub)", () => {
  const dir = tempDir("ai-book-follow-up-");
  const secret = newSecret();
  let stub: OpenAIStub;
  let api: ServiceProcess;
  beforeAll(async () => {
    stub = await startOpenAIStub({
      reply: () => "It drifts because integration accumulates small errors [1].",
    });
    const env = { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: "sk-test-stub" };
    await ingestBook({ dataDir: dir.path, env });
    api = await startApiProcess({
      dataDir: dir.path,
      jwtSecret: secret,
      openaiBaseUrl: stub.baseURL,
      rateLimitPerMinute: 1000,
      env: { LLM_MAX_RETRIES: "0" },
    });
  });
  afterAll(async () => {
    await api?.stop();
    await stub?.close();
    dir.cleanup();
  });

  it("answers from sources the previous question finds, and counts the degraded rewrite", async () => {
    stub.reset();
    stub.failNext(1, 500, { endpoint: "chat" });
    const history = [
      { role: "user" as const, content: "What does a gyroscope in an inertial measurement unit measure?" },
      { role: "assistant" as const, content: "Angular velocity [1]." },
    ];
    const a = await postJson(
      `${api.url}/v1/chat`,
      { message: "Why does it drift?", history },
      { headers: { authorization: `Bearer ${await signValid(secret, validClaims())}` }, timeoutMs: 60_000 },
    );
    expect(a.status, a.text).toBe(200);
    const body = chatResponseSchema.parse(a.json);
    // Two chat calls: the rewrite (refused with 500, not retried) and the answer.
    expect(
      stub
        .chatRequests()
        .filter((r) => !isFollowUpRequest(r))
        .map((r) => r.fault?.type ?? "ok"),
    ).toEqual(["status", "ok"]);
    expect(body.mode).toBe("llm");
    expect(body.grounded).toBe(true);
    // "it" alone finds nothing: the sources come from the previous question's words.
    expect(body.sources.some((s) => s.path.startsWith("03-sensors-perception/"))).toBe(true);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/rag_degraded_total\{what="rewrite"\} 1/);
  });
});
