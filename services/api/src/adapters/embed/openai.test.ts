// The OpenAI embedder against a local server speaking the OpenAI wire protocol (testkit stub), via the real SDK.
import { stubEmbedding } from "@ai-book/testkit";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { useOpenAIStub } from "../../../test/openai-stub.ts";
import { createOpenAIEmbedder, planBatches } from "./openai.ts";

describe("planBatches", () => {
  it("closes a batch at the input limit or before the token limit", () => {
    expect(planBatches([1, 1, 1, 1, 1], 2, 100)).toEqual([[0, 1], [2, 3], [4]]);
    expect(planBatches([60, 50, 10, 100], 10, 100)).toEqual([[0], [1, 2], [3]]);
    expect(planBatches([500], 10, 100)).toEqual([[0]]);
  });
});

describe("OpenAI embedder (local OpenAI-protocol stub)", () => {
  const openai = useOpenAIStub();

  /** The embedder under test, against the stub; `opts` override the defaults. */
  const embedderWith = (opts: Partial<Parameters<typeof createOpenAIEmbedder>[0]> = {}) =>
    createOpenAIEmbedder({ apiKey: "test-key", baseURL: openai.stub.baseURL, dimensions: 16, ...opts });

  const texts = Array.from({ length: 10 }, (_, i) => `Chunk ${i} about servo motor number ${i}.`);

  it("batches inputs within the per-request limits and keeps the order", async () => {
    const embedder = embedderWith({
      model: "text-embedding-3-small",
      dimensions: 32,
      maxInputsPerRequest: 4,
      concurrency: 2,
    });
    const vectors = await embedder.embed(texts);
    const requests = openai.stub.embeddingRequests();
    expect(requests.map((r) => (r.body as { input: string[] }).input.length)).toEqual([4, 4, 2]);
    expect((requests[0]!.body as { dimensions?: number }).dimensions).toBe(32);
    expect(vectors).toHaveLength(10);
    vectors.forEach((v, i) => {
      expect(Array.from(v)).toEqual(Array.from(Float32Array.from(stubEmbedding(texts[i]!, 32))));
    });
    expect(embedder.usage().requests).toBe(3);
    expect(embedder.usage().tokens).toBeGreaterThan(0);
  });

  it("splits by tokens too", async () => {
    const embedder = embedderWith({ maxInputsPerRequest: 100, maxTokensPerRequest: 25 });
    await embedder.embed(texts);
    const sizes = openai.stub.embeddingRequests().map((r) => (r.body as { input: string[] }).input.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(sizes.length).toBeGreaterThan(1);
  });

  it("cuts an input longer than the model's context to its first maxInputTokens tokens", async () => {
    const embedder = embedderWith({ maxInputTokens: 8 });
    const long = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
    await embedder.embed([long, "short one"]);
    const [sent, short] =
      (openai.stub.embeddingRequests()[0]?.body as { input: string[] } | undefined)?.input ?? [];
    expect(long.startsWith(sent ?? "x")).toBe(true);
    expect(sent?.length).toBeLessThan(long.length);
    expect(sent?.split(" ").length).toBeGreaterThanOrEqual(4);
    expect(short).toBe("short one");
  });

  it("counts and cuts with cl100k_base (the embedding models' encoding), control strings as text", async () => {
    const embedder = embedderWith({ maxInputTokens: 12 });
    // Japanese takes more cl100k tokens than o200k ones: a cut by the wrong encoding would leave it too long.
    const long = "ロボットの歩行制御は重心とゼロモーメントポイントで考える <|endoftext|>";
    await embedder.embed([long]);
    const sent =
      (openai.stub.embeddingRequests()[0]?.body as { input: string[] } | undefined)?.input[0] ?? "";
    expect(countTokens(sent, { disallowedSpecial: new Set() })).toBeLessThanOrEqual(12);
    expect(long.startsWith(sent)).toBe(true);
    await embedder.embed(["a <|endoftext|> b"]);
    expect((openai.stub.embeddingRequests()[1]?.body as { input: string[] } | undefined)?.input).toEqual([
      "a <|endoftext|> b",
    ]);
  });

  it("batches by exact token counts when bytes alone would overflow the request limit", async () => {
    // Each text is about 6 tokens but 27 bytes: by bytes every request would hold one text.
    const embedder = embedderWith({ maxInputsPerRequest: 100, maxTokensPerRequest: 50 });
    const inputs = Array.from({ length: 10 }, (_, i) => `servo motor torque sensor ${i}`);
    await embedder.embed(inputs);
    const sizes = openai.stub.embeddingRequests().map((r) => (r.body as { input: string[] }).input.length);
    const byTokens = planBatches(
      inputs.map((t) => countTokens(t)),
      100,
      50,
    ).map((b) => b.length);
    expect(sizes).toEqual(byTokens);
    expect(sizes.length).toBeLessThan(4);
  });

  it("retries 429 (honouring Retry-After) and 5xx, then succeeds", async () => {
    const embedder = embedderWith({ dimensions: 8 });
    openai.stub.failNext(1, { type: "status", status: 429, retryAfterMs: 50 }, { endpoint: "embeddings" });
    openai.stub.failNext(1, 503, { endpoint: "embeddings" });
    const vectors = await embedder.embed(["one text"]);
    expect(vectors).toHaveLength(1);
    expect(openai.stub.embeddingRequests()).toHaveLength(3);
    expect(embedder.usage().requests).toBe(1);
  });

  it("gives up after its retries with the provider's error", async () => {
    const embedder = embedderWith({ dimensions: 8, maxRetries: 1 });
    openai.stub.failNext(5, 500, { endpoint: "embeddings" });
    await expect(embedder.embed(["x"])).rejects.toThrow();
    expect(openai.stub.embeddingRequests()).toHaveLength(2);
  });

  it("refuses vectors of the wrong size", async () => {
    const embedder = embedderWith({ model: "other-model", dimensions: 8 });
    // the model takes no `dimensions`, so the stub answers with its default size
    await expect(embedder.embed(["x"])).rejects.toThrow(/EMBEDDING_DIMENSIONS/);
  });
});
