// The reader's whole journey over a real socket, on PGlite and (with DATABASE_URL) PostgreSQL; PyJWT verifies our tokens.
import { spawnSync } from "node:child_process";
import {
  errorEnvelopeSchema,
  jwtClaimsSchema,
  jwtResponseSchema,
  SET_AUTH_JWT_HEADER,
} from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, cookieOf, ORIGIN } from "./client.ts";
import { dbVariants, JWT_SECRET, type RunningAuth, startAuth, uniqueEmail } from "./helpers.ts";
import { jwtAfterProfileUpdate } from "./reader-steps.ts";

afterAll(closeAddressAgents);

const CLAIM_KEYS = [
  "aud",
  "email",
  "emailVerified",
  "exp",
  "hardwareBackground",
  "iat",
  "interestArea",
  "iss",
  "jti",
  "name",
  "preferredLanguage",
  "role",
  "sid",
  "softwareBackground",
  "sub",
  "userId",
].sort();

const PASSWORD = "correct horse battery staple";

async function verify(token: string) {
  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(JWT_SECRET), {
    issuer: "auth-service",
    audience: "api-service",
    algorithms: ["HS256"],
  });
  return { claims: jwtClaimsSchema.parse(payload), header: protectedHeader };
}

describe.each(dbVariants())("full flow on %s", (variant) => {
  let auth: RunningAuth;
  beforeAll(async () => {
    auth = await startAuth({ variant });
  });
  afterAll(async () => {
    await auth?.stop();
  });

  it("sign-up → sign-in → get-session → jwt → update-user → new jwt → sign-out → 401", async () => {
    const email = uniqueEmail("flow");
    const from = "127.0.0.11";
    const signUp = await call(auth.url, "/api/auth/sign-up/email", {
      from,
      body: {
        name: "Ada Lovelace",
        email,
        password: PASSWORD,
        softwareBackground: "Intermediate",
        hardwareBackground: "Beginner",
        interestArea: "  humanoid locomotion  ",
      },
    });
    expect(signUp.status).toBe(200);
    expect(signUp.json.user).toMatchObject({
      email,
      name: "Ada Lovelace",
      softwareBackground: "Intermediate",
      hardwareBackground: "Beginner",
      interestArea: "humanoid locomotion",
    });
    expect(signUp.json.token).toEqual(expect.any(String));
    // The sign-up response already carries an access token.
    const upJwt = await verify(signUp.headers.get(SET_AUTH_JWT_HEADER)!);
    expect(upJwt.claims.email).toBe(email);

    const signIn = await call(auth.url, "/api/auth/sign-in/email", {
      from,
      body: { email, password: PASSWORD },
    });
    expect(signIn.status).toBe(200);
    const setCookie = signIn.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // not production
    const cookie = cookieOf(signIn);
    const inJwt = await verify(signIn.headers.get(SET_AUTH_JWT_HEADER)!);

    const session = await call(auth.url, "/api/auth/get-session", { from, cookie });
    expect(session.status).toBe(200);
    expect(session.json.user.email).toBe(email);
    expect(session.json.user.softwareBackground).toBe("Intermediate");
    expect(session.json.session.id).toBe(inJwt.claims.sid);

    const first = await call(auth.url, "/api/auth/jwt", { from, cookie });
    expect(first.status).toBe(200);
    const body = jwtResponseSchema.parse(first.json);
    expect(body.user.email).toBe(email);
    const { claims, header } = await verify(body.token);
    expect(header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(Object.keys(decodeJwt(body.token)).sort()).toEqual(CLAIM_KEYS);
    expect(claims).toMatchObject({
      userId: signUp.json.user.id,
      sub: signUp.json.user.id,
      email,
      name: "Ada Lovelace",
      emailVerified: false,
      softwareBackground: "Intermediate",
      hardwareBackground: "Beginner",
      interestArea: "humanoid locomotion",
      // Not given at sign-up: the book's language (issue 15).
      preferredLanguage: null,
      sid: session.json.session.id,
      iss: "auth-service",
      aud: "api-service",
    });
    // JWT_DEFAULT_EXPIRES_IN: short, since the tutor refetches before expiry (issue 19).
    expect(claims.exp - claims.iat).toBe(15 * 60);

    const second = await jwtAfterProfileUpdate(
      auth,
      { from, cookie },
      { softwareBackground: "Advanced", interestArea: "whole-body control", preferredLanguage: "ur" },
    );
    const after = await verify(second);
    expect(after.claims).toMatchObject({
      softwareBackground: "Advanced",
      hardwareBackground: "Beginner",
      interestArea: "whole-body control",
      preferredLanguage: "ur",
    });
    expect(after.claims.jti).not.toBe(claims.jti);

    // The session token works as a bearer token too (Better Auth's bearer plugin).
    const viaBearer = await call(auth.url, "/api/auth/jwt", { from, bearer: signIn.json.token });
    expect(viaBearer.status).toBe(200);

    const signOut = await call(auth.url, "/api/auth/sign-out", { from, cookie, body: {} });
    expect(signOut.status).toBe(200);
    const denied = await call(auth.url, "/api/auth/jwt", { from, cookie });
    expect(denied.status).toBe(401);
    expect(errorEnvelopeSchema.parse(denied.json).error.code).toBe("UNAUTHORIZED");
    const deniedBearer = await call(auth.url, "/api/auth/jwt", { from, bearer: signIn.json.token });
    expect(deniedBearer.status).toBe(401);

    // The access log names the user and never carries a credential.
    const logText = auth.logs.text();
    expect(logText).toContain(`"userId":"${signUp.json.user.id}"`);
    for (const secret of [PASSWORD, signIn.json.token, body.token, cookie.split("=")[1]!]) {
      expect(logText).not.toContain(secret);
    }
  });

  it("runs the same flow through Better Auth's own client (createAuthClient)", async () => {
    const { createAuthClient } = await import("better-auth/client");
    const { inferAdditionalFields } = await import("better-auth/client/plugins");
    const { fromAddress } = await import("@ai-book/testkit");
    let cookie = "";
    let lastJwt: string | null = null;
    const client = createAuthClient({
      baseURL: `${auth.url}/api/auth`,
      plugins: [
        inferAdditionalFields({
          user: {
            softwareBackground: { type: "string", required: false },
            hardwareBackground: { type: "string", required: false },
            interestArea: { type: "string", required: false },
          },
        }),
      ],
      fetchOptions: {
        // Node has no cookie jar: carry the session cookie ourselves, and send a trusted Origin.
        customFetchImpl: (input, init) => {
          const headers = new Headers(init?.headers);
          headers.set("origin", ORIGIN);
          if (cookie) headers.set("cookie", cookie);
          return fetch(input, { ...init, headers, dispatcher: fromAddress("127.0.0.12") } as RequestInit);
        },
        onResponse: ({ response }) => {
          const set = response.headers.getSetCookie().map((c) => c.split(";")[0]);
          if (set.length) cookie = set.join("; ");
          lastJwt = response.headers.get(SET_AUTH_JWT_HEADER) ?? lastJwt;
        },
      },
    });
    const email = uniqueEmail("client");
    const up = await client.signUp.email({
      name: "Grace",
      email,
      password: PASSWORD,
      softwareBackground: "Beginner",
      interestArea: "sensors",
    });
    expect(up.error).toBeNull();
    expect(up.data?.user.email).toBe(email);
    expect(lastJwt).toEqual(expect.any(String));

    await client.signOut();
    const dup = await client.signUp.email({ name: "Grace", email, password: PASSWORD });
    expect(dup.error?.status).toBe(422);
    expect(errorEnvelopeSchema.parse(dup.error).error.code).toBe("USER_ALREADY_EXISTS");

    const bad = await client.signIn.email({ email, password: "not the password" });
    expect(bad.error?.status).toBe(401);
    expect(errorEnvelopeSchema.parse(bad.error).error.code).toBe("INVALID_EMAIL_OR_PASSWORD");

    const inRes = await client.signIn.email({ email, password: PASSWORD });
    expect(inRes.error).toBeNull();
    const session = await client.getSession();
    expect(session.data?.user.softwareBackground).toBe("Beginner");

    const updated = await client.updateUser({ hardwareBackground: "Advanced" });
    expect(updated.error).toBeNull();
    const token = await client.$fetch<{ token: string }>("/jwt", { method: "GET" });
    expect(token.error).toBeNull();
    const { claims } = await verify(token.data!.token);
    expect(claims).toMatchObject({ email, softwareBackground: "Beginner", hardwareBackground: "Advanced" });

    await client.signOut();
    const gone = await client.$fetch("/jwt", { method: "GET" });
    expect(gone.error?.status).toBe(401);
  });

  it("issues tokens that the architecture's Python verifier (PyJWT) accepts", async () => {
    const email = uniqueEmail("pyjwt");
    const up = await call(auth.url, "/api/auth/sign-up/email", {
      from: "127.0.0.13",
      body: { name: "Py", email, password: PASSWORD, hardwareBackground: "Advanced" },
    });
    expect(up.status).toBe(200);
    const jwtRes = await call(auth.url, "/api/auth/jwt", { from: "127.0.0.13", bearer: up.json.token });
    const token: string = jwtRes.json.token;
    const script = [
      "import json, os, jwt",
      "claims = jwt.decode(os.environ['TOKEN'], os.environ['JWT_SECRET'], algorithms=['HS256'], audience='api-service', issuer='auth-service')",
      "print(json.dumps({'header': jwt.get_unverified_header(os.environ['TOKEN']), 'claims': claims}))",
    ].join("\n");
    const py = spawnSync("/usr/bin/python3", ["-c", script], {
      env: { TOKEN: token, JWT_SECRET, PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect(py.stderr).toBe("");
    expect(py.status).toBe(0);
    const out = JSON.parse(py.stdout);
    expect(out.header).toEqual({ alg: "HS256", typ: "JWT" });
    expect(Object.keys(out.claims).sort()).toEqual(CLAIM_KEYS);
    expect(out.claims).toMatchObject({
      userId: up.json.user.id,
      sub: up.json.user.id,
      email,
      name: "Py",
      emailVerified: false,
      softwareBackground: null,
      hardwareBackground: "Advanced",
      interestArea: null,
      role: "reader",
      iss: "auth-service",
      aud: "api-service",
    });
    expect(decodeProtectedHeader(token).alg).toBe("HS256");

    // A token signed with another secret is refused by PyJWT.
    const forged = spawnSync("/usr/bin/python3", ["-c", script], {
      env: { TOKEN: token, JWT_SECRET: `${JWT_SECRET}-other`, PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect(forged.status).not.toBe(0);
    expect(forged.stderr).toMatch(/InvalidSignatureError|Signature verification failed/);
  });

  it("answers CORS preflights for CORS_ORIGINS with credentials, and nobody else", async () => {
    const ok = await call(auth.url, "/api/auth/sign-in/email", {
      method: "OPTIONS",
      headers: { "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const evil = await call(auth.url, "/api/auth/sign-in/email", {
      method: "OPTIONS",
      origin: "https://evil.example",
      headers: { "access-control-request-method": "POST" },
    });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const get = await call(auth.url, "/api/auth/get-session");
    expect(get.headers.get("access-control-expose-headers")).toMatch(/set-auth-jwt/);
    // The session token is for non-browser clients; browsers hold the httpOnly cookie (issue 19, finding 6).
    expect(get.headers.get("access-control-expose-headers")).not.toMatch(/set-auth-token/);
  });
});
