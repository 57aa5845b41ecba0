// With REDIS_URL: instances share rate limits and sessions through Redis, and sign-out lists the session as revoked.
import { randomUUID } from "node:crypto";
import { errorEnvelopeSchema, REVOKED_SESSION_PREFIX, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { closeAddressAgents, requireEnv, startOwnedRedis, waitFor } from "@ai-book/testkit";
import { sql } from "drizzle-orm";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { Redis } from "ioredis";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { schema } from "../src/db/schema.ts";
import { call, cookieOf } from "./client.ts";
import { type RunningAuth, startAuth, uniqueEmail } from "./helpers.ts";

const REDIS_URL = requireEnv("REDIS_URL");

afterAll(closeAddressAgents);

describe.skipIf(!REDIS_URL)("two instances with REDIS_URL", () => {
  const prefix = `ai-book-test-${randomUUID().slice(0, 8)}:`;
  let a: RunningAuth;
  let b: RunningAuth;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL!);
    const env = { REDIS_URL: REDIS_URL!, JWT_EXPIRES_IN: "2h" };
    // Two instances of one deployment: one database, one Redis, separate processes' worth of state.
    a = await startAuth({ env, redisKeyPrefix: prefix });
    b = await startAuth({ env, redisKeyPrefix: prefix, shareDatabaseOf: a });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it("shares the sign-in rate limit between two instances", async () => {
    const email = uniqueEmail("shared");
    const from = "127.0.41.1";
    const attempt = (auth: RunningAuth, src = from) =>
      call(auth.url, "/api/auth/sign-in/email", { from: src, body: { email, password: "wrong password" } });
    for (const auth of [a, b, a, b, a]) expect((await attempt(auth)).status).toBe(401);
    for (const auth of [b, a]) {
      const res = await attempt(auth);
      expect(res.status).toBe(429);
      expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("RATE_LIMITED");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect((await attempt(b, "127.0.41.2")).status).toBe(401);
    const keys = await redis.keys(`${prefix}*sign-in*`);
    expect(keys.some((k) => k.includes("127.0.41.1"))).toBe(true);
  });

  it("keeps sessions in the database as well as Redis, and lists signed-out sessions as revoked", async () => {
    const from = "127.0.41.3";
    const up = await call(a.url, "/api/auth/sign-up/email", {
      from,
      body: { name: "R", email: uniqueEmail("revoked"), password: "a long enough password" },
    });
    expect(up.status).toBe(200);
    const sid = decodeJwt(up.headers.get(SET_AUTH_JWT_HEADER)!).sid as string;
    const db = a.service.database.db as PgliteDatabase<typeof schema>;
    const rows = await db.execute(sql`select id from session where id = ${sid}`);
    expect(rows.rows).toHaveLength(1);
    expect(await redis.get(`${REVOKED_SESSION_PREFIX}${sid}`)).toBeNull();
    // The other instance knows the session too, and a profile change made there shows in tokens from here.
    expect((await call(b.url, "/api/auth/jwt", { from, bearer: up.json.token })).status).toBe(200);
    const update = await call(b.url, "/api/auth/update-user", {
      from,
      bearer: up.json.token,
      body: { softwareBackground: "Advanced" },
    });
    expect(update.status).toBe(200);
    const fresh = await call(a.url, "/api/auth/jwt", { from, bearer: up.json.token });
    expect(decodeJwt(fresh.json.token).softwareBackground).toBe("Advanced");

    const out = await call(a.url, "/api/auth/sign-out", { from, cookie: cookieOf(up), body: {} });
    expect(out.status).toBe(200);
    expect(await redis.get(`${REVOKED_SESSION_PREFIX}${sid}`)).toBe("1");
    const ttl = await redis.ttl(`${REVOKED_SESSION_PREFIX}${sid}`);
    expect(ttl).toBeGreaterThan(2 * 3600 - 60);
    // The token lifetime plus the verifier's clock tolerance (JWT_CLOCK_TOLERANCE_S).
    expect(ttl).toBeLessThanOrEqual(2 * 3600 + 30);
    expect((await db.execute(sql`select id from session where id = ${sid}`)).rows).toHaveLength(0);
    for (const auth of [a, b]) {
      expect((await call(auth.url, "/api/auth/jwt", { from, bearer: up.json.token })).status).toBe(401);
    }
  });
});

describe.skipIf(!REDIS_URL)("when its Redis stops answering", () => {
  it("answers auth requests with a prompt 503 in the envelope, and /health says unhealthy until Redis is back", {
    timeout: 240_000,
  }, async () => {
    // A Redis of our own, since we stop it (and start it again).
    const owned = await startOwnedRedis();
    let auth: RunningAuth | undefined;
    try {
      auth = await startAuth({ env: { REDIS_URL: owned.url } });
      const from = "127.0.42.1";
      const up = await call(auth.url, "/api/auth/sign-up/email", {
        from,
        body: { name: "O", email: uniqueEmail("outage"), password: "a long enough password" },
      });
      expect(up.status).toBe(200);
      const warnings = () => auth!.logs.lines.filter((l) => l.includes('"msg":"redis error"')).length;
      const warnedBefore = warnings();
      let errors = 0;
      auth.service.redis?.on("error", () => errors++);
      const outageStarted = Date.now();
      await owned.stop();
      for (const res of [
        await call(auth.url, "/api/auth/jwt", { from, bearer: up.json.token }),
        await call(auth.url, "/api/auth/sign-in/email", {
          from,
          body: { email: "o@example.com", password: "a long enough password" },
        }),
      ]) {
        expect(res.status).toBe(503);
        expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("SERVICE_UNAVAILABLE");
      }
      const health = await call(auth.url, "/health", { origin: null });
      expect(health.status).toBe(503);
      expect(health.json).toMatchObject({ status: "unhealthy", redis: "down" });
      // Issue 19, item 13: ioredis reports every reconnect attempt; the log gets one warning per 10 s of outage.
      await waitFor(() => errors >= 5, 60_000);
      const allowed = 1 + Math.floor((Date.now() - outageStarted) / 10_000);
      const warned = warnings() - warnedBefore;
      expect(warned, `${errors} Redis errors were logged as ${warned} warnings`).toBeGreaterThanOrEqual(1);
      expect(warned).toBeLessThanOrEqual(allowed);
      await owned.start();
      await waitFor(
        async () => (await call(auth!.url, "/health", { origin: null })).status === 200,
        30_000,
        250,
      );
    } finally {
      await auth?.stop();
      await owned.stop();
    }
  });
});
