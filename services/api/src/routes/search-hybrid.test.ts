// Hybrid retrieval with query embeddings from a local OpenAI-protocol stub (real openai SDK) over a vector-bearing SQLite index.
import { searchResponseSchema } from "@ai-book/contracts";
import { type OpenAIStub, startOpenAIStub, stubEmbedding } from "@ai-book/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BOOK, signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { healthDetailSchema } from "./health.ts";

const DIMS = 64;
const MODEL = "text-embedding-3-small";
let stub: OpenAIStub;
let api: TestApi;
let token: string;

beforeAll(async () => {
  stub = await startOpenAIStub();
  api = await startTestApi(
    {
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: stub.baseURL,
      EMBEDDING_MODEL: MODEL,
      EMBEDDING_DIMENSIONS: String(DIMS),
      LLM_MAX_RETRIES: "0",
      RATE_LIMIT_PER_MINUTE: "1000",
    },
    { embedding: { model: MODEL, dimensions: DIMS, embed: (t) => new Float32Array(stubEmbedding(t, DIMS)) } },
  );
  token = await signToken();
});
afterAll(async () => {
  await api.stop();
  await stub.close();
});
beforeEach(() => stub.reset());

describe("hybrid search with embeddings (local OpenAI-protocol stub, real openai SDK)", () => {
  it("embeds the query with the configured model and dimensions, and /health says hybrid", async () => {
    const res = await api.post("/v1/search", { query: "gyroscope drift correction", limit: 3 }, token);
    const body = searchResponseSchema.parse(await res.json());
    // The IMU section and its word-for-word appendix copy tie lexically; the dense leg may prefer either (the
    // copy's shorter embedded title), and the near-duplicate collapse keeps exactly one of them.
    const copies = [
      `${BOOK}/docs/sensors/imu#inertial-measurement-units`,
      `${BOOK}/docs/appendix/imu-notes#imu-notes`,
    ];
    expect(copies).toContain(body.results[0]?.url);
    expect(body.results.filter((r) => copies.includes(r.url))).toHaveLength(1);
    const [req] = stub.embeddingRequests();
    expect(req?.body).toMatchObject({
      model: MODEL,
      dimensions: DIMS,
      input: ["gyroscope drift correction"],
    });
    const health = healthDetailSchema.parse(await (await fetch(`${api.url}/health`)).json());
    expect(health).toMatchObject({
      retrieval: "hybrid",
      index: { embedding: { model: MODEL, dimensions: DIMS } },
    });
  });

  it("an embeddings failure degrades to lexical retrieval instead of failing the request", async () => {
    stub.failNext(1, 500, { endpoint: "embeddings" });
    const res = await api.post("/v1/search", { query: "series elastic actuator", limit: 3 }, token);
    expect(res.status).toBe(200);
    const body = searchResponseSchema.parse(await res.json());
    expect(body.results[0]?.url).toBe(`${BOOK}/docs/actuators#series-elastic-actuators`);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/rag_degraded_total\{what="embed"\} 1/);
  });
});
