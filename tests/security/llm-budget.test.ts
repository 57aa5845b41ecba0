// Issue 19, finding 10 (LLM budget), against the real api-service and the local OpenAI-protocol stub server: past a reader's daily token budget chat answers 429; search and other readers are unaffected.
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
import { signValid, validClaims } from "./hostile-jwt.ts";
import { envelopeCode, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const BUDGET = 100;

describe("finding 10: per-reader daily LLM budget (OpenAI-protocol stub server)", () => {
  const dir = tempDir("ai-book-budget-");
  const secret = newSecret();
  let stub: OpenAIStub;
  let api: ServiceProcess;
  beforeAll(async () => {
    stub = await startOpenAIStub();
    await ingestBook({ dataDir: `${dir.path}/api` });
    api = await startApiProcess({
      dataDir: `${dir.path}/api`,
      jwtSecret: secret,
      openaiBaseUrl: stub.baseURL,
      rateLimitPerMinute: 1000,
      env: { LLM_DAILY_TOKEN_BUDGET: String(BUDGET) },
    });
  });
  afterAll(async () => {
    await api?.stop();
    await stub?.close();
    dir.cleanup();
  });

  const tokenFor = (userId: string) => signValid(secret, validClaims({ userId, sub: userId }));
  const chat = async (jwt: string, body: Record<string, unknown>) =>
    postJson(`${api.url}/v1/chat`, body, { headers: { authorization: `Bearer ${jwt}` } });

  it("a reader past the budget gets 429 RATE_LIMITED with Retry-After; search and another reader still work", async () => {
    const spender = await tokenFor("budget-spender");
    const first = await chat(spender, { message: "What is the zero moment point?" });
    expect(first.status, first.text).toBe(200);
    expect((first.json as { mode: string }).mode).toBe("llm");
    // The provider reported more than BUDGET tokens for that answer: the next one is refused, selection or not.
    for (const body of [
      { message: "And how is it computed?" },
      { message: "Explain this", selectedText: "The zero moment point is where the net moment is zero." },
    ]) {
      const refused = await chat(spender, body);
      expect(refused.status, refused.text).toBe(429);
      expect(envelopeCode(refused)).toBe("RATE_LIMITED");
      expect((refused.json as { error: { message: string } }).error.message).toMatch(/daily tutor budget/);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const calls = stub.chatRequests().filter((r) => !isFollowUpRequest(r)).length;
    const search = await postJson(
      `${api.url}/v1/search`,
      { query: "zero moment point" },
      { headers: { authorization: `Bearer ${spender}` } },
    );
    expect(search.status).toBe(200);
    expect((await chat(await tokenFor("budget-other"), { message: "What is an IMU?" })).status).toBe(200);
    // The refused requests never reached the provider.
    expect(stub.chatRequests().filter((r) => !isFollowUpRequest(r)).length).toBe(calls + 1);
  });
});
