// Roles, bans, refresh tokens, API keys and the audit log on a real auth-service (PGlite, PostgreSQL; + Redis when set).
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  API_KEY_SID_PREFIX,
  errorEnvelopeSchema,
  jwtClaimsSchema,
  REVOKED_SESSION_PREFIX,
  SET_AUTH_JWT_HEADER,
} from "@ai-book/contracts";
import { closeAddressAgents, requireEnv } from "@ai-book/testkit";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asExecutor } from "../src/db/client.ts";
import { GrantError, grantRole, refreshCachedUser } from "../src/roles.ts";
import { call } from "./client.ts";
import { dbVariants, JWT_SECRET, type RunningAuth, startAuth, uniqueEmail } from "./helpers.ts";

afterAll(closeAddressAgents);

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) requireEnv("REDIS_URL");
const PASSWORD = "correct horse battery staple";

async function claimsOf(token: string) {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(JWT_SECRET), {
    issuer: "auth-service",
    audience: "api-service",
    algorithms: ["HS256"],
  });
  return jwtClaimsSchema.parse(payload);
}

/** A distinct client address per sign-up / sign-in, so the per-address limits never interfere. */
let host = 0;
const nextFrom = () => {
  host += 1;
  return `127.0.${20 + Math.floor(host / 250)}.${(host % 250) + 1}`;
};

interface Account {
  id: string;
  email: string;
  /** Session token (bearer). */
  session: string;
  jwt: string;
}

