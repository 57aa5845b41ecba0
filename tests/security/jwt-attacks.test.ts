// Hostile JWTs against every protected route of the real api-service (HS256 and the asymmetric JWKS mode): always 401 with a reason.
import {
  clientAddress,
  closeAddressAgents,
  fromAddress,
  newSecret,
  type RunningSystem,
  type ServiceProcess,
  startSystem,
} from "@ai-book/testkit";
import type { JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildHostileTokens, buildKeyConfusionTokens, type HostileCase } from "./hostile-jwt.ts";
import { type Answer, envelopeCode, figure, median, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const ROUTES = [
  { path: "/v1/chat", body: { message: "What does an IMU measure?" } },
  { path: "/v1/chat/stream", body: { message: "What does an IMU measure?" } },
  { path: "/v1/search", body: { query: "IMU", limit: 3 } },
] as const;

/** Which of the corpus' answers are wrong, as readable lines (empty = all good). */
function judge(route: string, c: HostileCase, a: Answer): string | undefined {
  const where = `${route} · ${c.name}`;
  if (c.allowHeaderTooLarge && a.status === 431) return undefined;
  if (a.status !== 401) return `${where}: status ${a.status || a.failure} (want 401) ${a.text.slice(0, 160)}`;
  const code = envelopeCode(a);
  if (!(c.expect as string[]).includes(code)) return `${where}: code ${code} (want ${c.expect.join(" | ")})`;
  const www = a.headers.get("www-authenticate") ?? "";
  if (!/^Bearer\b/i.test(www)) return `${where}: WWW-Authenticate "${www}" (want Bearer …)`;
  if (code !== "TOKEN_MISSING" && !/error="invalid_token"/.test(www))
    return `${where}: WWW-Authenticate "${www}" lacks error="invalid_token"`;
  return undefined;
}

async function attack(api: ServiceProcess, corpus: HostileCase[]) {
  const wrong: string[] = [];
  const times: number[] = [];
  let slowest = { ms: 0, name: "" };
  let n = 0;
  for (const route of ROUTES) {
    for (const c of corpus) {
      const a = await postJson(api.url + route.path, route.body, {
        headers: c.authorization === null ? {} : { authorization: c.authorization },
        dispatcher: fromAddress(clientAddress(n++ % 200)),
        timeoutMs: 10_000,
      });
      const verdict = judge(route.path, c, a);
      if (verdict) wrong.push(verdict);
      if (!c.allowHeaderTooLarge) times.push(a.ms);
      if (a.ms > slowest.ms) slowest = { ms: a.ms, name: `${route.path} · ${c.name}` };
    }
  }
  return { wrong, times, slowest, tried: n };
}

async function validTimes(api: ServiceProcess, jwt: string, rounds: number) {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const a = await postJson(
      `${api.url}/v1/search`,
      { query: "IMU", limit: 3 },
      { headers: { authorization: `Bearer ${jwt}` } },
    );
    expect(a.status, a.text).toBe(200);
    times.push(a.ms);
  }
  return times;
}

/** No error-level line and no crash while being attacked. */
function expectCalm(proc: ServiceProcess) {
  expect(proc.running(), `${proc.name} exited:\n${proc.output().slice(-2000)}`).toBe(true);
  const errors = proc.jsonLines().filter((l) => typeof l.level === "number" && l.level >= 50);
  expect(errors.map((l) => JSON.stringify(l).slice(0, 300))).toEqual([]);
}

