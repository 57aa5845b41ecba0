// The tutor's question loop (web/src/chat/run-chat.ts) against the real api-service: an expired token, then a fresh one; a real `error` event; a refused fresh token.
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
import type { ChatAction } from "../../web/src/chat/chat-state.ts";
import { runChat } from "../../web/src/chat/run-chat.ts";
import { TutorError } from "../../web/src/client/tutor-error.ts";
import { signValid, validClaims } from "../security/hostile-jwt.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });

const REPLY =
  "A gyroscope measures angular velocity [1]. Integrating it gives orientation, which drifts [1].";
const QUESTION = { message: "What does a gyroscope measure?" };

describe("the tutor's question loop against the api-service (LLM: the OpenAI-protocol stub)", () => {
  const dir = tempDir("ai-book-tutor-retry-");
  const secret = newSecret();
  let stub: OpenAIStub;
  let api: ServiceProcess;
  beforeAll(async () => {
    stub = await startOpenAIStub({ reply: () => REPLY, tokenDelayMs: 5 });
    const env = { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: "sk-test-stub" };
    await ingestBook({ dataDir: dir.path, env });
    api = await startApiProcess({ dataDir: dir.path, jwtSecret: secret, openaiBaseUrl: stub.baseURL });
  });
  afterAll(async () => {
    await api?.stop();
    await stub?.close();
    dir.cleanup();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const expired = () => signValid(secret, validClaims({}, now() - 7200));
  const fresh = () => signValid(secret, validClaims());

  it("refreshes an expired token once and then streams the answer", async () => {
    stub.reset();
    const asked: boolean[] = [];
    const actions: ChatAction[] = [];
    await runChat({
      apiUrl: api.url,
      body: QUESTION,
      getToken: async (forceRefresh) => {
        asked.push(forceRefresh);
        return { token: forceRefresh ? await fresh() : await expired() };
      },
      onAction: (a) => actions.push(a),
    });
    expect(asked).toEqual([false, true]);
    expect(actions[0]?.type).toBe("sources");
    expect(actions.at(-1)).toMatchObject({ type: "done", mode: "llm" });
    const text = actions.flatMap((a) => (a.type === "delta" ? [a.text] : [])).join("");
    expect(text).toContain("angular velocity");
  });

  it("turns the stream's error event into a failed turn with its code and request id", async () => {
    stub.reset();
    // Text has begun when the provider cuts off: the documented outcome is an `error` event.
    stub.failNext(10, { type: "cut", afterTokens: 3 }, { endpoint: "chat" });
    const actions: ChatAction[] = [];
    await runChat({
      apiUrl: api.url,
      body: QUESTION,
      getToken: async () => ({ token: await fresh() }),
      onAction: (a) => actions.push(a),
    });
    const last = actions.at(-1);
    expect(last?.type).toBe("fail");
    if (last?.type !== "fail") return;
    expect(last.error.kind).toBe("server");
    expect(last.error.code).toEqual(expect.any(String));
    expect(last.error.requestId).toEqual(expect.any(String));
  });

  it("gives up when the fresh token is refused too, as a service problem, not a sign-in prompt", async () => {
    const wrongKey = newSecret();
    const asked: boolean[] = [];
    const failure = await runChat({
      apiUrl: api.url,
      body: QUESTION,
      getToken: async (forceRefresh) => {
        asked.push(forceRefresh);
        return { token: await signValid(wrongKey, validClaims()) };
      },
      onAction: () => {},
    }).catch((err: unknown) => err);
    expect(asked).toEqual([false, true]);
    expect(failure).toBeInstanceOf(TutorError);
    expect((failure as TutorError).info).toMatchObject({ kind: "server", code: "TOKEN_INVALID" });
  });

  it("asks the reader to sign in when there is no token at all, without calling the service", async () => {
    const failure = await runChat({
      apiUrl: api.url,
      body: QUESTION,
      getToken: async () => null,
      onAction: () => {},
    }).catch((err: unknown) => err);
    expect((failure as TutorError).info.kind).toBe("unauthorized");
  });
});