describe.each(dbVariants())("access on %s", (variant) => {
  let auth: RunningAuth;
  /** POST /api/auth/api-key/exchange with an API key (as a server calls it: no Origin). */
  const exchange = (apiKey: string) =>
    call(auth.url, "/api/auth/api-key/exchange", {
      method: "POST",
      origin: null,
      headers: { "x-api-key": apiKey },
    });
  let redis: Redis | undefined;
  const adminEmail = uniqueEmail("admin");
  let adminAccount: Account;
  const prefix = `ai-book-access-${randomUUID().slice(0, 8)}:`;

  async function signUp(email = uniqueEmail(), name = "Reader"): Promise<Account> {
    const res = await call(auth.url, "/api/auth/sign-up/email", {
      from: nextFrom(),
      body: { name, email, password: PASSWORD },
    });
    expect(res.status).toBe(200);
    return {
      id: res.json.user.id,
      email,
      session: res.json.token,
      jwt: res.headers.get(SET_AUTH_JWT_HEADER) ?? "",
    };
  }

  async function jwtFor(session: string) {
    return call(auth.url, "/api/auth/jwt", { bearer: session, origin: null });
  }

  beforeAll(async () => {
    auth = await startAuth({
      variant,
      env: { ADMIN_EMAILS: adminEmail.toUpperCase(), ...(REDIS_URL ? { REDIS_URL } : {}) },
      redisKeyPrefix: prefix,
    });
    if (REDIS_URL) redis = new Redis(REDIS_URL);
    adminAccount = await signUp(adminEmail, "Admin");
  });
  afterAll(async () => {
    await auth?.stop();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it("roles: ADMIN_EMAILS makes the first admin, readers by default, a role change shows in the next JWT", async () => {
    expect((await claimsOf(adminAccount.jwt)).role).toBe("admin");
    const reader = await signUp();
    expect((await claimsOf(reader.jwt)).role).toBe("reader");

    // A reader cannot use the admin routes.
    const refused = await call(auth.url, "/api/auth/admin/set-role", {
      bearer: reader.session,
      body: { userId: reader.id, role: "admin" },
    });
    expect(refused.status).toBe(403);
    expect(errorEnvelopeSchema.parse(refused.json).error.code).toBe("FORBIDDEN_ROLE");
    const list = await call(auth.url, "/api/auth/admin/list-users", { bearer: reader.session });
    expect(list.status).toBe(403);
    expect(list.json.error.code).toBe("FORBIDDEN_ROLE");

    const bad = await call(auth.url, "/api/auth/admin/set-role", {
      bearer: adminAccount.session,
      body: { userId: reader.id, role: "owner" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("VALIDATION_ERROR");

    const set = await call(auth.url, "/api/auth/admin/set-role", {
      bearer: adminAccount.session,
      body: { userId: reader.id, role: "author" },
    });
    expect(set.status).toBe(200);
    // The token issued before the change keeps its role until it expires; the next one carries the new role.
    expect((await claimsOf(reader.jwt)).role).toBe("reader");
    const next = await jwtFor(reader.session);
    expect(next.status).toBe(200);
    expect((await claimsOf(next.json.token)).role).toBe("author");

    // Admins list and search users.
    const found = await call(
      auth.url,
      `/api/auth/admin/list-users?searchValue=${encodeURIComponent(reader.email)}&searchField=email`,
      { bearer: adminAccount.session },
    );
    expect(found.status).toBe(200);
    expect(found.json.users.map((u: { id: string }) => u.id)).toEqual([reader.id]);
  });

  it("grantRole (the admin CLI's code) changes a role in one transaction with its audit event", async () => {
    const user = await signUp();
    const { service } = auth;
    const result = await grantRole(service.database.db, service.audit, user.email.toUpperCase(), "admin", {
      afterCommit: (id, role) => refreshCachedUser(service.auth, id, { role }),
    });
    expect(result).toEqual({ userId: user.id, previous: "reader" });
    expect((await claimsOf((await jwtFor(user.session)).json.token)).role).toBe("admin");
    const events = await service.audit.query({ userId: user.id, type: "role_changed", limit: 10 });
    expect(events.events.map((e) => e.outcome)).toEqual(["success:admin"]);
    await expect(grantRole(service.database.db, service.audit, user.email, "owner")).rejects.toThrow(
      GrantError,
    );
    await expect(
      grantRole(service.database.db, service.audit, "nobody@example.com", "author"),
    ).rejects.toThrow(/no account/);
  });

  it("ban: the user's sessions and tokens end at once, sign-in is refused; unban lets them back", async () => {
    const user = await signUp();
    const sid = (await claimsOf(user.jwt)).sid;
    const issued = await call(auth.url, "/api/auth/refresh-token/issue", {
      bearer: user.session,
      method: "POST",
    });
    expect(issued.status).toBe(200);
    const key = await call(auth.url, "/api/auth/api-key/create", {
      bearer: user.session,
      body: { name: "srv", metadata: { scopes: ["search"] } },
    });
    const exchanged = await exchange(key.json.key);
    expect(exchanged.status).toBe(200);

    const ban = await call(auth.url, "/api/auth/admin/ban-user", {
      bearer: adminAccount.session,
      body: { userId: user.id, banReason: "spam" },
    });
    expect(ban.status).toBe(200);
    expect((await jwtFor(user.session)).status).toBe(401);
    const refresh = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: issued.json.refreshToken },
      origin: null,
    });
    expect(refresh.status).toBe(401);
    const signIn = await call(auth.url, "/api/auth/sign-in/email", {
      from: nextFrom(),
      body: { email: user.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(403);
    expect(signIn.json.error.code).toBe("USER_BANNED");
    if (redis) {
      expect(await redis.get(`${REVOKED_SESSION_PREFIX}${sid}`)).toBe("1");
      // Tokens exchanged for the user's keys end with the ban too.
      expect(await redis.get(`${REVOKED_SESSION_PREFIX}${API_KEY_SID_PREFIX}${key.json.id}`)).toBe("1");
    }
    const keyAfterBan = await exchange(key.json.key);
    expect(keyAfterBan.status).toBe(401);

    const unban = await call(auth.url, "/api/auth/admin/unban-user", {
      bearer: adminAccount.session,
      body: { userId: user.id },
    });
    expect(unban.status).toBe(200);
    const again = await call(auth.url, "/api/auth/sign-in/email", {
      from: nextFrom(),
      body: { email: user.email, password: PASSWORD },
    });
    expect(again.status).toBe(200);
  });

  it("refresh tokens: issue, rotate, and a reused one revokes the family and its session", async () => {
    const user = await signUp();
    const missing = await call(auth.url, "/api/auth/refresh-token/issue", { method: "POST", origin: null });
    expect(missing.status).toBe(401);

    const first = await call(auth.url, "/api/auth/refresh-token/issue", {
      bearer: user.session,
      method: "POST",
    });
    expect(first.status).toBe(200);
    expect(Object.keys(first.json).sort()).toEqual(["expiresAt", "refreshToken", "token"]);
    const access = await claimsOf(first.json.token);
    // ACCESS_TOKEN_TTL (default 15 minutes), not the 7-day /jwt lifetime.
    expect(access.exp - access.iat).toBe(15 * 60);
    expect(new Date(first.json.expiresAt).getTime() / 1000).toBeCloseTo(access.exp, -1);

    const second = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: first.json.refreshToken },
      origin: null,
    });
    expect(second.status).toBe(200);
    expect(second.json.refreshToken).not.toBe(first.json.refreshToken);
    expect((await claimsOf(second.json.token)).sid).toBe(access.sid);
    const third = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: second.json.refreshToken },
      origin: null,
    });
    expect(third.status).toBe(200);

    // The retired first token comes back: the family and the session end.
    const reuse = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: first.json.refreshToken },
      origin: null,
    });
    expect(reuse.status).toBe(401);
    expect(reuse.json.error.code).toBe("REFRESH_TOKEN_REUSED");
    const newest = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: third.json.refreshToken },
      origin: null,
    });
    expect(newest.status).toBe(401);
    expect(newest.json.error.code).toBe("REFRESH_TOKEN_INVALID");
    expect((await jwtFor(user.session)).status).toBe(401);
    if (redis) expect(await redis.get(`${REVOKED_SESSION_PREFIX}${access.sid}`)).toBe("1");

    for (const body of [{}, { refreshToken: "" }, { refreshToken: 42 }, { refreshToken: "x".repeat(300) }]) {
      const res = await call(auth.url, "/api/auth/refresh-token", { body, origin: null });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("VALIDATION_ERROR");
    }
    const unknown = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: "not-a-token" },
      origin: null,
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.code).toBe("REFRESH_TOKEN_INVALID");
  });

  it("API keys: created with scopes and shown once, exchanged for a short JWT, revoked keys cannot exchange", async () => {
    const owner = await signUp();
    await call(auth.url, "/api/auth/admin/set-role", {
      bearer: adminAccount.session,
      body: { userId: owner.id, role: "author" },
    });
    const noScopes = await call(auth.url, "/api/auth/api-key/create", {
      bearer: owner.session,
      body: { name: "lms" },
    });
    expect(noScopes.status).toBe(400);
    expect(noScopes.json.error.code).toBe("VALIDATION_ERROR");
    const badScope = await call(auth.url, "/api/auth/api-key/create", {
      bearer: owner.session,
      body: { name: "lms", metadata: { scopes: ["admin"] } },
    });
    expect(badScope.status).toBe(400);
    const serverOnly = await call(auth.url, "/api/auth/api-key/create", {
      bearer: owner.session,
      body: { name: "lms", metadata: { scopes: ["search"] }, rateLimitMax: 100000 },
    });
    expect(serverOnly.status).toBe(400);

    const created = await call(auth.url, "/api/auth/api-key/create", {
      bearer: owner.session,
      body: { name: "lms", metadata: { scopes: ["search"] }, expiresIn: 7 * 86_400 },
    });
    expect(created.status).toBe(200);
    const key: string = created.json.key;
    expect(key).toMatch(/^aib_/);
    expect(new Date(created.json.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    // Listed without the key itself (stored hashed: shown once).
    const listed = await call(auth.url, "/api/auth/api-key/list", { bearer: owner.session });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(key);
    const stored = await asExecutor(auth.service.database.db).execute(sql`select key from apikey`);
    expect(JSON.stringify(stored)).not.toContain(key);

    const exchanged = await exchange(key);
    expect(exchanged.status).toBe(200);
    expect(Object.keys(exchanged.json).sort()).toEqual(["expiresAt", "token"]);
    const claims = await claimsOf(exchanged.json.token);
    expect(claims).toMatchObject({
      userId: owner.id,
      keyId: created.json.id,
      scopes: ["search"],
      // A key acts as a reader whatever its owner's role.
      role: "reader",
      sid: `${API_KEY_SID_PREFIX}${created.json.id}`,
    });
    expect(claims.exp - claims.iat).toBe(15 * 60);

    const wrong = await call(auth.url, "/api/auth/api-key/exchange", {
      method: "POST",
      origin: null,
      headers: { "x-api-key": `${key.slice(0, -1)}x` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("API_KEY_INVALID");
    const none = await call(auth.url, "/api/auth/api-key/exchange", { method: "POST", origin: null });
    expect(none.status).toBe(401);

    const other = await signUp();
    const notMine = await call(auth.url, "/api/auth/api-key/delete", {
      bearer: other.session,
      body: { keyId: created.json.id },
    });
    expect(notMine.status).toBe(404);
    const revoked = await call(auth.url, "/api/auth/api-key/delete", {
      bearer: owner.session,
      body: { keyId: created.json.id },
    });
    expect(revoked.status).toBe(200);
    const after = await exchange(key);
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe("API_KEY_INVALID");
    if (redis) expect(await redis.get(`${REVOKED_SESSION_PREFIX}${claims.sid}`)).toBe("1");
  });

  it("PyJWT verifies refresh-flow and API-key tokens too", async () => {
    const user = await signUp();
    const pair = await call(auth.url, "/api/auth/refresh-token/issue", {
      bearer: user.session,
      method: "POST",
    });
    const key = await call(auth.url, "/api/auth/api-key/create", {
      bearer: user.session,
      body: { name: "py", metadata: { scopes: ["chat", "search"] } },
    });
    const exchanged = await exchange(key.json.key);
    const script = [
      "import json, os, jwt",
      "print(json.dumps(jwt.decode(os.environ['TOKEN'], os.environ['JWT_SECRET'], algorithms=['HS256'], audience='api-service', issuer='auth-service')))",
    ].join("\n");
    for (const token of [pair.json.token, exchanged.json.token]) {
      const py = spawnSync("/usr/bin/python3", ["-c", script], {
        env: { TOKEN: token, JWT_SECRET, PATH: "/usr/bin:/bin" },
        encoding: "utf8",
      });
      expect(py.stderr).toBe("");
      expect(py.status).toBe(0);
      expect(JSON.parse(py.stdout).userId).toBe(user.id);
    }
  });

  it("audit: each event once for its action, no secret in any row, admin-only reads with filters and cursors", async () => {
    const { service } = auth;
    const secrets: string[] = [PASSWORD, "a different password 123"];
    const user = await signUp();
    secrets.push(user.session, user.jwt);
    const failed = await call(auth.url, "/api/auth/sign-in/email", {
      from: nextFrom(),
      body: { email: user.email, password: "wrong password entirely" },
    });
    expect(failed.status).toBe(401);
    secrets.push("wrong password entirely");
    const signIn = await call(auth.url, "/api/auth/sign-in/email", {
      from: nextFrom(),
      headers: { "user-agent": "audit-test/1.0" },
      body: { email: user.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(200);
    const session: string = signIn.json.token;
    secrets.push(session);
    const changed = await call(auth.url, "/api/auth/change-password", {
      bearer: session,
      body: { currentPassword: PASSWORD, newPassword: "a different password 123" },
    });
    expect(changed.status).toBe(200);
    await call(auth.url, "/api/auth/admin/set-role", {
      bearer: adminAccount.session,
      body: { userId: user.id, role: "author" },
    });
    const key = await call(auth.url, "/api/auth/api-key/create", {
      bearer: session,
      body: { name: "audit", metadata: { scopes: ["chat"] } },
    });
    secrets.push(key.json.key);
    const ex = await exchange(key.json.key);
    secrets.push(ex.json.token);
    await call(auth.url, "/api/auth/api-key/delete", { bearer: session, body: { keyId: key.json.id } });
    const pair = await call(auth.url, "/api/auth/refresh-token/issue", { bearer: session, method: "POST" });
    const rotated = await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: pair.json.refreshToken },
      origin: null,
    });
    secrets.push(pair.json.token, pair.json.refreshToken, rotated.json.token, rotated.json.refreshToken);
    await call(auth.url, "/api/auth/refresh-token", {
      body: { refreshToken: pair.json.refreshToken },
      origin: null,
    });
    // The reuse ended that session; sign in again to sign out.
    const back = await call(auth.url, "/api/auth/sign-in/email", {
      from: nextFrom(),
      body: { email: user.email, password: "a different password 123" },
    });
    secrets.push(back.json.token);
    expect(
      (await call(auth.url, "/api/auth/sign-out", { bearer: back.json.token, method: "POST" })).status,
    ).toBe(200);
    await call(auth.url, "/api/auth/admin/ban-user", {
      bearer: adminAccount.session,
      body: { userId: user.id },
    });
    await call(auth.url, "/api/auth/admin/unban-user", {
      bearer: adminAccount.session,
      body: { userId: user.id },
    });
    await call(auth.url, `/api/auth/admin/get-user?id=${user.id}`, { bearer: adminAccount.session });

    // The reader cannot read the log; the admin can.
    expect((await call(auth.url, "/api/admin/audit", { bearer: session })).status).toBe(401);
    const readerTry = await call(auth.url, "/api/admin/audit", { bearer: back.json.token });
    expect(readerTry.status).toBe(401);
    const fresh = await signUp();
    const forbidden = await call(auth.url, "/api/admin/audit", { bearer: fresh.session });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.code).toBe("FORBIDDEN_ROLE");

    const page = await call(auth.url, `/api/admin/audit?userId=${user.id}&limit=200`, {
      bearer: adminAccount.session,
    });
    expect(page.status).toBe(200);
    expect(Object.keys(page.json).sort()).toEqual(["events", "nextCursor"]);
    const events: Array<Record<string, string | null>> = page.json.events;
    for (const e of events)
      expect(Object.keys(e).sort()).toEqual(
        ["actorId", "at", "ip", "outcome", "requestId", "subjectId", "type", "userAgent"].sort(),
      );
    const count = (type: string, outcome?: string) =>
      events.filter((e) => e.type === type && (!outcome || e.outcome === outcome)).length;
    expect(count("sign_up")).toBe(1);
    expect(count("sign_in", "failure:INVALID_EMAIL_OR_PASSWORD")).toBe(1);
    expect(count("sign_in", "success")).toBe(2);
    expect(count("password_changed")).toBe(1);
    expect(count("role_changed", "success:author")).toBe(1);
    // Key events name the key (its id, never the key).
    expect(count("api_key_created", `success:${key.json.id}`)).toBe(1);
    expect(count("api_key_exchanged", `success:${key.json.id}`)).toBe(1);
    expect(count("api_key_revoked", `success:${key.json.id}`)).toBe(1);
    expect(count("refresh_token_reuse_detected")).toBe(1);
    expect(count("sign_out")).toBe(1);
    expect(count("user_banned")).toBe(1);
    expect(count("user_unbanned")).toBe(1);
    expect(count("admin_read", "success:/admin/get-user")).toBe(1);
    const withUa = events.find((e) => e.type === "sign_in" && e.userAgent === "audit-test/1.0");
    expect(withUa?.userAgent).toBe("audit-test/1.0");
    expect(withUa?.ip).toMatch(/^127\./);
    expect(withUa?.requestId).toBeTruthy();
    expect(events.find((e) => e.type === "role_changed")?.actorId).toBe(adminAccount.id);

    // Filters and cursor pagination walk the same events, newest first, without overlap.
    const byType = await call(auth.url, `/api/admin/audit?userId=${user.id}&type=sign_in`, {
      bearer: adminAccount.session,
    });
    expect(byType.json.events.every((e: { type: string }) => e.type === "sign_in")).toBe(true);
    expect(byType.json.events).toHaveLength(3);
    // Each read of the log is itself an admin_read event (newer than the events being paged through).
    const notAuditRead = (e: Record<string, string | null>) => e.outcome !== "success:/api/admin/audit";
    const eventKey = (e: Record<string, string | null>) => `${e.at}/${e.type}/${e.outcome}`;
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await call(
        auth.url,
        `/api/admin/audit?userId=${user.id}&limit=4${cursor ? `&cursor=${cursor}` : ""}`,
        { bearer: adminAccount.session },
      );
      expect(res.status).toBe(200);
      seen.push(...res.json.events.filter(notAuditRead).map(eventKey));
      cursor = res.json.nextCursor;
    }
    expect(seen).toEqual(events.filter(notAuditRead).map(eventKey));
    const future = await call(
      auth.url,
      `/api/admin/audit?from=${new Date(Date.now() + 3_600_000).toISOString()}`,
      {
        bearer: adminAccount.session,
      },
    );
    expect(future.json).toEqual({ events: [], nextCursor: null });
    for (const q of ["limit=0", "limit=abc", "cursor=-1", "from=yesterday", "type=DROP%20TABLE", "other=1"]) {
      const bad = await call(auth.url, `/api/admin/audit?${q}`, { bearer: adminAccount.session });
      expect(bad.status, q).toBe(400);
      expect(bad.json.error.code).toBe("VALIDATION_ERROR");
    }

    // No secret in any row, nor in the structured log's audit lines.
    const rows = await asExecutor(service.database.db).execute(sql`select * from audit_event`);
    const dump = JSON.stringify(rows);
    const auditLines = auth.logs.lines.filter((l) => l.includes('"audit"')).join("\n");
    expect(auditLines).toContain('"type":"sign_up"');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(dump).not.toContain(secret);
      expect(auditLines).not.toContain(secret);
      // Nor anywhere else in the service's log (access log, Better Auth's warnings).
      expect(auth.logs.text()).not.toContain(secret);
    }

    // No route alters the log, and the table itself refuses it.
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await fetch(`${auth.url}/api/admin/audit`, {
        method,
        headers: { authorization: `Bearer ${adminAccount.session}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status, method).toBeGreaterThanOrEqual(400);
      expect(res.status, method).toBeLessThan(500);
    }
    const db = asExecutor(service.database.db);
    await expect(db.execute(sql`update audit_event set outcome = 'success'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_event`)).rejects.toThrow();
    const after = await call(auth.url, `/api/admin/audit?userId=${user.id}&limit=200`, {
      bearer: adminAccount.session,
    });
    expect(after.json.events.length).toBeGreaterThanOrEqual(events.length);
  });

  it("audit: database hooks record an OAuth account link and an account deletion once each (issue 13's flows)", async () => {
    const user = await signUp();
    const ctx = await auth.service.auth.$context;
    // What genericOAuth / social sign-in do when they link a provider account, and what delete-user does.
    await ctx.internalAdapter.createAccount({
      userId: user.id,
      providerId: "github",
      accountId: `gh-${user.id}`,
      accessToken: "gho_provider_access_token_secret",
    });
    await ctx.internalAdapter.deleteUser(user.id);
    const { events } = await auth.service.audit.query({ userId: user.id, limit: 50 });
    expect(events.filter((e) => e.type === "oauth_account_linked").map((e) => e.outcome)).toEqual([
      "success:github",
    ]);
    expect(events.filter((e) => e.type === "account_deleted")).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain("gho_provider_access_token_secret");
  });

  it("retention: prune removes only events older than AUDIT_RETENTION_DAYS", async () => {
    const { audit } = auth.service;
    const before = await audit.query({ limit: 200 });
    expect(before.events.length).toBeGreaterThan(0);
    // Nothing is older than a day yet.
    expect(await audit.prune(1)).toBe(0);
    // "Now" a year and a day later, everything is past a 365-day retention.
    const later = new Date(Date.now() + 366 * 86_400_000);
    const pruned = await audit.prune(365, later);
    expect(pruned).toBeGreaterThanOrEqual(before.events.length);
    expect((await audit.query({ limit: 10 })).events).toEqual([]);
  });
});
