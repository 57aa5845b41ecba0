// Coverage gaps clustered by meaning: question embeddings from a local server speaking the OpenAI wire protocol
// (testkit stub, real openai SDK), over an index whose sections carry vectors of the same model.
import { chatResponseSchema, insightsGapsSchema } from "@ai-book/contracts";
import { type OpenAIStub, startOpenAIStub, stubWords } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { clusterQuestions } from "../history/gaps.ts";

const DIMS = 64;
const MODEL = "text-embedding-3-small";

/**
 * A stand-in for a semantic embedding model: words of one subject point the same way (one dimension per subject),
 * every other word adds a little noise on a hashed dimension. Paraphrases that share no word still land close.
 */
const SUBJECTS: Record<string, number> = {};
for (const w of "bake baking sourdough loaf dough rise yeast bread flour oven".split(" ")) SUBJECTS[w] = 0;
for (const w of "magnetometer magnetic compass calibrate calibration heading imu gyroscope accelerometer inertial sensor".split(
  " ",
))
  SUBJECTS[w] = 1;

function subjectEmbedding(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const w of stubWords(text)) {
    const subject = SUBJECTS[w];
    if (subject !== undefined) v[subject] = (v[subject] ?? 0) + 1;
    else {
      let h = 0;
      for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      const i = 2 + (h % (DIMS - 2));
      v[i] = (v[i] ?? 0) + 0.2;
    }
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/** Paraphrases of two off-book questions: no two of them share two content words. */
const BAKING = [
  "How do I bake a sourdough loaf?",
  "Why won't my dough rise overnight?",
  "What yeast works best for bread?",
];
const COMPASS = [
  "How do I calibrate a magnetometer?",
  "What is the procedure for compass calibration?",
  "Which magnetic heading corrections does a compass need?",
];

let stub: OpenAIStub;
let api: TestApi;
let author: string;

beforeAll(async () => {
  stub = await startOpenAIStub({ embed: (text) => subjectEmbedding(text) });
  api = await startTestApi(
    {
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: stub.baseURL,
      EMBEDDING_MODEL: MODEL,
      EMBEDDING_DIMENSIONS: String(DIMS),
      // Every gaps request asks the provider again (the failure case below needs it).
      EMBEDDING_CACHE_SIZE: "0",
      LLM_MAX_RETRIES: "0",
      RATE_LIMIT_PER_MINUTE: "1000",
      CHAT_RETENTION_DAYS: "0",
    },
    {
      embedding: {
        model: MODEL,
        dimensions: DIMS,
        embed: (t) => new Float32Array(subjectEmbedding(t)),
      },
    },
  );
  author = await signToken({ userId: "ines", claims: { role: "author" } });
  const reader = await signToken({ userId: "jon" });
  for (const message of [...BAKING, ...COMPASS]) {
    const res = await api.post("/v1/chat", { message }, reader);
    expect(chatResponseSchema.parse(await res.json()).grounded).toBe(false);
  }
  await api.deps.recorder.flush();
});
afterAll(async () => {
  await api?.stop();
  await stub?.close();
});

const gaps = async () => {
  const res = await fetch(`${api.url}/v1/insights/gaps`, { headers: { authorization: `Bearer ${author}` } });
  expect(res.status).toBe(200);
  return insightsGapsSchema.parse(await res.json());
};

describe("coverage gaps with embeddings (local OpenAI-protocol stub, real openai SDK)", () => {
  it("puts paraphrased off-book questions in one cluster each, with the sections closest in meaning", async () => {
    // Offline, shared words alone cannot tell these are the same questions.
    const lexical = clusterQuestions(
      [...BAKING, ...COMPASS].map((question) => ({ question, userId: "jon" })),
    );
    expect(Math.max(...lexical.map((c) => c.members.length))).toBe(1);

    stub.reset();
    const { clusters } = await gaps();
    const baking = clusters.find((k) => k.examples.includes(BAKING[0] as string));
    const compass = clusters.find((k) => k.examples.includes(COMPASS[0] as string));
    expect(baking?.size).toBe(3);
    expect(new Set(baking?.examples)).toEqual(new Set(BAKING));
    expect(compass?.size).toBe(3);
    expect(new Set(compass?.examples)).toEqual(new Set(COMPASS));
    expect(clusters).toHaveLength(2);
    // The compass questions share no word with the book, yet the IMU sections are the closest in meaning.
    expect(compass?.sections[0]?.url).toMatch(/\/imu(-notes)?#/);
    // The questions went to the provider, each wording once.
    const embedded = stub.embeddingRequests().flatMap((r) => (r.body as { input: string[] }).input);
    expect(embedded.sort()).toEqual([...BAKING, ...COMPASS].sort());
  });

  it("falls back to the lexical clusters when the embedding provider fails, and counts it", async () => {
    stub.reset();
    stub.failNext(5, 500, { endpoint: "embeddings" });
    const { clusters } = await gaps();
    expect(clusters.map((k) => k.size)).toEqual([1, 1, 1, 1, 1, 1]);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/rag_degraded_total\{what="embed"\} [1-9]/);
  });
});
