// Chat answers in the reader's preferredLanguage (issue 15), against the local OpenAI-protocol stub (real openai SDK):
// the question is searched in the book's language, the answer asked in the reader's, citations point at the book.
import { chatResponseSchema, streamEventSchemas } from "@ai-book/contracts";
import { type OpenAIStub, type StubChatRequest, startOpenAIStub } from "@ai-book/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BOOK, readSse, signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { isFollowUpRequest } from "../../test/openai-stub.ts";
import { QUERY_TRANSLATION_INSTRUCTION } from "../rag/prompt.ts";

let stub: OpenAIStub;
let api: TestApi;

/** "What is the zero moment point?" in Urdu: no word of it matches the (English) book. */
const URDU_QUESTION = "زیرو مومنٹ پوائنٹ کیا ہے؟";
const URDU_ANSWER = "زیرو مومنٹ پوائنٹ (zero moment point) کو سپورٹ پولیگون کے اندر رہنا چاہیے [1]۔";

const system = (body: unknown) =>
  (body as { messages: Array<{ role: string; content: string }> }).messages[0]?.content ?? "";

function reply(req: StubChatRequest): string {
  const first = String(req.messages[0]?.content ?? "");
  if (first.startsWith(QUERY_TRANSLATION_INSTRUCTION)) return "What is the zero moment point?";
  return URDU_ANSWER;
}

beforeAll(async () => {
  stub = await startOpenAIStub();
  api = await startTestApi({
    OPENAI_API_KEY: "sk-test-not-a-real-key",
    OPENAI_BASE_URL: stub.baseURL,
    LLM_MAX_RETRIES: "0",
    RATE_LIMIT_PER_MINUTE: "1000",
  });
});
afterAll(async () => {
  await api?.stop();
  await stub?.close();
});
beforeEach(() => {
  stub.reset();
  stub.setReply(reply);
});

describe("answers in the reader's preferredLanguage (local OpenAI-protocol stub)", () => {
  it("translates the question for retrieval, answers in Urdu, and cites the book's own headings", async () => {
    const token = await signToken({ claims: { preferredLanguage: "ur" } });
    const res = await api.post("/v1/chat", { message: URDU_QUESTION }, token);
    const body = chatResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ mode: "llm", grounded: true, response: URDU_ANSWER });
    // Retrieval ran on the translated question: the ZMP section, linked at its original heading.
    expect(body.sources[0]?.url).toBe(`${BOOK}/docs/locomotion/balance#zero-moment-point`);
    expect(body.sources[0]?.heading).toBe("Zero moment point");
    const [translation, answer] = stub.chatRequests();
    expect(system(translation?.body)).toMatch(/textbook is in English/);
    const asked = translation?.body as { messages: Array<{ content: string }> } | undefined;
    expect(asked?.messages[1]?.content).toBe(URDU_QUESTION);
    expect(system(answer?.body)).toMatch(/Write the answer in Urdu \(ur\)/);
    expect(system(answer?.body)).toMatch(/English term in parentheses/);
    expect(system(answer?.body)).toMatch(
      /\[1\] Bipedal Locomotion > Zero moment point\nThe zero moment point/,
    );
  });

  it("streams the same way", async () => {
    const token = await signToken({ claims: { preferredLanguage: "ur" } });
    const { events } = await readSse(await api.post("/v1/chat/stream", { message: URDU_QUESTION }, token));
    const sources = streamEventSchemas.sources.parse(events[0]?.data).sources;
    expect(sources[0]?.url).toBe(`${BOOK}/docs/locomotion/balance#zero-moment-point`);
    const text = events
      .filter((e) => e.event === "delta")
      .map((e) => (e.data as { text: string }).text)
      .join("");
    expect(text).toBe(URDU_ANSWER);
  });

  it("a reader in the book's language, or a token from before the field, costs no translation request", async () => {
    stub.setReply("The ZMP stays inside the support polygon [1].");
    for (const claims of [{ preferredLanguage: "en-GB" }, { preferredLanguage: null }, {}]) {
      stub.reset();
      stub.setReply("The ZMP stays inside the support polygon [1].");
      const res = await api.post(
        "/v1/chat",
        { message: "What is the zero moment point?" },
        await signToken({ claims }),
      );
      expect(res.status).toBe(200);
      // One model call for the answer (the follow-up questions asked after it are another request).
      const answers = stub.chatRequests().filter((r) => !isFollowUpRequest(r));
      expect(answers).toHaveLength(1);
      expect(system(answers[0]?.body)).not.toMatch(/Write the answer in/);
    }
  });
});