describe("api-service under hostile JWTs (HS256)", () => {
  const secret = newSecret();
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem({
      tempPrefix: "ai-book-jwt-",
      jwtSecret: secret,
      readerProfile: { softwareBackground: "Beginner" },
      api: { rateLimitPerMinute: 100_000 },
    });
  });
  afterAll(async () => {
    await system?.stop();
    await closeAddressAgents();
  });

  it("accepts the genuine JWT from the auth-service on every protected route", async () => {
    const { api, reader } = system;
    for (const route of ROUTES) {
      const a = await postJson(api.url + route.path, route.body, {
        headers: { authorization: `Bearer ${reader.jwt}` },
      });
      expect(a.status, `${route.path}: ${a.text.slice(0, 300)}`).toBe(200);
    }
  });

  it("answers every hostile token with 401, its reason code and WWW-Authenticate — never a 500 or a hang", async () => {
    const { api, reader } = system;
    const corpus = await buildHostileTokens(secret);
    const valid = await validTimes(api, reader.jwt, 20);
    const { wrong, times, slowest, tried } = await attack(api, corpus);
    figure(
      "security",
      `JWT: ${tried} hostile requests (${corpus.length} tokens × ${ROUTES.length} routes), ${tried - wrong.length} answered as required; ` +
        `median ${median(times).toFixed(1)} ms hostile vs ${median(valid).toFixed(1)} ms valid, slowest ${slowest.ms.toFixed(0)} ms (${slowest.name})`,
    );
    // Every hostile request got its 401 within the per-request hang guard (a request that hung is a failure
    // answer and shows up in `wrong`); how long they took is a figure above, not a pass/fail.
    expect(wrong).toEqual([]);
    expectCalm(api);
  });

  it("the auth-service refuses the same corpus as a bearer on GET /api/auth/jwt with a 401 envelope", async () => {
    const { auth } = system;
    const corpus = await buildHostileTokens(secret);
    const wrong: string[] = [];
    let n = 0;
    for (const c of corpus) {
      const res = await fetch(`${auth.url}/api/auth/jwt`, {
        headers: c.authorization === null ? {} : { authorization: c.authorization },
        dispatcher: fromAddress(clientAddress(n++)),
        signal: AbortSignal.timeout(10_000),
      } as RequestInit);
      const text = await res.text();
      if (c.allowHeaderTooLarge && res.status === 431) continue;
      let code = "";
      try {
        code = (JSON.parse(text) as { error: { code: string } }).error.code;
      } catch {
        code = `NOT_AN_ENVELOPE(${text.slice(0, 80)})`;
      }
      if (res.status !== 401 || code !== "UNAUTHORIZED") wrong.push(`${c.name}: ${res.status} ${code}`);
    }
    figure(
      "security",
      `auth /api/auth/jwt: ${corpus.length} hostile bearers, ${corpus.length - wrong.length} refused with 401`,
    );
    expect(wrong).toEqual([]);
    expectCalm(auth);
  });
});

describe("api-service under key-confusion attacks (RS256 via the auth-service's JWKS)", () => {
  const secret = newSecret();
  let system: RunningSystem;
  let jwk: JWK | undefined;

  beforeAll(async () => {
    system = await startSystem({
      tempPrefix: "ai-book-jwks-",
      jwtSecret: secret,
      jwtAlgorithm: "RS256",
      api: { rateLimitPerMinute: 100_000 },
    });
    const jwks = (await (await fetch(`${system.auth.url}/api/auth/jwks`)).json()) as { keys?: JWK[] };
    jwk = jwks.keys?.[0];
  });
  afterAll(() => system?.stop());

  it("serves a public key and the api-service accepts that key's tokens", async () => {
    const { api, reader } = system;
    expect(jwk?.kty).toBeDefined();
    expect(jwk && "d" in jwk).toBe(false);
    const a = await postJson(
      `${api.url}/v1/search`,
      { query: "IMU" },
      { headers: { authorization: `Bearer ${reader.jwt}` } },
    );
    expect(a.status, a.text).toBe(200);
  });

  it("refuses HS256 tokens keyed with the public key, foreign key pairs and the shared secret", async () => {
    const { api } = system;
    const corpus = [
      ...(await buildKeyConfusionTokens(jwk!, secret)),
      ...(await buildHostileTokens(secret)).filter((c) => c.category === "alg-none"),
    ];
    const { wrong, tried } = await attack(api, corpus);
    figure(
      "security",
      `JWT key confusion (RS256 mode): ${tried} hostile requests, ${tried - wrong.length} answered as required`,
    );
    expect(wrong).toEqual([]);
    expectCalm(api);
  });
});
