// Two auth-service and two api-service processes on one PostgreSQL and one Redis, sharing no memory: sessions, limits, tokens and revocation hold across instances, and a mixed load loses nothing.
import { existsSync } from "node:fs";
import {
  clientAddress,
  closeAddressAgents,
  createPgDatabase,
  fromAddress,
  ingestBook,
  newSecret,
  type OwnedRedis,
  type ServiceProcess,
  signUpReader,
  skipUnlessPresent,
  startApiProcess,
  startAuthProcess,
  startOwnedRedis,
  TRUSTED_ORIGIN,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Answer, call, envelopeCode, figure, percentile, postJson } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 900_000 });

const DATABASE_URL = process.env.DATABASE_URL;
const hasRedis = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].some(existsSync);
const skip = skipUnlessPresent(
  (!DATABASE_URL && "DATABASE_URL is not set: skipping the cluster suite (it needs PostgreSQL)") ||
    (!hasRedis && "redis-server is not installed: skipping the cluster suite"),
);
const LOAD_SECONDS = Number(process.env.CLUSTER_LOAD_SECONDS ?? 20);
const API_LIMIT = 4;

describe.skipIf(skip)("scale-out: 2 auth + 2 api instances on PostgreSQL and Redis", () => {
  const dir = tempDir("ai-book-cluster-");
  const secret = newSecret();
  const betterAuthSecret = newSecret();
  let db: { url: string; drop: () => Promise<void> };
  let redis: OwnedRedis;
  let auths: ServiceProcess[] = [];
  let apis: ServiceProcess[] = [];
  let concurrentStart: string | undefined;
  let n = 0;
  const addr = () => fromAddress(clientAddress(n++ % 1000));

  beforeAll(async () => {
    db = await createPgDatabase(DATABASE_URL!);
    redis = await startOwnedRedis();
    const authOpts = (i: number) => ({
      dataDir: `${dir.path}/auth${i}`,
      databaseUrl: db.url,
      redisUrl: redis.url,
      jwtSecret: secret,
      betterAuthSecret,
      name: `auth-${i}`,
    });
    const indexDir = `${dir.path}/index`;
    const ingested = ingestBook({ dataDir: indexDir });
    ingested.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    // Two replicas starting together on a fresh database both run the migrations.
    const started = await Promise.allSettled([startAuthProcess(authOpts(1)), startAuthProcess(authOpts(2))]);
    auths = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const failed = started.flatMap((s) => (s.status === "rejected" ? [String(s.reason).slice(0, 1500)] : []));
    if (failed.length) {
      concurrentStart = failed.join("\n");
      while (auths.length < 2) auths.push(await startAuthProcess(authOpts(auths.length + 3)));
    }
    await ingested;
    apis = await Promise.all(
      [1, 2].map((i) =>
        startApiProcess({
          dataDir: `${dir.path}/api${i}`,
          jwtSecret: secret,
          redisUrl: redis.url,
          rateLimitPerMinute: API_LIMIT,
          env: { INDEX_PATH: `${indexDir}/index.sqlite` },
          name: `api-${i}`,
        }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all([...auths, ...apis].map((p) => p.stop()));
    await redis?.stop();
    await db?.drop();
    await closeAddressAgents();
    dir.cleanup();
  });

  const [A1, A2, P1, P2] = [0, 1, 0, 1];
  const search = (api: ServiceProcess, jwt: string) =>
    postJson(
      `${api.url}/v1/search`,
      { query: "zero moment point" },
      { headers: { authorization: `Bearer ${jwt}` } },
    );

  it("two auth instances starting at once on a fresh database both come up", () => {
    expect(concurrentStart, "concurrent start-up failed").toBeUndefined();
  });

  it("a session made on one auth instance works on the other", async () => {
    const r = await signUpReader(auths[A1]!.url, { softwareBackground: "Advanced" }, { dispatcher: addr() });
    const s = await call(`${auths[A2]!.url}/api/auth/get-session`, {
      headers: { authorization: `Bearer ${r.sessionToken}` },
    });
    expect(s.status, s.text).toBe(200);
    expect((s.json as { user: { id: string; softwareBackground: string } }).user).toMatchObject({
      id: r.userId,
      softwareBackground: "Advanced",
    });
    const j = await call(`${auths[A2]!.url}/api/auth/jwt`, {
      headers: { authorization: `Bearer ${r.sessionToken}` },
    });
    expect(j.status, j.text).toBe(200);
  });

  it("shares the sign-in limit: 10 attempts from one client spread over both instances → 5 reach the password check", async () => {
    const r = await signUpReader(auths[A1]!.url, {}, { dispatcher: addr() });
    const client = addr();
    const answers: Answer[] = [];
    for (let i = 0; i < 10; i++)
      answers.push(
        await postJson(
          `${auths[i % 2]!.url}/api/auth/sign-in/email`,
          { email: r.email, password: "wrong password" },
          { headers: { origin: TRUSTED_ORIGIN }, dispatcher: client },
        ),
      );
    const passed = answers.filter((a) => a.status !== 429).length;
    figure(
      "cluster",
      `shared sign-in limit: 10 attempts alternating between 2 auth instances → ${passed} passed, ${10 - passed}×429`,
    );
    expect(passed).toBe(5);
  });

  it("a JWT issued by either auth instance is accepted by both api instances", async () => {
    const r = await signUpReader(auths[A1]!.url, {}, { dispatcher: addr() });
    const j2 = await call(`${auths[A2]!.url}/api/auth/jwt`, {
      headers: { authorization: `Bearer ${r.sessionToken}` },
    });
    const fromA2 = (j2.json as { token: string }).token;
    for (const jwt of [r.jwt, fromA2])
      for (const api of apis) expect((await search(api, jwt)).status).toBe(200);
  });

  it("sign-out on one auth instance makes both api instances refuse that session's JWT within a second", async () => {
    const r = await signUpReader(auths[A1]!.url, {}, { dispatcher: addr() });
    const out = await postJson(
      `${auths[A2]!.url}/api/auth/sign-out`,
      {},
      {
        headers: { authorization: `Bearer ${r.sessionToken}`, origin: TRUSTED_ORIGIN },
      },
    );
    expect(out.status, out.text).toBe(200);
    const signedOut = Date.now();
    const refusedAfter: number[] = [];
    for (const api of [apis[P1]!, apis[P2]!]) {
      let last: Answer | undefined;
      // A generous hang guard, not a speed target: the delay is a figure (the design bound is one Redis round trip).
      await waitFor(
        async () => {
          last = await search(api, r.jwt);
          return envelopeCode(last) === "TOKEN_REVOKED";
        },
        {
          timeoutMs: 30_000,
          stepMs: 50,
          explain: () => `${api.name} still accepts the JWT: ${last?.status} ${last?.text.slice(0, 200)}`,
        },
      );
      refusedAfter.push(Date.now() - signedOut);
    }
    figure(
      "cluster",
      `revocation: both api instances refused the signed-out session's JWT after ${refusedAfter.join(" / ")} ms`,
    );
  });

  it(`shares the chat rate limit: ${API_LIMIT * 2} requests of one reader over both api instances → ${API_LIMIT} pass`, async () => {
    const r = await signUpReader(auths[A2]!.url, {}, { dispatcher: addr() });
    const statuses: number[] = [];
    for (let i = 0; i < API_LIMIT * 2; i++) {
      const api = apis[i % 2]!;
      const a =
        i % 3 === 0
          ? await postJson(
              `${api.url}/v1/chat`,
              { message: "What is a humanoid?" },
              { headers: { authorization: `Bearer ${r.jwt}` } },
            )
          : await search(api, r.jwt);
      statuses.push(a.status);
    }
    expect(statuses.filter((s) => s === 200).length).toBe(API_LIMIT);
    expect(statuses.filter((s) => s === 429).length).toBe(API_LIMIT);
  });

  it(`holds a mixed load for ${LOAD_SECONDS} s with no 5xx and nothing lost`, async () => {
    const until = Date.now() + LOAD_SECONDS * 1000;
    const outcomes: Array<{ op: string; a: Answer }> = [];
    const signedUp: string[] = [];
    const record = (op: string, a: Answer) => {
      outcomes.push({ op, a });
      return a;
    };
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const worker = async () => {
      while (Date.now() < until) {
        const dispatcher = addr();
        const email = `load-${n}-${Date.now().toString(36)}@example.test`;
        const password = "mixed load password";
        const up = record(
          "sign-up",
          await postJson(
            `${pick(auths).url}/api/auth/sign-up/email`,
            { name: "Load Reader", email, password, interestArea: "balance" },
            { headers: { origin: TRUSTED_ORIGIN }, dispatcher },
          ),
        );
        if (up.status !== 200) continue;
        signedUp.push(email);
        const inn = record(
          "sign-in",
          await postJson(
            `${pick(auths).url}/api/auth/sign-in/email`,
            { email, password },
            { headers: { origin: TRUSTED_ORIGIN }, dispatcher },
          ),
        );
        if (inn.status !== 200) continue;
        const token = (inn.json as { token: string }).token;
        const j = record(
          "jwt",
          await call(`${pick(auths).url}/api/auth/jwt`, { headers: { authorization: `Bearer ${token}` } }),
        );
        if (j.status !== 200) continue;
        const bearer = { authorization: `Bearer ${(j.json as { token: string }).token}` };
        record(
          "chat",
          await postJson(
            `${pick(apis).url}/v1/chat`,
            { message: "How does a biped keep its balance?" },
            { headers: bearer },
          ),
        );
        record(
          "search",
          await postJson(`${pick(apis).url}/v1/search`, { query: "balance", limit: 3 }, { headers: bearer }),
        );
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);

    const bad = outcomes.filter((o) => o.a.status === 0 || o.a.status >= 500);
    const byOp = outcomes.reduce<Record<string, number>>((h, o) => {
      h[`${o.op} ${o.a.status}`] = (h[`${o.op} ${o.a.status}`] ?? 0) + 1;
      return h;
    }, {});
    const ms = outcomes.map((o) => o.a.ms);
    figure(
      "cluster",
      `mixed load ${LOAD_SECONDS} s on 2+2 instances: ${outcomes.length} requests (${JSON.stringify(byOp)}), ` +
        `p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, ${bad.length} 5xx/transport failures`,
    );
    expect(
      bad.map((o) => `${o.op}: ${o.a.status || o.a.failure} ${o.a.text.slice(0, 120)}`).slice(0, 10),
    ).toEqual([]);
    expect(outcomes.filter((o) => o.op === "chat" && o.a.status === 200).length).toBeGreaterThan(0);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ email: string }>(`SELECT email FROM "user" WHERE email = ANY($1)`, [
        signedUp,
      ]);
      expect(rows.rows.length, "acknowledged sign-ups stored").toBe(signedUp.length);
    } finally {
      await client.end();
    }
    for (const p of [...auths, ...apis]) expect(p.running(), `${p.name} died`).toBe(true);
  });
});
