// The local OpenAI-protocol stub for one suite: started before it, reset before each test, closed after it.
import { type OpenAIStub, type RecordedRequest, startOpenAIStub, systemPromptOf } from "@ai-book/testkit";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { FOLLOW_UP_INSTRUCTION } from "../src/rag/prompt.ts";
import { startTestApi, type TestApi } from "./harness.ts";

export const STUB_API_KEY = "test-key";

/** Call inside a `describe`; read `.stub` inside tests (it exists once the suite has started). */
export function useOpenAIStub(): { readonly stub: OpenAIStub } {
  let current: OpenAIStub | undefined;
  beforeAll(async () => {
    current = await startOpenAIStub({ apiKey: STUB_API_KEY });
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(() => current?.reset());
  return {
    get stub() {
      if (!current) throw new Error("useOpenAIStub: read .stub inside a test");
      return current;
    },
  };
}

/** After a model-written answer the api-service asks the model for follow-up questions: this tells those calls apart. */
export const isFollowUpRequest = (rec: Pick<RecordedRequest, "body">): boolean =>
  systemPromptOf(rec).startsWith(FOLLOW_UP_INSTRUCTION);

/** A fresh stub and an api-service answering through it (no retries, a generous rate limit); `env` overrides. */
export async function startStubbedApi(
  env: Record<string, string> = {},
): Promise<{ stub: OpenAIStub; api: TestApi }> {
  const stub = await startOpenAIStub();
  const api = await startTestApi({
    OPENAI_API_KEY: "sk-test-not-a-real-key",
    OPENAI_BASE_URL: stub.baseURL,
    LLM_MAX_RETRIES: "0",
    RATE_LIMIT_PER_MINUTE: "1000",
    ...env,
  });
  return { stub, api };
}
