// Roles, bans, API-key revocation, refresh-token reuse and account deletion across 2 auth + 2 api processes on
// PostgreSQL and Redis.

import { existsSync } from "node:fs";
import { ERROR_CODES, type ErrorCode } from "@ai-book/contracts";
import {
  clientAddress,
  closeAddressAgents,
  createPgDatabase,
  fromAddress,
  ingestBook,
  newSecret,
  type OwnedRedis,
  type Reader,
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
import Sqlite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Answer, call, envelopeCode, postJson } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 900_000 });

const DATABASE_URL = process.env.DATABASE_URL;
const hasRedis = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].some(existsSync);
const skip = skipUnlessPresent(
  (!DATABASE_URL && "DATABASE_URL is not set: skipping the cluster access suite") ||
    (!hasRedis && "redis-server is not installed: skipping the cluster access suite"),
);

describe.skipIf(skip)("access across 2 auth + 2 api instances", () => {
  const dir = tempDir("ai-book-cluster-access-");
  const secret = newSecret();
  const betterAuthSecret = newSecret();
  let db: { url: string; drop: () => Promise<void> };
  let redis: OwnedRedis;
  const auths: ServiceProcess[] = [];
  let apis: ServiceProcess[] = [];
  let admin: Reader;
  let n = 0;
  const addr = () => fromAddress(clientAddress(500 + (n++ % 400)));
  const adminEmailFor = () => `cluster-admin-${Date.now().toString(36)}@example.test`;
  const ADMIN_EMAIL = adminEmailFor();

  beforeAll(async () => {
    db = await createPgDatabase(DATABASE_URL!);
    redis = await startOwnedRedis();
    const indexDir = `${dir.path}/index`;
    const ingested = ingestBook({ dataDir: indexDir });
    ingested.catch(() => undefined); // awaited below; keeps an early failure from being "unhandled"
    // One after the other: the concurrent start-up is the scale-out suite's subject.
    for (const i of [1, 2])
      auths.push(
        await startAuthProcess({
          dataDir: `${dir.path}/auth${i}`,
          databaseUrl: db.url,
          redisUrl: redis.url,
          jwtSecret: secret,
          betterAuthSecret,
          name: `auth-${i}`,
          env: { ADMIN_EMAILS: ADMIN_EMAIL },
        }),
      );
    await ingested;
    apis = await Promise.all(
      [1, 2].map((i) =>
        startApiProcess({
          dataDir: `${dir.path}/api${i}`,
          jwtSecret: secret,
          redisUrl: redis.url,
          rateLimitPerMinute: 1000,
          env: { INDEX_PATH: `${indexDir}/index.sqlite` },
          name: `api-${i}`,
        }),
      ),
    );
    const res = await postJson(
      `${auths[0]!.url}/api/auth/sign-up/email`,
      { name: "Admin", email: ADMIN_EMAIL, password: "cluster admin password" },
      { headers: { origin: TRUSTED_ORIGIN }, dispatcher: addr() },
    );
    expect(res.status, res.text).toBe(200);
    admin = {
      email: ADMIN_EMAIL,
      password: "cluster admin password",
      sessionToken: (res.json as { token: string }).token,
      jwt: "",
      userId: (res.json as { user: { id: string } }).user.id,
    };
  });
  afterAll(async () => {
    await Promise.all([...auths, ...apis].map((p) => p.stop()));
    await redis?.stop();
    await db?.drop();
    await closeAddressAgents();
    dir.cleanup();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const adminPost = (auth: ServiceProcess, path: string, body: unknown) =>
    postJson(`${auth.url}${path}`, body, {
      headers: { ...bearer(admin.sessionToken), origin: TRUSTED_ORIGIN },
    });
  const search = (api: ServiceProcess, jwt: string) =>
    postJson(`${api.url}/v1/search`, { query: "zero moment point" }, { headers: bearer(jwt) });
  const authorIndex = (api: ServiceProcess, jwt: string) =>
    call(`${api.url}/v1/author/index`, { headers: bearer(jwt) });
  const jwtFrom = (auth: ServiceProcess, session: string) =>
    call(`${auth.url}/api/auth/jwt`, { headers: bearer(session) });
  const refused = (a: Answer, code: ErrorCode) => {
    expect(a.status, a.text).toBe(ERROR_CODES[code].status);
    expect(envelopeCode(a)).toBe(code);
  };

  it("a role set on one auth instance shows in the next JWT from the other; both api instances honour it", async () => {
    const user = await signUpReader(auths[0]!.url, {}, { dispatcher: addr() });
    for (const api of apis) refused(await authorIndex(api, user.jwt), "FORBIDDEN_ROLE");
    const set = await adminPost(auths[0]!, "/api/auth/admin/set-role", {
      userId: user.userId,
      role: "author",
    });
    expect(set.status, set.text).toBe(200);
    const next = await jwtFrom(auths[1]!, user.sessionToken);
    expect(next.status, next.text).toBe(200);
    const token = (next.json as { token: string }).token;
    for (const api of apis) expect((await authorIndex(api, token)).status).toBe(200);
    // The token from before the change keeps its role until it expires.
    refused(await authorIndex(apis[1]!, user.jwt), "FORBIDDEN_ROLE");
  });

  it("a ban on one auth instance is refused at once by both api instances and the other auth instance", async () => {
    const user = await signUpReader(auths[1]!.url, {}, { dispatcher: addr() });
    for (const api of apis) expect((await search(api, user.jwt)).status).toBe(200);
    const ban = await adminPost(auths[1]!, "/api/auth/admin/ban-user", { userId: user.userId });
    expect(ban.status, ban.text).toBe(200);
    for (const api of apis) refused(await search(api, user.jwt), "TOKEN_REVOKED");
    expect((await jwtFrom(auths[0]!, user.sessionToken)).status).toBe(401);
    const signIn = await postJson(
      `${auths[0]!.url}/api/auth/sign-in/email`,
      { email: user.email, password: user.password },
      { headers: { origin: TRUSTED_ORIGIN }, dispatcher: addr() },
    );
    refused(signIn, "USER_BANNED");
  });

  it("a key revoked on one auth instance cannot exchange on the other; its tokens are refused by both apis", async () => {
    const owner = await signUpReader(auths[0]!.url, {}, { dispatcher: addr() });
    const created = await postJson(
      `${auths[0]!.url}/api/auth/api-key/create`,
      { name: "lms", metadata: { scopes: ["search"] } },
      { headers: { ...bearer(owner.sessionToken), origin: TRUSTED_ORIGIN } },
    );
    expect(created.status, created.text).toBe(200);
    const { id, key } = created.json as { id: string; key: string };
    const exchange = (auth: ServiceProcess) =>
      call(`${auth.url}/api/auth/api-key/exchange`, { method: "POST", headers: { "x-api-key": key } });
    const ex = await exchange(auths[1]!);
    expect(ex.status, ex.text).toBe(200);
    const token = (ex.json as { token: string }).token;
    for (const api of apis) expect((await search(api, token)).status).toBe(200);
    refused(
      await postJson(`${apis[0]!.url}/v1/chat`, { message: "What is an IMU?" }, { headers: bearer(token) }),
      "FORBIDDEN_SCOPE",
    );

    const del = await postJson(
      `${auths[0]!.url}/api/auth/api-key/delete`,
      { keyId: id },
      { headers: { ...bearer(owner.sessionToken), origin: TRUSTED_ORIGIN } },
    );
    expect(del.status, del.text).toBe(200);
    refused(await exchange(auths[1]!), "API_KEY_INVALID");
    for (const api of apis) refused(await search(api, token), "TOKEN_REVOKED");
  });

  it("refresh-token reuse detected on one auth instance ends the family made on the other", async () => {
    const user = await signUpReader(auths[0]!.url, {}, { dispatcher: addr() });
    const issued = await call(`${auths[0]!.url}/api/auth/refresh-token/issue`, {
      method: "POST",
      headers: bearer(user.sessionToken),
    });
    expect(issued.status, issued.text).toBe(200);
    const first = issued.json as { token: string; refreshToken: string };
    const rotate = (auth: ServiceProcess, refreshToken: string) =>
      postJson(`${auth.url}/api/auth/refresh-token`, { refreshToken });
    const second = await rotate(auths[1]!, first.refreshToken);
    expect(second.status, second.text).toBe(200);
    const newest = second.json as { token: string; refreshToken: string };
    expect((await search(apis[0]!, newest.token)).status).toBe(200);

    refused(await rotate(auths[0]!, first.refreshToken), "REFRESH_TOKEN_REUSED");
    refused(await rotate(auths[1]!, newest.refreshToken), "REFRESH_TOKEN_INVALID");
    for (const api of apis)
      for (const token of [first.token, newest.token, user.jwt])
        refused(await search(api, token), "TOKEN_REVOKED");
    expect((await jwtFrom(auths[1]!, user.sessionToken)).status).toBe(401);
  });

  it("an account deleted on one auth instance is purged from both api instances' databases", async () => {
    const reader = await signUpReader(auths[0]!.url, {}, { dispatcher: addr() });
    const answers: string[] = [];
    for (const api of apis) {
      const res = await postJson(
        `${api.url}/v1/chat`,
        { message: "How does a humanoid keep its balance?" },
        { headers: bearer(reader.jwt) },
      );
      expect(res.status, res.text).toBe(200);
      answers.push((res.json as { answerId: string }).answerId);
    }
    // Each api instance here keeps its own embedded database (DATA_DIR/api.sqlite).
    const rowsIn = (i: number) => {
      const db = new Sqlite(`${dir.path}/api${i}/api.sqlite`, { readonly: true });
      try {
        return [
          db.prepare("SELECT count(*) AS n FROM conversations WHERE user_id = ?").get(reader.userId),
          db.prepare("SELECT count(*) AS n FROM turns WHERE user_id = ?").get(reader.userId),
        ].reduce((sum: number, r) => sum + (r as { n: number }).n, 0);
      } finally {
        db.close();
      }
    };
    await waitFor(() => rowsIn(1) === 2 && rowsIn(2) === 2, 30_000);
    const deleted = await postJson(
      `${auths[1]!.url}/api/auth/delete-user`,
      { password: reader.password },
      { headers: { ...bearer(reader.sessionToken), origin: TRUSTED_ORIGIN } },
    );
    expect(deleted.status, deleted.text).toBe(200);
    await waitFor(() => rowsIn(1) === 0 && rowsIn(2) === 0, {
      timeoutMs: 60_000,
      explain: () => `rows left: api-1 ${rowsIn(1)}, api-2 ${rowsIn(2)}`,
    });
    for (const api of apis) refused(await search(api, reader.jwt), "TOKEN_REVOKED");
  });

  it("each instance's audit events are in the one log, readable from either instance", async () => {
    const page = await call(`${auths[1]!.url}/api/admin/audit?type=refresh_token_reuse_detected`, {
      headers: bearer(admin.sessionToken),
    });
    expect(page.status, page.text).toBe(200);
    expect((page.json as { events: unknown[] }).events).toHaveLength(1);
    const bans = await call(`${auths[0]!.url}/api/admin/audit?type=user_banned`, {
      headers: bearer(admin.sessionToken),
    });
    expect((bans.json as { events: Array<{ actorId: string }> }).events).toEqual([
      expect.objectContaining({ actorId: admin.userId, outcome: "success" }),
    ]);
  });
});
