// Sign-in with providers: the whole authorization-code + PKCE flow against a real local OpenID Connect server
// (oauth2-mock-server) through the generic provider; Google/GitHub configuration checked without the network.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { count, eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import { OAuth2Server } from "oauth2-mock-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, session as sessionTable, user as userTable } from "../src/db/schema.ts";
import { call, ORIGIN, setsSession, withCookies } from "./client.ts";
import { dbVariants, type RunningAuth, startAuth, uniqueEmail, variantNet } from "./helpers.ts";
import { jwtAfterProfileUpdate } from "./reader-steps.ts";

afterAll(closeAddressAgents);

const PASSWORD = "correct horse battery staple";

interface Profile {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

describe.each(dbVariants())("generic OpenID Connect sign-in on %s (local oauth2-mock-server)", (variant) => {
  const net = variantNet(variant);
  let idp: OAuth2Server;
  let auth: RunningAuth;
  let profile: Profile;
  /** Authorization code → the redirect_uri the provider issued it for; each redemption ("accepted|refused <uri>"). */
  const issuedFor = new Map<string, string>();
  const redeemedWith: string[] = [];
  beforeAll(async () => {
    idp = new OAuth2Server();
    await idp.issuer.keys.generate("RS256");
    await idp.start(0, "127.0.0.1");
    // The mock names itself "localhost", which may resolve to ::1 where something else can listen.
    idp.issuer.url = `http://127.0.0.1:${idp.address().port}`;
    // The identity the provider vouches for, in the ID token and at the userinfo endpoint alike.
    idp.service.on("beforeTokenSigning", (token) => {
      Object.assign(token.payload, profile);
    });
    idp.service.on("beforeUserinfo", (res) => {
      res.body = { ...profile };
    });
    // As a real provider does (RFC 6749 4.1.3): a code is redeemed only with the redirect_uri it was issued for. The
    // mock issues codes to any redirect_uri and redeems them with any; it keeps the pairs here and refuses the rest.
    idp.service.on("beforeAuthorizeRedirect", ({ url }, req) => {
      const code = url.searchParams.get("code");
      if (code)
        issuedFor.set(code, String(new URL(req.url!, idp.issuer.url).searchParams.get("redirect_uri")));
    });
    idp.service.on("beforeResponse", (res, req) => {
      const body = (req as unknown as { body: Record<string, string> }).body;
      if (body.grant_type !== "authorization_code") return;
      const matches = issuedFor.get(body.code ?? "") === body.redirect_uri;
      redeemedWith.push(`${matches ? "accepted" : "refused"} ${body.redirect_uri}`);
      if (!matches) {
        res.statusCode = 400;
        res.body = {
          error: "invalid_grant",
          error_description: "redirect_uri does not match the authorization",
        };
      }
    });
    auth = await startAuth({
      variant,
      env: {
        OIDC_ISSUER_URL: idp.issuer.url!,
        OIDC_CLIENT_ID: "ai-book-test",
        OIDC_CLIENT_SECRET: "ai-book-test-secret",
        OIDC_NAME: "Springfield School",
      },
    });
  });
  afterAll(async () => {
    await auth?.stop();
    await idp?.stop();
  });

  /** How many users, provider/credential accounts and sessions the database holds. */
  async function rows() {
    const db = auth.service.database.db;
    const [[users], [accounts], [sessions]] = await Promise.all([
      db.select({ n: count() }).from(userTable),
      db.select({ n: count() }).from(account),
      db.select({ n: count() }).from(sessionTable),
    ]);
    return { users: users!.n, accounts: accounts!.n, sessions: sessions!.n };
  }

  /** Runs start → provider → callback like a browser; returns the callback's response and the cookies. */
  async function signInWithProvider(from: string) {
    const start = await call(auth.url, "/api/auth/sign-in/social", {
      from,
      body: {
        provider: "oidc",
        callbackURL: `${ORIGIN}/docs`,
        newUserCallbackURL: `${ORIGIN}/docs?welcome=1`,
      },
    });
    expect(start.status, start.text).toBe(200);
    const authorize = new URL(start.json.url);
    expect(`${authorize.origin}`).toBe(idp.issuer.url);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${auth.config.baseUrl}/api/auth/callback/oidc`);
    expect(authorize.searchParams.get("scope")?.split(" ")).toEqual(
      expect.arrayContaining(["openid", "email", "profile"]),
    );
    const atIdp = await fetch(authorize, { redirect: "manual" });
    expect(atIdp.status).toBe(302);
    const back = new URL(atIdp.headers.get("location")!);
    const callbackPath = `${back.pathname}${back.search}`;
    const cookie = withCookies("", start);
    const callback = await call(auth.url, callbackPath, { from, cookie, origin: null, redirect: "manual" });
    return { callback, callbackPath, cookie };
  }

  it("lists the provider at GET /api/auth/providers (and no Google/GitHub when they are not configured)", async () => {
    const res = await call(auth.url, "/api/auth/providers");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      emailPassword: true,
      social: [],
      oidc: { providerId: "oidc", name: "Springfield School" },
      requireEmailVerification: false,
    });
    const google = await call(auth.url, "/api/auth/sign-in/social", {
      // One address per call: Better Auth's sign-in limits are per client address and per process, shared with the
      // OpenID Connect tests above (with DATABASE_URL two variants of them).
      from: "127.2.91.5",
      body: { provider: "google", callbackURL: `${ORIGIN}/docs` },
    });
    expect(google.status).toBeGreaterThanOrEqual(400);
    expect(google.status).toBeLessThan(500);
    errorEnvelopeSchema.parse(google.json);
  });

  it("code + PKCE flow: a first-time reader gets a session, then must give the profile before the first JWT", async () => {
    const from = `${net}.91.1`;
    const email = uniqueEmail("oidc");
    profile = { sub: `sub-${email}`, email, email_verified: true, name: "Olive" };
    const { callback } = await signInWithProvider(from);
    expect(callback.status).toBe(302);
    expect(redeemedWith.at(-1)).toBe(`accepted ${auth.config.baseUrl}/api/auth/callback/oidc`);
    expect(callback.headers.get("location")).toBe(`${ORIGIN}/docs?welcome=1`);
    const cookie = withCookies("", callback);

    const session = await call(auth.url, "/api/auth/get-session", { from, cookie });
    expect(session.json.user).toMatchObject({
      email,
      name: "Olive",
      emailVerified: true,
      profilePending: true,
    });
    const refused = await call(auth.url, "/api/auth/jwt", { from, cookie });
    expect(refused.status).toBe(403);
    expect(errorEnvelopeSchema.parse(refused.json).error.code).toBe("PROFILE_REQUIRED");

    const jwt = await jwtAfterProfileUpdate(
      auth,
      { from, cookie },
      { softwareBackground: "Beginner", hardwareBackground: "Intermediate", interestArea: "grasping" },
    );
    expect(decodeJwt(jwt)).toMatchObject({
      email,
      emailVerified: true,
      softwareBackground: "Beginner",
      hardwareBackground: "Intermediate",
      interestArea: "grasping",
    });

    // The second sign-in goes straight through: same user, no profile step.
    const again = await signInWithProvider(from);
    expect(again.callback.headers.get("location")).toBe(`${ORIGIN}/docs`);
    const second = await call(auth.url, "/api/auth/jwt", { from, cookie: withCookies("", again.callback) });
    expect(second.status).toBe(200);
    expect(decodeJwt(second.json.token).sub).toBe(session.json.user.id);
  });

  it("refuses a replayed callback (state already used) with 400 OAUTH_FAILED and creates no session", async () => {
    const from = `${net}.91.2`;
    const email = uniqueEmail("replay");
    profile = { sub: `sub-${email}`, email, email_verified: true, name: "Rex" };
    const first = await signInWithProvider(from);
    expect(first.callback.status).toBe(302);
    const before = await rows();
    const replay = await call(auth.url, first.callbackPath, {
      from,
      cookie: first.cookie,
      origin: null,
      redirect: "manual",
    });
    expect(replay.status).toBe(400);
    expect(errorEnvelopeSchema.parse(replay.json).error.code).toBe("OAUTH_FAILED");
    expect(setsSession(replay)).toBe(false);
    const forged = await call(auth.url, "/api/auth/callback/oidc?code=x&state=forged", {
      from,
      origin: null,
      redirect: "manual",
    });
    expect(forged.status).toBe(400);
    expect(errorEnvelopeSchema.parse(forged.json).error.code).toBe("OAUTH_FAILED");
    expect(await rows()).toEqual(before);
  });

  /**
   * Starts a sign-in at our server and sends the authorization request to the provider with `redirect_uri` replaced,
   * as an attacker does to have a code delivered to them; returns where the provider sent the code, and our cookies.
   */
  async function codeForAnotherRedirect(from: string, redirectUri: string, errorCallbackURL?: string) {
    const start = await call(auth.url, "/api/auth/sign-in/social", {
      from,
      body: {
        provider: "oidc",
        callbackURL: `${ORIGIN}/docs`,
        ...(errorCallbackURL ? { errorCallbackURL } : {}),
      },
    });
    expect(start.status, start.text).toBe(200);
    const authorize = new URL(start.json.url);
    authorize.searchParams.set("redirect_uri", redirectUri);
    const atIdp = await fetch(authorize, { redirect: "manual" });
    expect(atIdp.status).toBe(302);
    const delivered = new URL(atIdp.headers.get("location")!);
    expect(`${delivered.origin}${delivered.pathname}`).toBe(redirectUri);
    return { delivered, cookie: withCookies("", start) };
  }

  it("a code issued for another redirect URI, brought to our callback: the provider refuses it, nothing is written", async () => {
    const from = `${net}.91.6`;
    const email = uniqueEmail("mismatch");
    profile = { sub: `sub-${email}`, email, email_verified: true, name: "Mia" };
    const ours = `${auth.config.baseUrl}/api/auth/callback/oidc`;
    for (const redirectUri of [
      "https://evil.example/callback",
      `${auth.config.baseUrl}/api/auth/callback/other`,
    ]) {
      const { delivered, cookie } = await codeForAnotherRedirect(from, redirectUri);
      const before = await rows();
      const redeemed = redeemedWith.length;
      // Right state, right cookies, a genuine code: only the redirect URI it was issued for differs.
      const callback = await call(auth.url, `/api/auth/callback/oidc${delivered.search}`, {
        from,
        cookie,
        origin: null,
        redirect: "manual",
      });
      // We redeemed it with our own callback URL, and the provider said no.
      expect(redeemedWith.slice(redeemed)).toEqual([`refused ${ours}`]);
      expect(callback.status).toBe(400);
      expect(errorEnvelopeSchema.parse(callback.json).error.code).toBe("OAUTH_FAILED");
      expect(setsSession(callback)).toBe(false);
      expect(await rows()).toEqual(before);
    }
    expect(
      (await call(auth.url, "/api/auth/sign-in/email", { from, body: { email, password: PASSWORD } })).status,
    ).toBe(401);
  });

  it("a browser (errorCallbackURL set, as the tutor does) is sent back to the book with the error instead", async () => {
    const from = `${net}.91.7`;
    const email = uniqueEmail("mismatch-browser");
    profile = { sub: `sub-${email}`, email, email_verified: true, name: "Max" };
    const errorPage = `${ORIGIN}/docs?tutor=provider-error`;
    const { delivered, cookie } = await codeForAnotherRedirect(
      from,
      "https://evil.example/callback",
      errorPage,
    );
    const before = await rows();
    const callback = await call(auth.url, `/api/auth/callback/oidc${delivered.search}`, {
      from,
      cookie,
      origin: null,
      redirect: "manual",
    });
    expect(callback.status).toBe(302);
    const landing = new URL(callback.headers.get("location")!);
    expect(`${landing.origin}${landing.pathname}`).toBe(`${ORIGIN}/docs`);
    expect(landing.searchParams.get("tutor")).toBe("provider-error");
    expect(landing.searchParams.get("error")).toMatch(/^[a-z_]+$/);
    expect(setsSession(callback)).toBe(false);
    expect(await rows()).toEqual(before);
  });

  it("a provider's refusal on our callback (error=…, no code) is 400 OAUTH_FAILED and writes nothing", async () => {
    const from = `${net}.91.8`;
    const start = await call(auth.url, "/api/auth/sign-in/social", {
      from,
      body: { provider: "oidc", callbackURL: `${ORIGIN}/docs` },
    });
    const state = new URL(start.json.url).searchParams.get("state")!;
    const before = await rows();
    const refused = await call(
      auth.url,
      `/api/auth/callback/oidc?error=invalid_request&error_description=redirect_uri+mismatch&state=${state}`,
      { from, cookie: withCookies("", start), origin: null, redirect: "manual" },
    );
    expect(refused.status).toBe(400);
    expect(errorEnvelopeSchema.parse(refused.json).error.code).toBe("OAUTH_FAILED");
    expect(setsSession(refused)).toBe(false);
    expect(await rows()).toEqual(before);
  });

  it("refuses callback URLs outside CORS_ORIGINS with a 4xx before leaving for the provider", async () => {
    for (const body of [
      { provider: "oidc", callbackURL: "https://evil.example/steal" },
      { provider: "oidc", callbackURL: `${ORIGIN}/docs`, errorCallbackURL: "https://evil.example/e" },
      { provider: "oidc", callbackURL: `${ORIGIN}/docs`, newUserCallbackURL: "https://evil.example/n" },
    ]) {
      const res = await call(auth.url, "/api/auth/sign-in/social", { from: `${net}.91.3`, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      errorEnvelopeSchema.parse(res.json);
    }
  });

  it("links a provider to an existing account only when both sides have verified the email", async () => {
    const from = `${net}.91.4`;
    const db = auth.service.database.db;
    const verified = uniqueEmail("linked");
    const up = await call(auth.url, "/api/auth/sign-up/email", {
      from,
      body: { name: "Vic", email: verified, password: PASSWORD },
    });
    await db.update(userTable).set({ emailVerified: true }).where(eq(userTable.id, up.json.user.id));
    profile = { sub: `sub-${verified}`, email: verified, email_verified: true, name: "Vic" };
    const linked = await signInWithProvider(from);
    expect(linked.callback.headers.get("location")).toBe(`${ORIGIN}/docs`);
    const session = await call(auth.url, "/api/auth/get-session", {
      from,
      cookie: withCookies("", linked.callback),
    });
    expect(session.json.user.id).toBe(up.json.user.id);
    expect(session.json.user.profilePending).toBe(false);

    // Our copy of the address is unverified: whoever signed up with it may not own it.
    const unverified = uniqueEmail("squatted");
    const squat = await call(auth.url, "/api/auth/sign-up/email", {
      from,
      body: { name: "Sam", email: unverified, password: PASSWORD },
    });
    profile = { sub: `sub-${unverified}`, email: unverified, email_verified: true, name: "Sam" };
    const refused = await signInWithProvider(from);
    expect(refused.callback.status).toBe(400);
    expect(errorEnvelopeSchema.parse(refused.callback.json).error.code).toBe("OAUTH_FAILED");
    const accounts = await db.select().from(account).where(eq(account.userId, squat.json.user.id));
    expect(accounts.map((a) => a.providerId)).toEqual(["credential"]);
  });
});

describe("Google and GitHub configuration (no network)", () => {
  let auth: RunningAuth;
  beforeAll(async () => {
    auth = await startAuth({
      variant: "pglite",
      env: {
        BETTER_AUTH_URL: "https://auth.book.example",
        GOOGLE_CLIENT_ID: "google-id.apps.googleusercontent.com",
        GOOGLE_CLIENT_SECRET: "google-secret",
        GITHUB_CLIENT_ID: "github-id",
        GITHUB_CLIENT_SECRET: "github-secret",
      },
    });
  });
  afterAll(async () => {
    await auth?.stop();
  });

  it("lists both providers and builds their authorization URLs with our callback URLs and scopes", async () => {
    const providers = await call(auth.url, "/api/auth/providers");
    expect(providers.json.social).toEqual(["google", "github"]);
    expect(providers.json.oidc).toBeNull();

    const google = await call(auth.url, "/api/auth/sign-in/social", {
      // One address per call: Better Auth's sign-in limits are per client address and per process, shared with the
      // OpenID Connect tests above (with DATABASE_URL two variants of them).
      from: "127.2.91.5",
      body: { provider: "google", callbackURL: `${ORIGIN}/docs` },
    });
    expect(google.status).toBe(200);
    const g = new URL(google.json.url);
    expect(`${g.origin}${g.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(g.searchParams.get("client_id")).toBe("google-id.apps.googleusercontent.com");
    expect(g.searchParams.get("redirect_uri")).toBe("https://auth.book.example/api/auth/callback/google");
    expect(g.searchParams.get("scope")?.split(" ").sort()).toEqual(["email", "openid", "profile"]);
    expect(g.searchParams.get("code_challenge_method")).toBe("S256");

    const github = await call(auth.url, "/api/auth/sign-in/social", {
      from: "127.2.91.6",
      body: { provider: "github", callbackURL: `${ORIGIN}/docs` },
    });
    expect(github.status, JSON.stringify(github.json)).toBe(200);
    const h = new URL(github.json.url);
    expect(`${h.origin}${h.pathname}`).toBe("https://github.com/login/oauth/authorize");
    expect(h.searchParams.get("client_id")).toBe("github-id");
    expect(h.searchParams.get("redirect_uri")).toBe("https://auth.book.example/api/auth/callback/github");
    expect(h.searchParams.get("scope")?.split(" ").sort()).toEqual(["read:user", "user:email"]);
    expect(google.text).not.toContain("google-secret");
    expect(github.text).not.toContain("github-secret");
  });
});
