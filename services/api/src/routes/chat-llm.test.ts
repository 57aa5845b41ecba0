// LLM mode against a local server speaking the OpenAI wire protocol (testkit stub), driven by the real openai SDK.
import { chatResponseSchema, streamEventSchemas } from "@ai-book/contracts";
import { type OpenAIStub, waitFor } from "@ai-book/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BOOK, readSse, signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { isFollowUpRequest, startStubbedApi } from "../../test/openai-stub.ts";
import { REWRITE_INSTRUCTION } from "../rag/prompt.ts";

let stub: OpenAIStub;
let api: TestApi;
/** The same service with a short LLM timeout, for the cases where the model goes silent and only the timeout ends it. */
let impatient: TestApi;
let token: string;

/** The chat requests of the answers themselves (after an answer, a model is also asked for follow-up questions). */
const answerRequests = () => stub.chatRequests().filter((r) => !isFollowUpRequest(r));

/**
 * The silence after which `impatient` gives up on the model. Only the hang cases use it: every answer that is
 * expected to come from the model goes through `api` with the service's default (30 s), so a loaded machine cannot
 * turn a slow answer into a fallback.
 */
const SILENCE_TIMEOUT_MS = "2000";

const systemOf = (i: number) => {
  const body = answerRequests()[i]?.body as
    | { messages: Array<{ role: string; content: string }> }
    | undefined;
  return body?.messages[0]?.content ?? "";
};

beforeAll(async () => {
  ({ stub, api } = await startStubbedApi());
  impatient = await startTestApi({
    OPENAI_API_KEY: "sk-test-not-a-real-key",
    OPENAI_BASE_URL: stub.baseURL,
    LLM_MAX_RETRIES: "0",
    LLM_TIMEOUT_MS: SILENCE_TIMEOUT_MS,
    RATE_LIMIT_PER_MINUTE: "1000",
  });
  token = await signToken();
});
afterAll(async () => {
  await api.stop();
  await impatient.stop();
  await stub.close();
});
beforeEach(() => stub.reset());

