// Roles, bans, API keys and refresh reuse across the real auth-service and api-service: auth on PGlite and (with
// DATABASE_URL) PostgreSQL; revocations through the shared SQLite file, and through Redis when REDIS_URL is set.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { startServer } from "@ai-book/http";
import { createPgDatabase, requireEnv, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthService } from "../../../auth/src/app.ts";
import { loadConfig as loadAuthConfig } from "../../../auth/src/config.ts";
import { startTestApi, TEST_SECRET, type TestApi } from "../../test/harness.ts";

const ORIGIN = "http://localhost:3000";
const REDIS_URL = requireEnv("REDIS_URL");
const DATABASE_URL = requireEnv("DATABASE_URL");
const PASSWORD = "correct horse battery";

interface Variant {
  name: string;
  postgres: boolean;
  /** Redis carries the revocations, else the shared file; either way the very next request is refused. */
  redis: boolean;
}
const variants: Variant[] = [
  { name: "PGlite, shared revocation file", postgres: false, redis: false },
  ...(REDIS_URL ? [{ name: "PGlite, Redis", postgres: false, redis: true }] : []),
  ...(DATABASE_URL ? [{ name: "PostgreSQL, shared revocation file", postgres: true, redis: false }] : []),
  ...(DATABASE_URL && REDIS_URL ? [{ name: "PostgreSQL, Redis", postgres: true, redis: true }] : []),
];

