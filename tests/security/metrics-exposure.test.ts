// Issue 19, findings 4 and 13 (/health): metric labels stay bounded under random paths, and /metrics and the detailed /health need METRICS_TOKEN in production.
import { newSecret, type ServiceProcess, startApiProcess, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid } from "./hostile-jwt.ts";
import { call, envelopeCode, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

describe("finding 4 and 13: /metrics cardinality and exposure, public /health", () => {
  const dir = tempDir("ai-book-metrics-");
  const secret = newSecret();
  const metricsToken = newSecret();
  let dev: ServiceProcess;
  let prod: ServiceProcess;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([
      startApiProcess({ dataDir: `${dir.path}/dev`, jwtSecret: secret, rateLimitPerMinute: 1 }),
      startApiProcess({
        dataDir: `${dir.path}/prod`,
        jwtSecret: secret,
        nodeEnv: "production",
        env: { METRICS_TOKEN: metricsToken },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([dev?.stop(), prod?.stop()]);
    dir.cleanup();
  });

  it("random /v1 paths get 404 before the limiter and add no metric series", async () => {
    const auth = { authorization: `Bearer ${await signValid(secret)}` };
    expect((await postJson(`${dev.url}/v1/search`, { query: "IMU" }, { headers: auth })).status).toBe(200);
    const limited = await postJson(`${dev.url}/v1/search`, { query: "IMU" }, { headers: auth });
    expect(limited.status).toBe(429);
    for (let i = 0; i < 5; i++) {
      const path = `/v1/x${newSecret().slice(0, 8)}`;
      for (const a of [
        await call(`${dev.url}${path}`, { headers: auth }),
        await postJson(`${dev.url}${path}`, {}, { headers: auth }),
      ]) {
        expect(a.status, path).toBe(404);
        expect(envelopeCode(a)).toBe("NOT_FOUND");
      }
    }
    const metrics = (await call(`${dev.url}/metrics`)).text;
    const series = metrics.split("\n").filter((l) => l.startsWith("rate_limit_rejections_total{"));
    expect(series).toEqual(['rate_limit_rejections_total{route="/v1/search"} 1']);
    expect(metrics).not.toMatch(/\/v1\/x/);
  });

  it("production: /metrics only with the bearer METRICS_TOKEN; /health shows the public only its status", async () => {
    const anonymous = await call(`${prod.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(envelopeCode(anonymous)).toBe("UNAUTHORIZED");
    expect(
      (await call(`${prod.url}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token" } }))
        .status,
    ).toBe(401);
    const scraped = await call(`${prod.url}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toMatch(/http_request_duration_seconds/);

    const pub = await call(`${prod.url}/health`);
    expect(pub.status).toBe(200);
    expect(pub.json).toEqual({ status: "healthy", service: "api-service" });
    const detail = await call(`${prod.url}/health`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(detail.json).toMatchObject({
      status: "healthy",
      index: { backend: "sqlite" },
      answers: { mode: "extractive" },
    });
  });
});
