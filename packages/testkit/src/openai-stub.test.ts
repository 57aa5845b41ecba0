// The OpenAI protocol stub, driven through the real openai SDK the services use.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type OpenAIStub, startOpenAIStub, stubEmbedding } from "./openai-stub.ts";
import { waitFor } from "./wait.ts";

let stub: OpenAIStub;
let client: OpenAI;

beforeAll(async () => {
  stub = await startOpenAIStub();
  client = new OpenAI({ apiKey: "sk-test", baseURL: stub.baseURL, maxRetries: 0, timeout: 5_000 });
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
};

describe("OpenAI stub (local OpenAI wire protocol) via the real openai SDK", () => {
  it("embeds deterministically, honours dimensions, decodes the SDK's default base64 and reports usage", async () => {
    const res = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["inverse kinematics of a humanoid arm", "inverse kinematics for robot arms", "cooking pasta"],
      dimensions: 64,
    });
    expect(res.data).toHaveLength(3);
    const [a, b, c] = res.data.map((d) => d.embedding);
    expect(a).toHaveLength(64);
    expect(cosine(a ?? [], a ?? [])).toBeCloseTo(1, 5);
    expect(cosine(a ?? [], b ?? [])).toBeGreaterThan(cosine(a ?? [], c ?? []));
    expect(Array.from(a ?? [])).toEqual(
      Array.from(new Float32Array(stubEmbedding("inverse kinematics of a humanoid arm", 64))),
    );
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    const again = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: "cooking pasta",
      dimensions: 64,
    });
    expect(again.data[0]?.embedding).toEqual(c);
    expect(stub.embeddingRequests()).toHaveLength(2);
  });

  it("answers a non-streaming chat with the scripted reply, seeing the messages, with usage", async () => {
    stub.setReply((req) => `You said: ${String(req.messages.at(-1)?.content)}`);
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hello there" },
      ],
    });
    expect(res.choices[0]?.message.content).toBe("You said: hello there");
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    const rec = stub.chatRequests()[0];
    expect(rec?.body).toMatchObject({ messages: [{ role: "system" }, { role: "user" }] });
    expect(rec?.finished).toBe(true);
  });

  it("streams deltas in order, then usage, then [DONE]", async () => {
    stub.setReply({ chunks: ["Robots ", "walk ", "[", "1", "]."] });
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "how do robots walk" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta.content;
      if (d) deltas.push(d);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(["Robots ", "walk ", "[", "1", "]."]);
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
    expect(stub.chatRequests()[0]?.deltasSent).toBe(5);
  });

  it("fails the next requests with 429 + Retry-After, then 500, then recovers", async () => {
    stub.failNext(1, { type: "status", status: 429, retryAfterSeconds: 7 });
    stub.failNext(1, 500);
    const call = () =>
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] });
    const first = await call().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OpenAI.RateLimitError);
    expect((first as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after")).toBe("7");
    await expect(call()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(call()).resolves.toMatchObject({ object: "chat.completion" });
  });

  it("the SDK's own retries honour retry-after-ms and succeed on the next attempt", async () => {
    const retrying = new OpenAI({ apiKey: "sk-test", baseURL: stub.baseURL, maxRetries: 2, timeout: 5_000 });
    stub.failNext(2, { type: "status", status: 429, retryAfterMs: 10 }, { endpoint: "embeddings" });
    const res = await retrying.embeddings.create({
      model: "text-embedding-3-small",
      input: "x",
      dimensions: 8,
    });
    expect(res.data).toHaveLength(1);
    expect(stub.embeddingRequests().map((r) => r.fault?.type ?? "ok")).toEqual(["status", "status", "ok"]);
  });

  it("sends malformed JSON, cuts a stream midway, and hangs until the client aborts", async () => {
    stub.failNext(1, "malformed");
    await expect(
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "q" }] }),
    ).rejects.toThrow();

    stub.setReply("one two three four five six");
    stub.failNext(1, { type: "cut", afterTokens: 2 });
    const got: string[] = [];
    await expect(
      (async () => {
        const s = await client.chat.completions.create({
          model: "m",
          messages: [{ role: "user", content: "q" }],
          stream: true,
        });
        for await (const ch of s) if (ch.choices[0]?.delta.content) got.push(ch.choices[0].delta.content);
      })(),
    ).rejects.toThrow();
    expect(got).toEqual(["one", " two"]);

    stub.failNext(1, "hang");
    const ctrl = new AbortController();
    const pending = client.chat.completions.create(
      { model: "m", messages: [{ role: "user", content: "q" }] },
      { signal: ctrl.signal },
    );
    await waitFor(() => stub.chatRequests().length === 3);
    ctrl.abort();
    await expect(pending).rejects.toThrow();
    await waitFor(() => stub.chatRequests()[2]?.aborted === true);
    expect(stub.chatRequests()[1]?.aborted).toBe(false);
  });

  it("records a client abort in the middle of a slow stream", async () => {
    stub.setTokenDelay(30);
    stub.setReply("a b c d e f g h i j k l m n o p");
    const ctrl = new AbortController();
    const s = await client.chat.completions.create(
      { model: "m", messages: [{ role: "user", content: "q" }], stream: true },
      { signal: ctrl.signal },
    );
    let n = 0;
    // The SDK ends the iteration quietly on abort.
    await (async () => {
      for await (const _ of s) if (++n === 3) ctrl.abort();
    })().catch(() => undefined);
    await waitFor(() => stub.chatRequests()[0]?.aborted === true);
    expect(stub.chatRequests()[0]?.finished).toBe(false);
    expect(stub.chatRequests()[0]?.deltasSent).toBeLessThan(16);
  });
});
