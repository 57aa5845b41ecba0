// Roles and API-key scopes through a running api-service: 403 with a code, the guarded routes in OpenAPI, per-key buckets.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { ROLE_ROUTES, ROUTE_SCOPES } from "./require-role.ts";

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_PER_MINUTE: "3" });
});
afterAll(() => api.stop());

const getIndex = (token: string) =>
  fetch(`${api.url}/v1/author/index`, { headers: { authorization: `Bearer ${token}` } });

async function expect403(res: Response, code: string) {
  expect(res.status).toBe(403);
  const body = errorEnvelopeSchema.parse(await res.json());
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
}

describe("roles", () => {
  it("a reader gets 403 FORBIDDEN_ROLE on an author route; an author and an admin get 200", async () => {
    await expect403(await getIndex(await signToken({ claims: { role: "reader" } })), "FORBIDDEN_ROLE");
    for (const role of ["author", "admin"]) {
      const res = await getIndex(await signToken({ claims: { role } }));
      expect(res.status, role).toBe(200);
      expect(await res.json()).toMatchObject({ backend: "sqlite", documents: expect.any(Number) });
    }
  });

  it("a token from before roles existed (no role claim) reads as a reader", async () => {
    await expect403(await getIndex(await signToken()), "FORBIDDEN_ROLE");
    const search = await api.post("/v1/search", { query: "zero moment point" }, await signToken());
    expect(search.status).toBe(200);
  });

  it("an unknown role is not a valid token", async () => {
    const res = await getIndex(await signToken({ claims: { role: "owner" } }));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("TOKEN_INVALID");
  });

  it("every route of the one list carries x-required-roles in /openapi.json", async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { "x-required-roles"?: string[] }>>;
    };
    for (const [route, roles] of Object.entries(ROLE_ROUTES)) {
      const [method, path] = route.split(" ") as [string, string];
      expect(doc.paths[path]?.[method.toLowerCase()]?.["x-required-roles"], route).toEqual([...roles]);
    }
    // And no route outside the list claims roles.
    const claimed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op["x-required-roles"])
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    expect(claimed.sort()).toEqual(Object.keys(ROLE_ROUTES).sort());
  });
});

describe("API-key scopes", () => {
  const keyToken = (keyId: string, scopes: string[], userId = "owner-1") =>
    signToken({ userId, sid: `apikey:${keyId}`, claims: { keyId, scopes, role: "reader" } });

  it("a key with scope search can search and cannot chat", async () => {
    const token = await keyToken("k-search", ["search"]);
    const search = await api.post("/v1/search", { query: "zero moment point" }, token);
    expect(search.status).toBe(200);
    await expect403(await api.post("/v1/chat", { message: "What is an IMU?" }, token), "FORBIDDEN_SCOPE");
    await expect403(
      await api.post("/v1/chat/stream", { message: "What is an IMU?" }, token),
      "FORBIDDEN_SCOPE",
    );
  });

  it("a key token cannot call a route that lists no scope, whatever its scopes", async () => {
    const token = await keyToken("k-all", ["chat", "search"]);
    expect(Object.keys(ROUTE_SCOPES)).not.toContain("GET /v1/author/index");
    await expect403(await getIndex(token), "FORBIDDEN_SCOPE");
    expect((await api.post("/v1/chat", { message: "What is an IMU?" }, token)).status).toBe(200);
  });

  it("keyId without scopes (or the reverse) is not a valid token", async () => {
    for (const claims of [{ keyId: "k1" }, { scopes: ["chat"] }, { keyId: "k1", scopes: [] }]) {
      const res = await api.post("/v1/search", { query: "imu" }, await signToken({ claims }));
      expect(res.status, JSON.stringify(claims)).toBe(401);
    }
  });

  it("each key has its own rate-limit bucket, apart from its owner's", async () => {
    const owner = "bucket-owner";
    const a = await keyToken("k-a", ["search"], owner);
    const b = await keyToken("k-b", ["search"], owner);
    const reader = await signToken({ userId: owner });
    const search = (t: string) => api.post("/v1/search", { query: "imu" }, t);
    for (let i = 0; i < 3; i++) expect((await search(a)).status).toBe(200);
    expect((await search(a)).status).toBe(429);
    expect((await search(b)).status).toBe(200);
    expect((await search(reader)).status).toBe(200);
  });
});
