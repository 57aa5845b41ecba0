// Redis (owned by this test) stopped under both services: documented degradation, no 500s, and full function once it returns.
import {
  clientAddress,
  closeAddressAgents,
  fromAddress,
  newSecret,
  type OwnedRedis,
  type Reader,
  type RunningSystem,
  signUpReader,
  startOwnedRedis,
  startSystem,
  TRUSTED_ORIGIN,
  waitFor,
} from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { type Answer, call, envelopeCode, figure, postJson, sleep } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const LIMIT = 6;

describe("both services while Redis is down", () => {
  const secret = newSecret();
  let redis: OwnedRedis;
  let system: RunningSystem;
  let n = 0;
  const next = () => fromAddress(clientAddress(n++));

  const search = (jwt: string) =>
    postJson(
      `${system.api.url}/v1/search`,
      { query: "gyroscope drift" },
      { headers: { authorization: `Bearer ${jwt}` }, timeoutMs: 10_000 },
    );
  const signOut = (r: Reader) =>
    postJson(
      `${system.auth.url}/api/auth/sign-out`,
      {},
      { headers: { authorization: `Bearer ${r.sessionToken}`, origin: TRUSTED_ORIGIN }, dispatcher: next() },
    );
  const describeAnswer = (a: Answer) =>
    a.status === 0
      ? `no answer (${a.failure})`
      : `${a.status}${a.status >= 400 ? ` ${envelopeCode(a)}` : ""}`;

  beforeAll(async () => {
    redis = await startOwnedRedis();
    // Readers sign up inside the test, before Redis goes down.
    system = await startSystem({
      tempPrefix: "ai-book-redisfault-",
      jwtSecret: secret,
      redisUrl: redis.url,
      readers: 0,
      api: { rateLimitPerMinute: LIMIT },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await redis?.stop();
    await closeAddressAgents();
  });

  it("keeps serving without Redis (fail-open revocation, per-instance limits), never a 500, and recovers", async () => {
    const { auth, api } = system;
    const a = await signUpReader(auth.url, {}, { dispatcher: next() });
    const b = await signUpReader(auth.url, {}, { dispatcher: next() });
    const d = await signUpReader(auth.url, {}, { dispatcher: next() });
    expect((await search(a.jwt)).status).toBe(200);
    expect((await signOut(b)).status).toBe(200);
    const revokedBefore = await search(b.jwt);
    expect(envelopeCode(revokedBefore)).toBe("TOKEN_REVOKED");

    await redis.stop();
    await sleep(500);
    const during: Record<string, Answer> = {};
    during["api search (valid JWT)"] = await search(a.jwt);
    const x = await signValid(secret, validClaims({ userId: "limit-probe" }));
    const burst: Answer[] = [];
    for (let i = 0; i < LIMIT + 2; i++) burst.push(await search(x));
    during["auth sign-up"] = await postJson(
      `${auth.url}/api/auth/sign-up/email`,
      { name: "No Redis", email: `noredis-${Date.now()}@example.test`, password: "no redis password" },
      { headers: { origin: TRUSTED_ORIGIN }, dispatcher: next(), timeoutMs: 15_000 },
    );
    during["auth sign-in"] = await postJson(
      `${auth.url}/api/auth/sign-in/email`,
      { email: a.email, password: a.password },
      { headers: { origin: TRUSTED_ORIGIN }, dispatcher: next(), timeoutMs: 15_000 },
    );
    during["auth /jwt"] = await call(`${auth.url}/api/auth/jwt`, {
      headers: { authorization: `Bearer ${a.sessionToken}` },
      timeoutMs: 15_000,
    });
    during["auth sign-out"] = await signOut(d);
    during["auth /health"] = await call(`${auth.url}/health`);
    during["api /health"] = await call(`${api.url}/health`);

    await redis.start();
    const restarted = Date.now();
    // Both services reconnect on their own: a sign-out is again seen by the api-service.
    let e: Reader | undefined;
    await waitFor(
      async () => {
        e ??= await signUpReader(auth.url, {}, { dispatcher: next() });
        return (await signOut(e)).status === 200;
      },
      30_000,
      500,
    );
    await waitFor(async () => envelopeCode(await search(e!.jwt)) === "TOKEN_REVOKED", 30_000, 250);
    const recoveredMs = Date.now() - restarted;

    // After a restart with an empty Redis: sessions live on in PostgreSQL, and a sign-out the client was told
    // failed (503) must not have ended the session while leaving its token valid.
    const session = async (r: Reader) =>
      (
        await call(`${auth.url}/api/auth/get-session`, {
          headers: { authorization: `Bearer ${r.sessionToken}` },
        })
      ).json as { user?: { id: string } } | null;
    const aSession = await session(a);
    const dSession = await session(d);
    const dToken = envelopeCode(await search(d.jwt));
    const bToken = await search(b.jwt);
    const after: Record<string, string> = {
      "session of a reader signed in before the outage": aSession?.user ? "still valid" : "lost",
      "session whose sign-out got 503": dSession?.user
        ? "still valid (sign-out can be retried)"
        : `ended, its JWT → ${dToken}`,
      "JWT revoked before the outage":
        bToken.status === 200
          ? "accepted again (the revocation set lived only in Redis memory)"
          : envelopeCode(bToken),
    };
    const afterText = Object.entries(after)
      .map(([k, v]) => `${k}: ${v}`)
      .join("; ");

    const limited = burst.filter((r) => r.status === 429).length;
    figure(
      "faults",
      `Redis outage: ${Object.entries(during)
        .map(([k, v]) => `${k} → ${describeAnswer(v)}`)
        .join(
          "; ",
        )}; ${burst.length} searches of one reader → ${limited}×429 (limit ${LIMIT}); revocation working again ${recoveredMs} ms after restart; after an empty restart: ${afterText}`,
    );
    const serverErrors = [...Object.entries(during), ...burst.map((r, i) => [`burst ${i}`, r] as const)]
      .filter(([, v]) => v.status === 0 || (v.status >= 500 && v.status !== 503))
      .map(([k, v]) => `${k}: ${describeAnswer(v)} ${v.text.slice(0, 120)}`);
    expect(serverErrors).toEqual([]);
    expect(during["api search (valid JWT)"]!.status).toBe(200);
    expect(limited, "the per-reader limit still holds (per instance)").toBeGreaterThan(0);
    expect(api.output()).toMatch(/redis/i);
    expect(aSession?.user?.id, "sessions must survive a Redis restart (they are stored in PostgreSQL)").toBe(
      a.userId,
    );
    // Documented (docs/RELIABILITY.md): a sign-out answered 503 leaves the session valid, so it can be retried ...
    expect(dSession?.user?.id, `sign-out answered 503 but the session ended (its JWT → ${dToken})`).toBe(
      d.userId,
    );
    // ... and the revocation set lives only in Redis: after a restart without persistence, a JWT revoked before
    // the outage is accepted again until it expires (why production runs Redis with AOF/RDB).
    expect(bToken.status, `JWT revoked before the outage: ${describeAnswer(bToken)}`).toBe(200);
    expect(auth.running() && api.running()).toBe(true);
  });
});
