// The JWT guard through a running server: every failure → 401 with its reason; revoked sessions with Redis; JWKS mode.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { errorEnvelopeSchema, JWT_AUDIENCE, JWT_ISSUER, REVOKED_SESSION_PREFIX } from "@ai-book/contracts";
import { requireEnv } from "@ai-book/testkit";
import { Redis } from "ioredis";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { signToken, startTestApi, TEST_SECRET, type TestApi } from "../../test/harness.ts";
import { tokenVerifier } from "./auth.ts";

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_PER_MINUTE: "1000" });
});
afterAll(() => api.stop());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
const validPayload = () => ({
  userId: "u1",
  email: "u1@example.com",
  name: "U",
  emailVerified: true,
  softwareBackground: null,
  hardwareBackground: null,
  interestArea: null,
  sid: "s1",
  sub: "u1",
  jti: "j1",
  iat: now(),
  exp: now() + 600,
  iss: JWT_ISSUER,
  aud: JWT_AUDIENCE,
});
const secret = new TextEncoder().encode(TEST_SECRET);

async function expect401(token: string | null, reason: string, headerValue?: string) {
  const res = await fetch(`${api.url}/v1/search`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(headerValue !== undefined
        ? { authorization: headerValue }
        : token
          ? { authorization: `Bearer ${token}` }
          : {}),
    },
    body: JSON.stringify({ query: "zero moment point" }),
  });
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  const body = errorEnvelopeSchema.parse(await res.json());
  expect(body.error.code).toBe(reason);
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
}