describe.each(variants)("access across the auth-service and the api-service ($name)", (variant) => {
  let api: TestApi;
  let auth: Awaited<ReturnType<typeof createAuthService>>;
  let authServer: Awaited<ReturnType<typeof startServer>>;
  const dir = tempDir("ai-book-auth-");
  const ADMIN = `admin-${randomUUID().slice(0, 8)}@example.com`;
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const shared = variant.redis
      ? { REDIS_URL }
      : { REVOCATION_DB_PATH: join(dir.path, "shared", "revocations.sqlite") };
    let databaseUrl: string | undefined;
    if (variant.postgres && DATABASE_URL) {
      const created = await createPgDatabase(DATABASE_URL);
      databaseUrl = created.url;
      dropDb = created.drop;
    }
    auth = await createAuthService(
      loadAuthConfig({
        NODE_ENV: "test",
        DATA_DIR: dir.path,
        JWT_SECRET: TEST_SECRET,
        BETTER_AUTH_SECRET: "better-auth-secret-for-tests-0123456789abcdef",
        CORS_ORIGINS: ORIGIN,
        LOG_LEVEL: "silent",
        ADMIN_EMAILS: ADMIN,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        ...shared,
      }),
      { redisKeyPrefix: `ai-book-access-${randomUUID().slice(0, 8)}:` },
    );
    authServer = await startServer(auth.app, { port: 0 });
    api = await startTestApi({ RATE_LIMIT_PER_MINUTE: "1000", ...shared });
  });
  afterAll(async () => {
    await api?.stop();
    await authServer?.close(1000);
    await auth?.close();
    await dropDb?.();
    dir.cleanup();
  });

  async function authCall(
    path: string,
    opts: { body?: unknown; bearer?: string; headers?: Record<string, string> },
  ) {
    const res = await fetch(`${authServer.url}${path}`, {
      method:
        opts.body === undefined && !path.includes("exchange") && !path.includes("issue") ? "GET" : "POST",
      headers: {
        ...(opts.body === undefined ? {} : { "content-type": "application/json", origin: ORIGIN }),
        ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
    const json: any = await res.json().catch(() => undefined);
    return { status: res.status, headers: res.headers, json };
  }

  async function signUp(email = `u-${randomUUID().slice(0, 8)}@example.com`) {
    const res = await authCall("/api/auth/sign-up/email", { body: { email, password: PASSWORD, name: "U" } });
    expect(res.status).toBe(200);
    return {
      id: res.json.user.id as string,
      session: res.json.token as string,
      jwt: res.headers.get(SET_AUTH_JWT_HEADER) ?? "",
    };
  }

  const search = (token: string) => api.post("/v1/search", { query: "zero moment point" }, token);
  const chat = (token: string) => api.post("/v1/chat", { message: "What is an IMU?" }, token);
  const authorIndex = (token: string) =>
    fetch(`${api.url}/v1/author/index`, { headers: { authorization: `Bearer ${token}` } });

  describe("roles, keys, bans and refresh reuse", () => {
    let admin: Awaited<ReturnType<typeof signUp>>;
    beforeAll(async () => {
      admin = await signUp(ADMIN);
    });

    it("a reader gets 403 FORBIDDEN_ROLE on the author route; after set-role the next JWT gets 200", async () => {
      const user = await signUp();
      const refused = await authorIndex(user.jwt);
      expect(refused.status).toBe(403);
      expect((await refused.json()).error.code).toBe("FORBIDDEN_ROLE");
      const set = await authCall("/api/auth/admin/set-role", {
        bearer: admin.session,
        body: { userId: user.id, role: "author" },
      });
      expect(set.status).toBe(200);
      // The old token keeps its role until it expires.
      expect((await authorIndex(user.jwt)).status).toBe(403);
      const next = await authCall("/api/auth/jwt", { bearer: user.session });
      expect((await authorIndex(next.json.token)).status).toBe(200);
    });

    it("an API key with scope search can search and cannot chat", async () => {
      const owner = await signUp();
      const key = await authCall("/api/auth/api-key/create", {
        bearer: owner.session,
        body: { name: "lms", metadata: { scopes: ["search"] } },
      });
      expect(key.status).toBe(200);
      const ex = await authCall("/api/auth/api-key/exchange", { headers: { "x-api-key": key.json.key } });
      expect(ex.status).toBe(200);
      expect((await search(ex.json.token)).status).toBe(200);
      const denied = await chat(ex.json.token);
      expect(denied.status).toBe(403);
      expect((await denied.json()).error.code).toBe("FORBIDDEN_SCOPE");
    });

    describe("through the revocation set", () => {
      it("a banned user is refused by both services within a second", async () => {
        const user = await signUp();
        expect((await search(user.jwt)).status).toBe(200);
        const ban = await authCall("/api/auth/admin/ban-user", {
          bearer: admin.session,
          body: { userId: user.id },
        });
        expect(ban.status).toBe(200);
        // "Within a second" without a clock: the revocation is committed before the ban answers, and the api-service
        // looks at Redis or the file on every request, so the very first request after it is refused.
        const refused = await search(user.jwt);
        expect(refused.status).toBe(401);
        expect((await refused.json()).error.code).toBe("TOKEN_REVOKED");
        expect((await authCall("/api/auth/jwt", { bearer: user.session })).status).toBe(401);
      });

      it("a revoked key cannot exchange, and its exchanged token is refused at once", async () => {
        const owner = await signUp();
        const key = await authCall("/api/auth/api-key/create", {
          bearer: owner.session,
          body: { name: "lms", metadata: { scopes: ["chat", "search"] } },
        });
        const ex = await authCall("/api/auth/api-key/exchange", { headers: { "x-api-key": key.json.key } });
        expect((await search(ex.json.token)).status).toBe(200);
        const del = await authCall("/api/auth/api-key/delete", {
          bearer: owner.session,
          body: { keyId: key.json.id },
        });
        expect(del.status).toBe(200);
        const again = await authCall("/api/auth/api-key/exchange", {
          headers: { "x-api-key": key.json.key },
        });
        expect(again.status).toBe(401);
        expect(again.json.error.code).toBe("API_KEY_INVALID");
        const refused = await search(ex.json.token);
        expect(refused.status).toBe(401);
        expect((await refused.json()).error.code).toBe("TOKEN_REVOKED");
        // The owner's own session is untouched.
        expect((await search(owner.jwt)).status).toBe(200);
      });

      it("a reused refresh token ends the session: its access tokens are refused by the api-service", async () => {
        const user = await signUp();
        const first = await authCall("/api/auth/refresh-token/issue", { bearer: user.session });
        const second = await authCall("/api/auth/refresh-token", {
          body: { refreshToken: first.json.refreshToken },
        });
        expect(second.status).toBe(200);
        expect((await search(second.json.token)).status).toBe(200);
        const reuse = await authCall("/api/auth/refresh-token", {
          body: { refreshToken: first.json.refreshToken },
        });
        expect(reuse.json.error.code).toBe("REFRESH_TOKEN_REUSED");
        for (const token of [first.json.token, second.json.token, user.jwt]) {
          const res = await search(token);
          expect(res.status).toBe(401);
          expect((await res.json()).error.code).toBe("TOKEN_REVOKED");
        }
      });
    });
  });
});
