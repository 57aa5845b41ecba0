// Asymmetric mode (JWT_ALGORITHM=RS256 | EdDSA): tokens verify against GET /api/auth/jwks, across restarts and instances.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { jwtClaimsSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { closeAddressAgents, createPgDatabase, tempDir } from "@ai-book/testkit";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { call } from "./client.ts";
import { defaultVariant, type RunningAuth, type StartOptions, startAuth, uniqueEmail } from "./helpers.ts";

afterAll(closeAddressAgents);

async function jwksOf(auth: RunningAuth): Promise<JSONWebKeySet> {
  const res = await call(auth.url, "/api/auth/jwks", { origin: null });
  expect(res.status).toBe(200);
  for (const key of res.json.keys) {
    expect(key).not.toHaveProperty("d"); // never a private component
  }
  return res.json;
}

async function verifyWith(auth: RunningAuth, token: string, alg: string) {
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await jwksOf(auth)), {
    issuer: "auth-service",
    audience: "api-service",
    algorithms: [alg],
  });
  expect(protectedHeader).toMatchObject({ alg, typ: "JWT" });
  return jwtClaimsSchema.parse(payload);
}

describe.each(["RS256", "EdDSA"] as const)("JWT_ALGORITHM=%s", (alg) => {
  // Three service starts (two PGlite opens on disk without DATABASE_URL): slow on a busy machine.
  it("signs with a persisted key pair published at /api/auth/jwks (restart and second instance agree)", {
    timeout: 300_000,
  }, async () => {
    const data = tempDir("ai-book-jwks-");
    const pgDb =
      defaultVariant() === "postgres" ? await createPgDatabase(process.env.DATABASE_URL!) : undefined;
    const base: StartOptions = {
      env: { JWT_ALGORITHM: alg },
      ...(pgDb ? { databaseUrl: pgDb.url } : { pgliteDir: data.path }),
    };
    const from = alg === "RS256" ? "127.0.51.1" : "127.0.52.1";
    let first: RunningAuth | undefined;
    let second: RunningAuth | undefined;
    let twin: RunningAuth | undefined;
    try {
      first = await startAuth(base);
      const email = uniqueEmail(alg.toLowerCase());
      const up = await call(first.url, "/api/auth/sign-up/email", {
        from,
        body: { name: "K", email, password: "a long enough password", softwareBackground: "Advanced" },
      });
      expect(up.status).toBe(200);
      const fromHeader = up.headers.get(SET_AUTH_JWT_HEADER)!;
      const res = await call(first.url, "/api/auth/jwt", { from, bearer: up.json.token });
      expect(res.status).toBe(200);
      const token: string = res.json.token;
      const claims = await verifyWith(first, token, alg);
      expect(claims).toMatchObject({ email, softwareBackground: "Advanced", iss: "auth-service" });
      await verifyWith(first, fromHeader, alg);
      const kid = decodeProtectedHeader(token).kid;
      expect(kid).toEqual(expect.any(String));
      // The jwt plugin's own token endpoint (other claims) is switched off.
      expect((await call(first.url, "/api/auth/token", { from, bearer: up.json.token })).status).toBe(404);

      // PyJWT fetches the JWKS over HTTP and verifies, as an asymmetric api-service verifier would.
      const script = [
        "import json, os, jwt",
        "key = jwt.PyJWKClient(os.environ['JWKS_URL']).get_signing_key_from_jwt(os.environ['TOKEN'])",
        "claims = jwt.decode(os.environ['TOKEN'], key.key, algorithms=[os.environ['ALG']], audience='api-service', issuer='auth-service')",
        "print(json.dumps(claims))",
      ].join("\n");
      // Asynchronously: the server answering PyJWT's JWKS request lives in this process.
      const py = await promisify(execFile)("/usr/bin/python3", ["-c", script], {
        env: { TOKEN: token, ALG: alg, JWKS_URL: `${first.url}/api/auth/jwks`, PATH: "/usr/bin:/bin" },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(py.stderr).toBe("");
      expect(JSON.parse(py.stdout)).toMatchObject({ email, sub: claims.userId });

      await first.stop();
      first = undefined;
      second = await startAuth(base);
      // A restart keeps the key: old tokens still verify and new ones carry the same kid.
      await verifyWith(second, token, alg);
      const again = await call(second.url, "/api/auth/jwt", { from, bearer: up.json.token });
      expect(decodeProtectedHeader(again.json.token).kid).toBe(kid);
      // A second instance on the same database publishes the same key set.
      twin = await startAuth({ ...base, shareDatabaseOf: second });
      expect(await jwksOf(twin)).toEqual(await jwksOf(second));
      await verifyWith(twin, again.json.token, alg);
    } finally {
      await twin?.stop();
      await second?.stop();
      await first?.stop();
      await pgDb?.drop();
      data.cleanup();
    }
  });
});
