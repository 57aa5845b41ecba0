// Dependencies down: Qdrant unreachable (a closed port) → 503 SEARCH_UNAVAILABLE fast; Redis stopped → per-instance limits, no 500s.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { freePort, startOwnedRedis } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { signToken, startTestApi } from "../../test/harness.ts";
import { healthDetailSchema } from "./health.ts";

describe("degraded dependencies", () => {
  it("Qdrant unreachable: the service starts, /health is 503, search and chat answer 503 SEARCH_UNAVAILABLE", async () => {
    const port = await freePort();
    const api = await startTestApi({ QDRANT_URL: `http://127.0.0.1:${port}` });
    try {
      const health = await fetch(`${api.url}/health`);
      expect(health.status).toBe(503);
      expect(healthDetailSchema.parse(await health.json()).error?.code).toBe("SEARCH_UNAVAILABLE");
      const token = await signToken();
      for (const [path, body] of [
        ["/v1/search", { query: "imu" }],
        ["/v1/chat", { message: "imu drift" }],
      ] as const) {
        const res = await api.post(path, body, token);
        expect(res.status).toBe(503);
        expect(errorEnvelopeSchema.parse(await res.json()).error.code).toBe("SEARCH_UNAVAILABLE");
      }
    } finally {
      await api.stop();
    }
  });

  it("Redis stopped: requests still succeed (limits per instance, revocation unchecked), /health says redis down", async () => {
    const redis = await startOwnedRedis();
    const api = await startTestApi({ REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const token = await signToken();
      expect((await api.post("/v1/search", { query: "imu" }, token)).status).toBe(200);
      await redis.stop();
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await api.post("/v1/search", { query: "imu" }, token)).status);
      // The in-memory insurance limiter takes over: still a limit, never a 500.
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(statuses).toContain(429);
      const health = healthDetailSchema.parse(await (await fetch(`${api.url}/health`)).json());
      expect(health).toMatchObject({ status: "healthy", redis: "down" });
      expect(api.logs.text()).toMatch(/redis unavailable|revocation check failed/);
    } finally {
      await api.stop();
      await redis.stop();
    }
  });
});
