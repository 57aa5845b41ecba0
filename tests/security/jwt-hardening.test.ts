// Issue 19, finding 12 against the real services: typ checked, iss/aud per environment, no JWT outliving its session, distinct secrets in production.

import {
  AUTH_MAIN,
  newSecret,
  type RunningSystem,
  runUntilExit,
  startSystem,
  tempDir,
} from "@ai-book/testkit";
import { decodeJwt, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "./hostile-jwt.ts";
import { envelopeCode, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const STAGING = { JWT_ISSUER: "https://auth.staging.example", JWT_AUDIENCE: "staging-api" };

describe("finding 12: JWT hardening", () => {
  let sys: RunningSystem;
  const dir = tempDir("ai-book-jwt12-");
  beforeAll(async () => {
    sys = await startSystem({
      auth: { env: { ...STAGING, SESSION_MAX_AGE: "120", JWT_EXPIRES_IN: "15m" } },
      api: { env: STAGING, rateLimitPerMinute: 100_000 },
    });
  });
  afterAll(async () => {
    await sys?.stop();
    dir.cleanup();
  });

  const search = (jwt: string) =>
    postJson(`${sys.api.url}/v1/search`, { query: "IMU" }, { headers: { authorization: `Bearer ${jwt}` } });

  it("staging tokens carry the configured iss/aud and work; a default (other environment) token is refused", async () => {
    const claims = decodeJwt(sys.reader.jwt);
    expect(claims.iss).toBe(STAGING.JWT_ISSUER);
    expect(claims.aud).toBe(STAGING.JWT_AUDIENCE);
    expect((await search(sys.reader.jwt)).status).toBe(200);
    // Same key, the defaults' issuer and audience: a token of another environment.
    const other = await search(await signValid(sys.jwtSecret));
    expect(other.status).toBe(401);
    expect(envelopeCode(other)).toBe("TOKEN_INVALID");
  });

  it("a well-signed token without typ JWT is refused", async () => {
    const claims = validClaims({ iss: STAGING.JWT_ISSUER, aud: STAGING.JWT_AUDIENCE });
    const key = new TextEncoder().encode(sys.jwtSecret);
    const typed = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
    expect((await search(typed)).status).toBe(200);
    for (const header of [{ alg: "HS256" }, { alg: "HS256", typ: "at+jwt" }]) {
      const a = await search(await new SignJWT({ ...claims }).setProtectedHeader(header).sign(key));
      expect(a.status, JSON.stringify(header)).toBe(401);
      expect(envelopeCode(a)).toBe("TOKEN_INVALID");
    }
  });

  it("a JWT never outlives its session (SESSION_MAX_AGE below JWT_EXPIRES_IN caps exp)", () => {
    const { iat, exp } = decodeJwt(sys.reader.jwt);
    expect(exp! - iat!).toBeLessThanOrEqual(120);
    expect(exp! - iat!).toBeGreaterThan(0);
  });

  it("production refuses JWT_SECRET equal to BETTER_AUTH_SECRET, without printing it", async () => {
    const same = newSecret();
    const r = await runUntilExit(
      AUTH_MAIN,
      {
        NODE_ENV: "production",
        DATA_DIR: `${dir.path}/prod`,
        AUTH_SERVER_PORT: "0",
        AUTH_SERVER_HOST: "127.0.0.1",
        JWT_SECRET: same,
        BETTER_AUTH_SECRET: same,
      },
      240_000,
      { cwd: dir.path },
    );
    expect(r.timedOut).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/JWT_SECRET: must differ from BETTER_AUTH_SECRET/);
    expect(r.output).not.toContain(same);
  });
});
