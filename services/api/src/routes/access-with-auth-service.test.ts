// Roles, bans, API keys and refresh reuse across the real auth-service and api-service (with Redis: the revocation set).
import { randomUUID } from "node:crypto";
import { SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { requireEnv } from "@ai-book/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { AUTH_ORIGIN, authAndApiForFile } from "../../test/harness.ts";

const REDIS_URL = requireEnv("REDIS_URL");
const PASSWORD = "correct horse battery";
const ADMIN = `admin-${randomUUID().slice(0, 8)}@example.com`;

const redis = REDIS_URL ? { REDIS_URL } : {};
const file = authAndApiForFile({
  authEnv: { ADMIN_EMAILS: ADMIN, ...redis },
  apiEnv: redis,
  redisKeyPrefix: `ai-book-access-${randomUUID().slice(0, 8)}:`,
});

async function authCall(
  path: string,
  opts: { body?: unknown; bearer?: string; headers?: Record<string, string> },
) {
  const res = await fetch(`${file.authUrl}${path}`, {
    method: opts.body === undefined && !path.includes("exchange") && !path.includes("issue") ? "GET" : "POST",
    headers: {
      ...(opts.body === undefined ? {} : { "content-type": "application/json", origin: AUTH_ORIGIN }),
      ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
  return { status: res.status, headers: res.headers, json: (await res.json().catch(() => undefined)) as any };
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

const search = (token: string) => file.api.post("/v1/search", { query: "zero moment point" }, token);
const chat = (token: string) => file.api.post("/v1/chat", { message: "What is an IMU?" }, token);
const authorIndex = (token: string) =>
  fetch(`${file.api.url}/v1/author/index`, { headers: { authorization: `Bearer ${token}` } });

describe("access across the auth-service and the api-service", () => {
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

  describe.skipIf(!REDIS_URL)("through the revocation set (REDIS_URL)", () => {
    it("a banned user is refused by both services within a second", async () => {
      const user = await signUp();
      expect((await search(user.jwt)).status).toBe(200);
      const ban = await authCall("/api/auth/admin/ban-user", {
        bearer: admin.session,
        body: { userId: user.id },
      });
      expect(ban.status).toBe(200);
      // "Within a second" without a clock: the revocation is written before the ban answers, so the very first
      // request after it is refused.
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
      const again = await authCall("/api/auth/api-key/exchange", { headers: { "x-api-key": key.json.key } });
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
