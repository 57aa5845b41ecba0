// Rate limits under concurrency and spoofing, per-reader limits on the api-service, CORS and Better Auth's origin check.
import {
  authDatabase,
  clientAddress,
  closeAddressAgents,
  fromAddress,
  newSecret,
  type Reader,
  type ServiceProcess,
  signUpReader,
  startApiProcess,
  startAuthProcess,
  TRUSTED_ORIGIN,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "./hostile-jwt.ts";
import { type Answer, call, envelopeCode, figure, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const EVIL_ORIGIN = "https://evil.example";
const API_LIMIT = 3;

const signIn = (
  authUrl: string,
  email: string,
  init: { address: string; headers?: Record<string, string>; password?: string },
) =>
  postJson(
    `${authUrl}/api/auth/sign-in/email`,
    { email, password: init.password ?? "definitely wrong" },
    { headers: { origin: TRUSTED_ORIGIN, ...init.headers }, dispatcher: fromAddress(init.address) },
  );

const limited = (a: Answer) => a.status === 429;

function expect429(a: Answer) {
  expect(a.status).toBe(429);
  expect(envelopeCode(a)).toBe("RATE_LIMITED");
  expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("auth-service rate limits and origins", () => {
  const dir = tempDir("ai-book-limits-");
  const secret = newSecret();
  let db: Awaited<ReturnType<typeof authDatabase>>;
  let dbProxy: Awaited<ReturnType<typeof authDatabase>>;
  let auth: ServiceProcess;
  let proxied: ServiceProcess;
  let reader: Reader;
  /** Signs in correctly in the origin tests: the limit tests lock `reader`'s account (10 failures per 15 minutes). */
  let bystander: Reader;

  beforeAll(async () => {
    [db, dbProxy] = await Promise.all([authDatabase(), authDatabase()]);
    [auth, proxied] = await Promise.all([
      startAuthProcess({ dataDir: `${dir.path}/a`, databaseUrl: db.url, jwtSecret: secret }),
      startAuthProcess({
        dataDir: `${dir.path}/b`,
        databaseUrl: dbProxy.url,
        jwtSecret: secret,
        trustProxy: 1,
        name: "auth (TRUST_PROXY=1)",
      }),
    ]);
    reader = await signUpReader(auth.url, {}, { dispatcher: fromAddress("127.0.9.9") });
    bystander = await signUpReader(auth.url, {}, { dispatcher: fromAddress("127.0.9.11") });
  });
  afterAll(async () => {
    await Promise.all([auth?.stop(), proxied?.stop()]);
    await Promise.all([db?.drop(), dbProxy?.drop()]);
    await closeAddressAgents();
    dir.cleanup();
  });

  it("lets exactly 5 of 50 parallel sign-in attempts from one client reach the password check", async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => signIn(auth.url, reader.email, { address: clientAddress(1) })),
    );
    const passed = answers.filter((a) => !limited(a));
    figure(
      "security",
      `rate limit: 50 parallel sign-ins from one client → ${passed.length} reached the password check, ${50 - passed.length} got 429`,
    );
    expect(passed.map((a) => `${a.status} ${envelopeCode(a)}`)).toEqual(
      Array(5).fill("401 INVALID_EMAIL_OR_PASSWORD"),
    );
    expect429(answers.find(limited)!);
  });

  it("keeps a correct password out once the client is limited (the limit is not only on failures' side effects)", async () => {
    const address = clientAddress(2);
    for (let i = 0; i < 5; i++) expect((await signIn(auth.url, reader.email, { address })).status).toBe(401);
    expect429(await signIn(auth.url, reader.email, { address, password: reader.password }));
  });

  it("cannot be dodged with forged client-address headers when TRUST_PROXY is unset", async () => {
    const address = clientAddress(3);
    for (let i = 0; i < 5; i++) await signIn(auth.url, reader.email, { address });
    const forged: Array<Record<string, string>> = [
      { "x-forwarded-for": "203.0.113.7" },
      { "x-forwarded-for": "198.51.100.1, 203.0.113.8" },
      { "x-real-ip": "203.0.113.9" },
      { forwarded: "for=203.0.113.10" },
      { "x-client-ip": "203.0.113.11" },
      { "x-ai-book-client-ip": "203.0.113.12" },
      { "cf-connecting-ip": "203.0.113.13" },
    ];
    for (const headers of forged) expect429(await signIn(auth.url, reader.email, { address, headers }));
  });

  it("gives different socket addresses different buckets", async () => {
    const [a, b] = [clientAddress(4), clientAddress(5)];
    // An email of its own: `reader`'s account is locked by now (issue 19's per-account throttle).
    const email = "buckets-probe@example.test";
    for (let i = 0; i < 6; i++) await signIn(auth.url, email, { address: a });
    expect429(await signIn(auth.url, email, { address: a }));
    expect((await signIn(auth.url, email, { address: b })).status).toBe(401);
  });

  it("with TRUST_PROXY=1 takes the client from X-Forwarded-For (and still limits each of them)", async () => {
    await signUpReader(proxied.url, {}, { dispatcher: fromAddress("127.0.9.10") });
    const proxy = clientAddress(6);
    const results: number[] = [];
    for (let i = 0; i < 8; i++)
      results.push(
        (
          await signIn(proxied.url, reader.email, {
            address: proxy,
            headers: { "x-forwarded-for": `203.0.113.${i + 1}` },
          })
        ).status,
      );
    expect(results).not.toContain(429);
    for (let i = 0; i < 5; i++)
      await signIn(proxied.url, reader.email, {
        address: proxy,
        headers: { "x-forwarded-for": "198.51.100.77" },
      });
    expect429(
      await signIn(proxied.url, reader.email, {
        address: proxy,
        headers: { "x-forwarded-for": "198.51.100.77" },
      }),
    );
  });

  it("refuses auth POSTs from an untrusted Origin under every NODE_ENV the config accepts (here: test)", async () => {
    // Better Auth turns its origin and CSRF checks off by itself when NODE_ENV=test unless told otherwise.
    const evil = await postJson(
      `${proxied.url}/api/auth/sign-in/email`,
      { email: bystander.email, password: bystander.password },
      {
        headers: { origin: EVIL_ORIGIN, cookie: "better-auth.session_token=x" },
        dispatcher: fromAddress(clientAddress(8)),
      },
    );
    expect(evil.status, evil.text).toBe(403);
    expect(envelopeCode(evil)).toBe("FORBIDDEN");
  });

  it("refuses auth POSTs without a trusted Origin and sends no CORS grant to other origins", async () => {
    const address = clientAddress(7);
    const body = { email: bystander.email, password: bystander.password };
    const evil = await postJson(`${auth.url}/api/auth/sign-in/email`, body, {
      headers: { origin: EVIL_ORIGIN },
      dispatcher: fromAddress(address),
    });
    expect(evil.status).toBe(403);
    expect(envelopeCode(evil)).toBe("FORBIDDEN");
    expect(evil.headers.get("set-cookie")).toBeNull();
    expect(evil.headers.get("set-auth-jwt")).toBeNull();
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const nullOrigin = await postJson(`${auth.url}/api/auth/sign-in/email`, body, {
      headers: { origin: "null", cookie: "better-auth.session_token=x" },
      dispatcher: fromAddress(address),
    });
    expect(nullOrigin.status).toBe(403);
    const noOrigin = await postJson(`${auth.url}/api/auth/sign-in/email`, body, {
      headers: { cookie: "better-auth.session_token=x" },
      dispatcher: fromAddress(address),
    });
    expect(noOrigin.status).toBe(403);

    const preflight = (origin: string) =>
      call(`${auth.url}/api/auth/get-session`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
    const bad = await preflight(EVIL_ORIGIN);
    expect(bad.headers.get("access-control-allow-origin")).toBeNull();
    const good = await preflight(TRUSTED_ORIGIN);
    expect(good.headers.get("access-control-allow-origin")).toBe(TRUSTED_ORIGIN);
    expect(good.headers.get("access-control-allow-credentials")).toBe("true");

    const credentialed = await call(`${auth.url}/api/auth/get-session`, {
      headers: { origin: EVIL_ORIGIN, authorization: `Bearer ${reader.sessionToken}` },
    });
    expect(credentialed.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("api-service per-reader rate limits and CORS", () => {
  const dir = tempDir("ai-book-apilimits-");
  const secret = newSecret();
  let api: ServiceProcess;
  const jwtFor = (userId: string) => signValid(secret, validClaims({ userId, sub: userId }));
  const search = async (jwt: string, extra: Record<string, string> = {}, address = clientAddress(20)) =>
    postJson(
      `${api.url}/v1/search`,
      { query: "balance" },
      { headers: { authorization: `Bearer ${jwt}`, ...extra }, dispatcher: fromAddress(address) },
    );

  beforeAll(async () => {
    api = await startApiProcess({ dataDir: dir.path, jwtSecret: secret, rateLimitPerMinute: API_LIMIT });
  });
  afterAll(async () => {
    await api?.stop();
    await closeAddressAgents();
    dir.cleanup();
  });

  it(`answers the ${API_LIMIT + 1}th request of a reader in a minute with 429, Retry-After and RateLimit headers`, async () => {
    const jwt = await jwtFor("reader-a");
    for (let i = 0; i < API_LIMIT; i++) expect((await search(jwt)).status).toBe(200);
    const over = await search(jwt);
    expect429(over);
    const rl = [...over.headers.keys()].filter((k) => k.toLowerCase().startsWith("ratelimit"));
    expect(rl.length, "RateLimit headers").toBeGreaterThan(0);
    // Another reader, same client address: their own budget.
    expect((await search(await jwtFor("reader-b"))).status).toBe(200);
    // The same reader from another address or with a forged X-Forwarded-For: still limited.
    expect429(await search(jwt, { "x-forwarded-for": "203.0.113.50" }, clientAddress(21)));
    // Every protected route shares the reader's budget.
    const chat = await postJson(
      `${api.url}/v1/chat`,
      { message: "hi" },
      { headers: { authorization: `Bearer ${jwt}` } },
    );
    expect429(chat);
  });

  it(`lets exactly ${API_LIMIT} of 30 parallel requests of one reader through`, async () => {
    const jwt = await jwtFor("reader-c");
    const answers = await Promise.all(Array.from({ length: 30 }, () => search(jwt)));
    const ok = answers.filter((a) => a.status === 200).length;
    figure(
      "security",
      `api rate limit: 30 parallel searches of one reader → ${ok} passed (limit ${API_LIMIT}/min)`,
    );
    expect(ok).toBe(API_LIMIT);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  });

  it("grants CORS only to configured origins", async () => {
    const preflight = (origin: string) =>
      call(`${api.url}/v1/chat`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
    expect((await preflight(EVIL_ORIGIN)).headers.get("access-control-allow-origin")).toBeNull();
    expect((await preflight(TRUSTED_ORIGIN)).headers.get("access-control-allow-origin")).toBe(TRUSTED_ORIGIN);
    const evil = await search(await jwtFor("reader-d"), { origin: EVIL_ORIGIN });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });
});
