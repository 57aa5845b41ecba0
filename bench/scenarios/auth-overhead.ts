// What the api-service's guard costs: an authenticated no-op route's p50 ÷ GET /health's p50 (JWT + rate limit + logging).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger, startServer } from "@ai-book/http";
import { createApp } from "../../services/api/src/app.ts";
import { loadConfig } from "../../services/api/src/config.ts";
import { buildDeps } from "../../services/api/src/deps.ts";
import type { Scenario } from "../lib/context.ts";
import { createClient } from "../lib/http-client.ts";
import { round, summarize } from "../lib/stats.ts";
import { mintToken } from "../lib/token.ts";

/** The no-op route the bench adds under /v1, behind the service's own /v1/* middleware. */
const NOOP_PATH = "/v1/bench-noop";
const PUBLIC_NOOP_PATH = "/bench-noop";

export const authOverhead: Scenario = {
  id: "auth",
  figures: ["auth_overhead_ratio"],
  async run(ctx) {
    const secret = randomBytes(32).toString("hex");
    const dataDir = join(ctx.workDir, "api-auth-overhead");
    const config = loadConfig({
      NODE_ENV: "production",
      JWT_SECRET: secret,
      DATA_DIR: dataDir,
      RATE_LIMIT_PER_MINUTE: "100000000",
      LOG_LEVEL: "info",
    });
    // Logs are serialised as in production, then dropped.
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const logger = createLogger({ service: "api-service", level: "info", destination: sink });
    const deps = await buildDeps(config, { logger });
    const app = createApp(deps);
    app.get(NOOP_PATH, (c) => c.json({ ok: true }));
    app.get(PUBLIC_NOOP_PATH, (c) => c.json({ ok: true }));
    const server = await startServer(app, { port: 0 });
    const client = createClient(server.url);
    try {
      const token = await mintToken(secret);
      const auth = { authorization: `Bearer ${token}` };
      const check = async (path: string, headers = {}) => {
        const r = await client.send("GET", path, headers);
        if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 200)}`);
      };
      const n = Math.max(20, ctx.profile.requests * 2);
      const times = { health: [] as number[], noop: [] as number[], publicNoop: [] as number[] };
      for (let i = 0; i < Math.min(200, n); i++) {
        await check("/health");
        await check(NOOP_PATH, auth);
        await check(PUBLIC_NOOP_PATH);
      }
      // Interleaved, so machine noise falls on all three alike.
      for (let i = 0; i < n; i++) {
        let t = performance.now();
        await check("/health");
        times.health.push(performance.now() - t);
        t = performance.now();
        await check(NOOP_PATH, auth);
        times.noop.push(performance.now() - t);
        t = performance.now();
        await check(PUBLIC_NOOP_PATH);
        times.publicNoop.push(performance.now() - t);
      }
      const h = summarize(times.health);
      const a = summarize(times.noop);
      const p = summarize(times.publicNoop);
      const ratio = a.p50 / h.p50;
      return [
        {
          name: "auth_overhead_ratio",
          value: round(ratio, 3),
          unit: "ratio (authenticated no-op p50 ÷ /health p50)",
          target: "<= 1.15",
          met: ratio <= 1.15,
          detail: {
            health_ms: { p50: round(h.p50, 3), p99: round(h.p99, 3) },
            auth_noop_ms: { p50: round(a.p50, 3), p99: round(a.p99, 3) },
            public_noop_ms: { p50: round(p.p50, 3), p99: round(p.p99, 3) },
            auth_vs_public_noop: round(a.p50 / p.p50, 3),
            requests_each: n,
          },
          note: `api-service built by createApp (empty index) with ${NOOP_PATH} added behind its /v1/* guard; sequential keep-alive requests`,
        },
      ];
    } finally {
      client.close();
      await server.close(1_000);
      await deps.close();
    }
  },
};