describe("LLM answers through the OpenAI wire protocol (local stub, real openai SDK)", () => {
  it("sends a grounded prompt with numbered sources and returns the model's cited answer", async () => {
    stub.setReply("The ZMP must stay inside the support polygon [1].");
    const res = await api.post("/v1/chat", { message: "What is the zero moment point?" }, token);
    const body = chatResponseSchema.parse(await res.json());
    expect(body).toMatchObject({
      mode: "llm",
      grounded: true,
      response: "The ZMP must stay inside the support polygon [1].",
    });
    expect(body.sources[0]?.url).toBe(`${BOOK}/docs/locomotion/balance#zero-moment-point`);
    const system = systemOf(0);
    expect(system).toMatch(/only the numbered sources/);
    expect(system).toMatch(/\[1\] Bipedal Locomotion > Zero moment point\nThe zero moment point \(ZMP\)/);
    expect(answerRequests()[0]?.headers.authorization).toBe("Bearer sk-test-not-a-real-key");
  });

  it("personalises the prompt from the JWT profile; a token without one gets a neutral prompt", async () => {
    const ask = async (profile?: Parameters<typeof signToken>[0]) =>
      api.post("/v1/chat", { message: "Why does an IMU drift?" }, await signToken(profile));
    await ask({
      profile: {
        softwareBackground: "Beginner",
        hardwareBackground: "Intermediate",
        interestArea: "agriculture",
      },
    });
    await ask({ profile: { softwareBackground: "Advanced", hardwareBackground: "Advanced" } });
    await ask();
    const [beginner, advanced, neutral] = [systemOf(0), systemOf(1), systemOf(2)];
    expect(beginner).toMatch(
      /Software background: Beginner\. .*define every technical term.*intuition before the detail/,
    );
    expect(beginner).toMatch(/Hardware background: Intermediate/);
    expect(beginner).toMatch(/lean your examples towards agriculture/);
    expect(advanced).toMatch(/Software background: Advanced\. .*be brief and precise/);
    expect(advanced).not.toMatch(/interest/i);
    expect(neutral).toMatch(/neutral answer/);
    expect(new Set([beginner, advanced, neutral]).size).toBe(3);
  });

  it("rewrites a follow-up into a standalone query before retrieval", async () => {
    stub.setReply((req) =>
      req.messages[0]?.content === REWRITE_INSTRUCTION
        ? "Where is the inertial measurement unit placed on a humanoid robot?"
        : "In the pelvis or torso [1].",
    );
    const history = [
      { role: "user" as const, content: "Tell me about series elastic actuators." },
      { role: "assistant" as const, content: "They put a spring between motor and load [1]." },
      { role: "user" as const, content: "And what about inertial measurement units?" },
      { role: "assistant" as const, content: "They combine accelerometers and gyroscopes [1]." },
    ];
    const res = await api.post("/v1/chat", { message: "Where does it go?", history }, token);
    const body = chatResponseSchema.parse(await res.json());
    expect(answerRequests()).toHaveLength(2);
    const rewrite = answerRequests()[0]?.body as { messages: Array<{ content: string }> };
    expect(rewrite.messages[1]?.content).toMatch(/Follow-up question: Where does it go\?/);
    expect(rewrite.messages[1]?.content).toMatch(/inertial measurement units/);
    expect(body.sources[0]?.url).toBe(`${BOOK}/docs/sensors/imu#placement`);
    // The answer request replays the conversation and asks the original question.
    const answer = answerRequests()[1]?.body as { messages: Array<{ role: string; content: string }> };
    expect(answer.messages.slice(1).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(answer.messages.at(-1)?.content).toBe("Where does it go?");
  });

  it("strips citations to sources that do not exist, whole and streamed (even split across deltas)", async () => {
    stub.setReply("The ZMP stays inside the support polygon [1] [42]. See [1, 99].");
    const whole = chatResponseSchema.parse(
      await (await api.post("/v1/chat", { message: "zero moment point balance" }, token)).json(),
    );
    expect(whole.response).toBe("The ZMP stays inside the support polygon [1]. See [1].");

    stub.setReply({
      chunks: ["The ZMP ", "stays inside [", "4", "2] the ", "support polygon [", "1]", " [7", "7]."],
    });
    const { events } = await readSse(
      await api.post("/v1/chat/stream", { message: "zero moment point balance" }, token),
    );
    const deltas = events
      .filter((e) => e.event === "delta")
      .map((e) => streamEventSchemas.delta.parse(e.data).text);
    expect(deltas.join("")).toBe("The ZMP stays inside the support polygon [1].");
    expect(deltas.some((d) => /\[4|\[7/.test(d))).toBe(false);
  });

  it("streams sources, then the model's deltas in order, then done with mode llm", async () => {
    const pieces = [
      "A walking ",
      "robot ",
      "stays ",
      "balanced ",
      "while the ZMP ",
      "is in the ",
      "support polygon ",
      "[1].",
    ];
    stub.setReply({ chunks: pieces });
    const res = await api.post(
      "/v1/chat/stream",
      { message: "How does a walking robot keep its balance? zero moment point" },
      token,
    );
    const { events } = await readSse(res);
    expect(events[0]?.event).toBe("sources");
    const deltas = events
      .filter((e) => e.event === "delta")
      .map((e) => streamEventSchemas.delta.parse(e.data).text);
    expect(deltas.join("")).toBe(pieces.join(""));
    expect(deltas.length).toBeGreaterThan(3);
    expect(events.at(-1)?.event).toBe("done");
    expect(streamEventSchemas.done.parse(events.at(-1)?.data)).toMatchObject({ mode: "llm", grounded: true });
    expect(answerRequests()[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("puts a highlighted passage into the prompt as the primary context", async () => {
    stub.setReply("It measures torque through the spring [1].");
    const selectedText = "Measuring the spring's deflection gives the output torque.";
    const res = await api.post("/v1/chat", { message: "Explain this passage", selectedText }, token);
    expect(chatResponseSchema.parse(await res.json())).toMatchObject({ grounded: true, mode: "llm" });
    expect(systemOf(0)).toContain(`highlighted this passage of the book; it is the primary context`);
    expect(systemOf(0)).toContain(selectedText);
  });

  it("sends a comment heartbeat while a slow answer streams", async () => {
    const slow = await startTestApi(
      { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: stub.baseURL, RATE_LIMIT_PER_MINUTE: "1000" },
      { heartbeatMs: 40 },
    );
    try {
      stub.setTokenDelay(30);
      stub.setReply(Array.from({ length: 12 }, (_, i) => `w${i}`).join(" "));
      const res = await slow.post("/v1/chat/stream", { message: "zero moment point" }, token);
      expect(res.headers.get("x-accel-buffering")).toBe("no");
      const { events, comments } = await readSse(res);
      expect(comments.length).toBeGreaterThan(0);
      expect(comments.every((c) => c.trim() === "keep-alive")).toBe(true);
      expect(events.at(-1)?.event).toBe("done");
    } finally {
      await slow.stop();
    }
  });

  it("makes no LLM call and answers grounded=false when nothing relevant is found", async () => {
    const body = chatResponseSchema.parse(
      await (await api.post("/v1/chat", { message: "best sourdough bread recipe" }, token)).json(),
    );
    expect(body.grounded).toBe(false);
    const { events } = await readSse(
      await api.post("/v1/chat/stream", { message: "best sourdough bread recipe" }, token),
    );
    expect(streamEventSchemas.done.parse(events.at(-1)?.data).grounded).toBe(false);
    // Nor when the book only comes close: the closest sections are named, not handed to the model.
    const near = chatResponseSchema.parse(
      await (
        await api.post("/v1/chat", { message: "Why do humanoid robots fall over on icy stairs?" }, token)
      ).json(),
    );
    expect(near).toMatchObject({ grounded: false, mode: "extractive" });
    expect(near.sources.length).toBeGreaterThan(0);
    expect(stub.chatRequests()).toHaveLength(0);
  });

  it("aborts the upstream request when the client disconnects mid-stream", async () => {
    stub.setTokenDelay(50);
    stub.setReply(Array.from({ length: 200 }, (_, i) => `word${i}`).join(" "));
    const ctrl = new AbortController();
    const res = await api.post("/v1/chat/stream", { message: "zero moment point" }, token, {
      signal: ctrl.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let seen = "";
    while (!seen.includes("event: delta")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    ctrl.abort();
    await waitFor(() => answerRequests()[0]?.aborted === true, 30_000);
    expect(answerRequests()[0]?.finished).toBe(false);
    expect(answerRequests()[0]?.deltasSent).toBeLessThan(200);
  });
});

describe("LLM failures fall back to the extractive answer (local OpenAI-protocol stub)", () => {
  for (const [name, fault] of [
    ["429", { type: "status", status: 429, retryAfterSeconds: 1 }],
    ["500", { type: "status", status: 500 }],
    ["malformed JSON", { type: "malformed" }],
    ["timeout (upstream hangs)", { type: "hang" }],
  ] as const) {
    it(`/v1/chat: upstream ${name} → mode extractive with citations`, async () => {
      stub.failNext(1, fault, { endpoint: "chat" });
      // A hang ends only by the timeout: the impatient instance; every other fault ends the request by itself.
      const service = fault.type === "hang" ? impatient : api;
      const res = await service.post("/v1/chat", { message: "What is the zero moment point?" }, token);
      expect(res.status).toBe(200);
      const body = chatResponseSchema.parse(await res.json());
      expect(body).toMatchObject({ mode: "extractive", grounded: true });
      expect(body.response).toMatch(/support polygon.*\[1\]/s);
      expect(stub.chatRequests()).toHaveLength(1);
    });
  }

  it("/v1/chat/stream: upstream 500 before any text → extractive deltas and done(mode extractive)", async () => {
    stub.failNext(1, 500, { endpoint: "chat" });
    const { events } = await readSse(
      await api.post("/v1/chat/stream", { message: "What is the zero moment point?" }, token),
    );
    expect(events.map((e) => e.event)).not.toContain("error");
    expect(streamEventSchemas.done.parse(events.at(-1)?.data).mode).toBe("extractive");
    const text = events
      .filter((e) => e.event === "delta")
      .map((e) => streamEventSchemas.delta.parse(e.data).text)
      .join("");
    expect(text).toMatch(/support polygon/);
  });

  it("/v1/chat/stream: upstream hangs after the first tokens → an error event, not a hang", async () => {
    stub.setReply("one two three four five six seven eight");
    stub.failNext(1, { type: "hang", afterTokens: 2 }, { endpoint: "chat" });
    const { events } = await readSse(
      await impatient.post("/v1/chat/stream", { message: "zero moment point" }, token),
    );
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("sources");
    expect(names.slice(1, -1).every((n) => n === "delta")).toBe(true);
    expect(names.at(-1)).toBe("error");
    const text = events
      .filter((e) => e.event === "delta")
      .map((e) => streamEventSchemas.delta.parse(e.data).text);
    expect(text.join("")).toBe("one two");
    expect(streamEventSchemas.error.parse(events.at(-1)?.data).code).toBe("GENERATION_FAILED");
  });

  it("/v1/chat/stream: a stream cut midway → the deltas so far, then an error event", async () => {
    stub.setReply("one two three four five six seven eight");
    stub.failNext(1, { type: "cut", afterTokens: 3 }, { endpoint: "chat" });
    const { events } = await readSse(
      await api.post("/v1/chat/stream", { message: "zero moment point" }, token),
    );
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("sources");
    expect(names.at(-1)).toBe("error");
    expect(names).not.toContain("done");
  });

  it("counts tokens, stage timings, time to first token and degradations in /metrics", async () => {
    stub.setReply("Balance needs the ZMP in the support polygon [1].");
    await readSse(await api.post("/v1/chat/stream", { message: "zero moment point" }, token));
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/llm_tokens_total\{kind="completion"\} [1-9]/);
    expect(text).toMatch(/rag_stage_duration_seconds_count\{stage="generate"\} [1-9]/);
    expect(text).toMatch(/rag_stage_duration_seconds_count\{stage="retrieve"\} [1-9]/);
    expect(text).toMatch(/rag_time_to_first_token_seconds_count\{mode="llm"\} [1-9]/);
    expect(text).toMatch(/rag_degraded_total\{what="generate"\} [1-9]/);
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/v1\/chat",status="200"\} [1-9]/,
    );
  });
});

describe("bounded retries (local OpenAI-protocol stub, real openai SDK)", () => {
  it("a 429 with Retry-After is retried by the SDK and the answer still comes from the model", async () => {
    const retrying = await startTestApi({
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: stub.baseURL,
      LLM_MAX_RETRIES: "1",
    });
    try {
      stub.setReply("From the model [1].");
      stub.failNext(1, { type: "status", status: 429, retryAfterMs: 20 }, { endpoint: "chat" });
      const body = chatResponseSchema.parse(
        await (await retrying.post("/v1/chat", { message: "zero moment point" }, token)).json(),
      );
      expect(body).toMatchObject({ mode: "llm", response: "From the model [1]." });
      expect(answerRequests().map((r) => r.fault?.type ?? "ok")).toEqual(["status", "ok"]);
    } finally {
      await retrying.stop();
    }
  });
});
