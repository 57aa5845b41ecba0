// The query-embedding cache over the real OpenAI embedder and a local OpenAI-protocol stub: what reaches the provider.
import { describe, expect, it } from "vitest";
import { useOpenAIStub } from "../../test/openai-stub.ts";
import { createOpenAIEmbedder } from "../adapters/embed/openai.ts";
import { cachedEmbedder } from "./embed-cache.ts";

describe("cachedEmbedder (local OpenAI-protocol stub)", () => {
  const openai = useOpenAIStub();

  const make = (maxEntries = 100) =>
    cachedEmbedder(
      createOpenAIEmbedder({
        apiKey: "test-key",
        baseURL: openai.stub.baseURL,
        dimensions: 16,
        maxRetries: 0,
      }),
      { maxEntries },
    );
  const inputs = () => openai.stub.embeddingRequests().map((r) => (r.body as { input: string[] }).input);

  it("asks the provider once per text and answers repeats from memory", async () => {
    const embedder = make();
    const [a] = await embedder.embed(["what is a servo"]);
    const [again] = await embedder.embed(["what is a servo"]);
    expect(again).toEqual(a);
    await embedder.embed(["what is a servo", "what is lidar"]);
    expect(inputs()).toEqual([["what is a servo"], ["what is lidar"]]);
    expect(embedder.stats()).toEqual({ hits: 2, misses: 2, size: 2 });
    expect(embedder.model).toBe("text-embedding-3-small");
    expect(embedder.dimensions).toBe(16);
  });

  it("shares one provider call between concurrent requests for the same text", async () => {
    openai.stub.setFirstByteDelay(50);
    const embedder = make();
    const all = await Promise.all(Array.from({ length: 5 }, () => embedder.embed(["balance control"])));
    expect(inputs()).toEqual([["balance control"]]);
    for (const [v] of all) expect(v).toEqual(all[0]?.[0]);
  });

  it("does not remember a failure: the next request asks again", async () => {
    openai.stub.failNext(1, 500, { endpoint: "embeddings" });
    const embedder = make();
    await expect(embedder.embed(["gait"])).rejects.toThrow();
    const [v] = await embedder.embed(["gait"]);
    expect(v).toHaveLength(16);
    expect(inputs()).toEqual([["gait"], ["gait"]]);
  });

  it("lets a caller give up without failing the others waiting on the same call", async () => {
    openai.stub.setFirstByteDelay(100);
    const embedder = make();
    const ctl = new AbortController();
    const first = embedder.embed(["torque"], { signal: ctl.signal });
    const second = embedder.embed(["torque"]);
    ctl.abort();
    await expect(first).rejects.toThrow(/abort/i);
    const [v] = await second;
    expect(v).toHaveLength(16);
    expect(inputs()).toEqual([["torque"]]);
    // The finished call was remembered for the next reader.
    await embedder.embed(["torque"]);
    expect(inputs()).toHaveLength(1);
  });

  it("forgets the least recently used text past its size", async () => {
    const embedder = make(2);
    await embedder.embed(["a1"]);
    await embedder.embed(["b2"]);
    await embedder.embed(["a1"]);
    await embedder.embed(["c3"]); // forgets b2, the least recently used
    await embedder.embed(["a1"]);
    await embedder.embed(["b2"]);
    expect(inputs()).toEqual([["a1"], ["b2"], ["c3"], ["b2"]]);
  });
});
