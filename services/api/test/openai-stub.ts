// The local OpenAI-protocol stub for one suite: started before it, reset before each test, closed after it.
import { type OpenAIStub, startOpenAIStub } from "@ai-book/testkit";
import { afterAll, beforeAll, beforeEach } from "vitest";

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
