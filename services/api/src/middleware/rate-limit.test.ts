// Per-reader rate limit through a running server: the 11th request in a minute → 429; with Redis, instances share the count.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { requireEnv } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, startTestApi, type TestApi } from "../../test/harness.ts";

describe("rate limit in memory (RATE_LIMIT_PER_MINUTE=10)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ RATE_LIMIT_PER_MINUTE: "10" });
  });
  afterAll(() => api.stop());

  it("lets 10 requests through, refuses the 11th with 429, Retry-After and RateLimit headers; per reader", async () => {
    const reader = await signToken({ userId: "reader-a" });
    const paths = ["/v1/search", "/v1/chat", "/v1/chat/stream"];
    for (let i = 0; i < 10; i++) {
      const path = paths[i % 3] ?? "/v1/search";
      const res = await api.post(
        path,
        path === "/v1/search" ? { query: "imu" } : { message: "imu drift" },
        reader,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-remaining")).toBe(String(9 - i));
      await res.arrayBuffer();
    }
    const res = await api.post("/v1/search", { query: "imu" }, reader);
    expect(res.status).toBe(429);
    const body = errorEnvelopeSchema.parse(await res.json());
    expect(body.error.code).toBe("RATE_LIMITED");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get("ratelimit-limit")).toBe("10");
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
    expect(res.headers.get("ratelimit-policy")).toBe("10;w=60");
    // Another reader has a budget of their own.
    expect(
      (await api.post("/v1/search", { query: "imu" }, await signToken({ userId: "reader-b" }))).status,
    ).toBe(200);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/rate_limit_rejections_total\{route="\/v1\/search"\} 1/);
  });

  it("does not count health, metrics or OpenAPI requests", async () => {
    for (let i = 0; i < 15; i++) expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });
});

const redisUrl = requireEnv("REDIS_URL");

describe.skipIf(!redisUrl)("rate limit shared through Redis by two instances", () => {
  let a: TestApi;
  let b: TestApi;
  beforeAll(async () => {
    // A prefix of our own on the shared Redis, so no other suite's counts mix with ours.
    const env = {
      REDIS_URL: redisUrl,
      RATE_LIMIT_PER_MINUTE: "10",
      RATE_LIMIT_KEY_PREFIX: `test-rl-${crypto.randomUUID()}:`,
    };
    a = await startTestApi(env);
    b = await startTestApi(env);
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  it("6 requests on one instance and 4 on the other exhaust the reader's 10; the 11th is refused by both", async () => {
    const reader = await signToken({ userId: `shared-${crypto.randomUUID()}` });
    for (let i = 0; i < 6; i++)
      expect((await a.post("/v1/search", { query: "imu" }, reader)).status).toBe(200);
    for (let i = 0; i < 4; i++)
      expect((await b.post("/v1/search", { query: "imu" }, reader)).status).toBe(200);
    expect((await a.post("/v1/search", { query: "imu" }, reader)).status).toBe(429);
    expect((await b.post("/v1/search", { query: "imu" }, reader)).status).toBe(429);
  });
});
