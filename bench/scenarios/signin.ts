// Sign-in cost against its floor: POST /api/auth/sign-in/email p50 ÷ Better Auth's bare password verify p50.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Writable } from "node:stream";
import { startServer } from "@ai-book/http";
import { hashPassword, verifyPassword } from "better-auth/crypto";
import { createAuthService } from "../../services/auth/src/app.ts";
import { loadConfig } from "../../services/auth/src/config.ts";
import type { Scenario } from "../lib/context.ts";
import { round, summarize } from "../lib/stats.ts";

const ORIGIN = "http://localhost:3000";

export const signinOverhead: Scenario = {
  id: "signin",
  figures: ["signin_overhead_ratio"],
  async run(ctx) {
    const config = loadConfig({
      NODE_ENV: "production",
      DATA_DIR: join(ctx.workDir, "auth"),
      BETTER_AUTH_SECRET: randomBytes(32).toString("hex"),
      JWT_SECRET: randomBytes(32).toString("hex"),
      CORS_ORIGINS: ORIGIN,
      LOG_LEVEL: "info",
    });
    // The only change from the defaults: sign-in's 5-per-15-minutes limit would stop a timed loop.
    config.rateLimit = {
      ...config.rateLimit,
      rules: { ...config.rateLimit.rules, "/sign-in/email": { window: 900, max: 1_000_000 } },
    };
    // Logs are written (the cost is part of the path) and dropped.
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const service = await createAuthService(config, { logDestination: sink });
    const server = await startServer(service.app, { port: 0 });
    try {
      const email = "bench.reader@example.com";
      const password = "correct horse battery staple";
      const headers = { "content-type": "application/json", origin: ORIGIN };
      const up = await fetch(`${server.url}/api/auth/sign-up/email`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: "Bench Reader", email, password }),
      });
      if (up.status !== 200) throw new Error(`sign-up failed: ${up.status} ${await up.text()}`);
      const signIn = async () => {
        const res = await fetch(`${server.url}/api/auth/sign-in/email`, {
          method: "POST",
          headers,
          body: JSON.stringify({ email, password }),
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${text.slice(0, 200)}`);
      };
      const hash = await hashPassword(password);
      const verify = async () => {
        if (!(await verifyPassword({ hash, password }))) throw new Error("bare verify failed");
      };
      // Sign-ins cost a scrypt each (tens of ms): a bounded count, interleaved with the bare verify.
      const n = ctx.profile.signins;
      for (let i = 0; i < 2; i++) {
        await signIn();
        await verify();
      }
      const signins: number[] = [];
      const verifies: number[] = [];
      for (let i = 0; i < n; i++) {
        let t = performance.now();
        await signIn();
        signins.push(performance.now() - t);
        t = performance.now();
        await verify();
        verifies.push(performance.now() - t);
      }
      const s = summarize(signins);
      const v = summarize(verifies);
      const ratio = s.p50 / v.p50;
      return [
        {
          name: "signin_overhead_ratio",
          value: round(ratio, 3),
          unit: "ratio (sign-in p50 ÷ bare verify p50)",
          target: "<= 1.3",
          met: ratio <= 1.3,
          detail: {
            signin_ms: { p50: round(s.p50), p99: round(s.p99) },
            verify_ms: { p50: round(v.p50), p99: round(v.p99) },
            requests: n,
            database: service.database.kind,
          },
          note: "auth-service built by createAuthService on embedded PGlite; sign-in rate limit raised for the loop",
        },
      ];
    } finally {
      await server.close(1_000);
      await service.close();
    }
  },
};