describe("JWT guard (HS256, contract tokens)", () => {
  it("accepts a token made by the contract and refuses none of the routes' valid calls", async () => {
    const res = await api.post("/v1/search", { query: "zero moment point" }, await signToken());
    expect(res.status).toBe(200);
  });

  it("missing or non-Bearer Authorization → TOKEN_MISSING", async () => {
    await expect401(null, "TOKEN_MISSING");
    await expect401(null, "TOKEN_MISSING", "Basic dXNlcjpwYXNz");
    await expect401(null, "TOKEN_MISSING", "Bearer ");
  });

  it("expired beyond the 30 s tolerance → TOKEN_EXPIRED; within it → accepted", async () => {
    await expect401(await signToken({ expiresIn: -120 }), "TOKEN_EXPIRED");
    const res = await api.post("/v1/search", { query: "imu" }, await signToken({ expiresIn: -10 }));
    expect(res.status).toBe(200);
  });

  it("malformed, wrongly signed, wrong issuer/audience, alg none, other algorithm → TOKEN_INVALID", async () => {
    await expect401("not-a-jwt", "TOKEN_INVALID");
    await expect401("a.b.c", "TOKEN_INVALID");
    await expect401(
      await signToken({ secret: "another-secret-of-sufficient-length-0123456789" }),
      "TOKEN_INVALID",
    );
    await expect401(await signToken({ issuer: "someone-else" }), "TOKEN_INVALID");
    await expect401(await signToken({ audience: "another-api" }), "TOKEN_INVALID");
    for (const alg of ["none", "None", "NONE"])
      await expect401(`${b64({ alg, typ: "JWT" })}.${b64(validPayload())}.`, "TOKEN_INVALID");
    const hs512 = await new SignJWT(validPayload()).setProtectedHeader({ alg: "HS512" }).sign(secret);
    await expect401(hs512, "TOKEN_INVALID");
    // Tampered payload under the original signature.
    const [h, , s] = (await signToken()).split(".");
    await expect401(`${h}.${b64({ ...validPayload(), userId: "admin" })}.${s}`, "TOKEN_INVALID");
    await expect401("x".repeat(10_000), "TOKEN_INVALID");
  });

  it("missing exp, claims of the wrong type, iat in the future → TOKEN_INVALID", async () => {
    const { exp: _exp, ...noExp } = validPayload();
    await expect401(
      await new SignJWT(noExp).setProtectedHeader({ alg: "HS256" }).sign(secret),
      "TOKEN_INVALID",
    );
    await expect401(
      await new SignJWT({ ...validPayload(), emailVerified: "yes" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(secret),
      "TOKEN_INVALID",
    );
    await expect401(
      await new SignJWT({ ...validPayload(), softwareBackground: "Guru" })
        .setProtectedHeader({ alg: "HS256" })
        .sign(secret),
      "TOKEN_INVALID",
    );
    await expect401(
      await new SignJWT({ ...validPayload(), iat: now() + 3600, exp: now() + 7200 })
        .setProtectedHeader({ alg: "HS256" })
        .sign(secret),
      "TOKEN_INVALID",
    );
  });

  it("counts failures by reason in /metrics", async () => {
    await expect401(null, "TOKEN_MISSING");
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/jwt_verification_failures_total\{reason="TOKEN_MISSING"\} [1-9]/);
    expect(text).toMatch(/jwt_verification_failures_total\{reason="TOKEN_INVALID"\} [1-9]/);
  });

  it("never logs the token", async () => {
    const token = await signToken();
    await api.post("/v1/search", { query: "imu" }, token);
    await expect401(await signToken({ expiresIn: -120 }), "TOKEN_EXPIRED");
    expect(api.logs.text()).not.toContain(token.split(".")[2]);
  });
});

describe("tokenVerifier (HS256, in process)", () => {
  const verify = tokenVerifier({ algorithm: "HS256", secret: TEST_SECRET });
  const reasonOf = async (token: string) => {
    try {
      await verify(token);
      return "accepted";
    } catch (err) {
      return (err as { reason?: string }).reason ?? String(err);
    }
  };
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives the same claims for a token seen again (remembered) as the first time", async () => {
    const token = await signToken({ userId: "again" });
    const first = await verify(token);
    expect(first.userId).toBe("again");
    expect(await verify(token)).toEqual(first);
  });

  it("a remembered token is refused TOKEN_EXPIRED once exp + 30 s has passed", async () => {
    const token = await signToken({ expiresIn: 5 });
    expect(await reasonOf(token)).toBe("accepted");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 20_000);
    expect(await reasonOf(token)).toBe("accepted");
    vi.setSystemTime(Date.now() + 20_000);
    expect(await reasonOf(token)).toBe("TOKEN_EXPIRED");
  });

  it("a well-signed token whose claims break the contract is refused every time, not remembered as good", async () => {
    const token = await new SignJWT({ ...validPayload(), emailVerified: "yes" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(secret);
    expect(await reasonOf(token)).toBe("TOKEN_INVALID");
    expect(await reasonOf(token)).toBe("TOKEN_INVALID");
  });

  it("a well-signed token issued in the future is refused each time it is seen, then accepted once its iat is reached", async () => {
    const token = await new SignJWT({ ...validPayload(), iat: now() + 3600, exp: now() + 7200 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(secret);
    expect(await reasonOf(token)).toBe("TOKEN_INVALID");
    expect(await reasonOf(token)).toBe("TOKEN_INVALID");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 3600_000);
    expect(await reasonOf(token)).toBe("accepted");
  });

  it("nbf in the future, a crit header, a foreign algorithm under the same secret → TOKEN_INVALID", async () => {
    const sign = (header: Record<string, unknown>, claims: object = validPayload()) =>
      new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256", typ: "JWT", ...header }).sign(secret);
    expect(await reasonOf(await sign({}, { ...validPayload(), nbf: now() + 3600 }))).toBe("TOKEN_INVALID");
    // jose will not sign an unknown critical extension: signed by hand with the real secret.
    const input = `${b64({ alg: "HS256", crit: ["x-ext"], "x-ext": 1 })}.${b64(validPayload())}`;
    const crit = `${input}.${createHmac("sha256", TEST_SECRET).update(input).digest("base64url")}`;
    expect(await reasonOf(crit)).toBe("TOKEN_INVALID");
    const hs384Input = `${b64({ alg: "HS384" })}.${b64(validPayload())}`;
    const hs384 = `${hs384Input}.${createHmac("sha384", TEST_SECRET).update(hs384Input).digest("base64url")}`;
    expect(await reasonOf(hs384)).toBe("TOKEN_INVALID");
    expect(await reasonOf(await sign({}))).toBe("accepted");
  });

  it("a well-signed token without typ JWT is refused (RFC 8725 3.11, issue 19 finding 12)", async () => {
    const sign = (header: Record<string, unknown>) =>
      new SignJWT(validPayload()).setProtectedHeader({ alg: "HS256", ...header }).sign(secret);
    expect(await reasonOf(await sign({}))).toBe("TOKEN_INVALID");
    expect(await reasonOf(await sign({ typ: "at+jwt" }))).toBe("TOKEN_INVALID");
    expect(await reasonOf(await sign({ typ: "JWT" }))).toBe("accepted");
  });
});

const redisUrl = requireEnv("REDIS_URL");

describe.skipIf(!redisUrl)("revoked sessions (Redis)", () => {
  let withRedis: TestApi;
  let redis: Redis;
  beforeAll(async () => {
    withRedis = await startTestApi({
      REDIS_URL: redisUrl,
      RATE_LIMIT_PER_MINUTE: "1000",
      RATE_LIMIT_KEY_PREFIX: `test-auth-${crypto.randomUUID()}:`,
    });
    redis = new Redis(redisUrl ?? "");
  });
  afterAll(async () => {
    redis.disconnect();
    await withRedis.stop();
  });

  it("a token whose sid is in the revocation set → TOKEN_REVOKED; other sessions still pass", async () => {
    const sid = `sid-${crypto.randomUUID()}`;
    const token = await signToken({ sid });
    expect((await withRedis.post("/v1/search", { query: "imu" }, token)).status).toBe(200);
    await redis.set(`${REVOKED_SESSION_PREFIX}${sid}`, "1", "EX", 60);
    const res = await withRedis.post("/v1/search", { query: "imu" }, token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(errorEnvelopeSchema.parse(await res.json()).error.code).toBe("TOKEN_REVOKED");
    expect((await withRedis.post("/v1/search", { query: "imu" }, await signToken())).status).toBe(200);
  });
});

describe("asymmetric mode (EdDSA via the auth-service's JWKS URL, served by a local HTTP server)", () => {
  let jwks: Server;
  let edApi: TestApi;
  let privateKey: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
    jwks = createServer((req, res) => {
      if (req.url !== "/api/auth/jwks") return res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, "127.0.0.1", () => r()));
    const port = (jwks.address() as AddressInfo).port;
    edApi = await startTestApi({
      JWT_ALGORITHM: "EdDSA",
      AUTH_SERVICE_URL: `http://127.0.0.1:${port}`,
      JWT_SECRET: undefined,
    });
  });
  afterAll(async () => {
    await edApi.stop();
    await new Promise((r) => jwks.close(r));
  });

  it("accepts EdDSA tokens signed by the published key and refuses HS256 ones (no key confusion)", async () => {
    const ed = await new SignJWT(validPayload())
      .setProtectedHeader({ alg: "EdDSA", kid: "k1", typ: "JWT" })
      .sign(privateKey);
    expect((await edApi.post("/v1/search", { query: "imu" }, ed)).status).toBe(200);
    const hs = await edApi.post("/v1/search", { query: "imu" }, await signToken());
    expect(hs.status).toBe(401);
    expect(errorEnvelopeSchema.parse(await hs.json()).error.code).toBe("TOKEN_INVALID");
  });
});
