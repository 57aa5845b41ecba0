// "Forgot password?" against a real SMTP server: no enumeration, limits, a single-use expiring link, every session
// revoked; the api-service (a real process) refuses the old access tokens (through the shared SQLite file, and through
// Redis when REDIS_URL is set).
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { errorEnvelopeSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import {
  closeAddressAgents,
  requireEnv,
  type ServiceProcess,
  startApiProcess,
  tempDir,
} from "@ai-book/testkit";
import { eq } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAILS_PER_ADDRESS, RESET_LINK_TTL_S } from "../src/accounts/options.ts";
import { verification } from "../src/db/schema.ts";
import { call, cookieOf, ORIGIN } from "./client.ts";
import { dbVariants, JWT_SECRET, type RunningAuth, startAuth, uniqueEmail, variantNet } from "./helpers.ts";
import { type MailServer, startMailServer } from "./mail-server.ts";

afterAll(closeAddressAgents);

const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a brand new passphrase";
const RESET = /reset your password/i;
const REDIS_URL = requireEnv("REDIS_URL");

async function signUp(auth: RunningAuth, email: string, from: string) {
  const res = await call(auth.url, "/api/auth/sign-up/email", {
    from,
    body: { name: "Rita", email, password: PASSWORD },
  });
  expect(res.status).toBe(200);
  return res;
}

function requestReset(auth: RunningAuth, email: string, from: string) {
  return call(auth.url, "/api/auth/request-password-reset", {
    from,
    body: { email, redirectTo: `${ORIGIN}/docs/intro` },
  });
}

/** The token a reset mail's link carries, after following it to the book as a browser would. */
async function tokenFromMail(auth: RunningAuth, link: string, from: string): Promise<string> {
  const url = new URL(link);
  expect(url.pathname).toMatch(/^\/api\/auth\/reset-password\/[\w-]+$/);
  const follow = await call(auth.url, `${url.pathname}${url.search}`, {
    from,
    origin: null,
    redirect: "manual",
  });
  expect(follow.status).toBe(302);
  const landing = new URL(follow.headers.get("location")!);
  expect(`${landing.origin}${landing.pathname}`).toBe(`${ORIGIN}/docs/intro`);
  return landing.searchParams.get("token")!;
}

describe.each(dbVariants())("password reset on %s", (variant) => {
  const net = variantNet(variant);
  let mail: MailServer;
  let auth: RunningAuth;
  beforeAll(async () => {
    mail = await startMailServer();
    auth = await startAuth({ variant, env: { SMTP_URL: mail.url } });
  });
  afterAll(async () => {
    await auth?.stop();
    await mail?.stop();
  });

  it("answers known and unknown addresses identically, and mails only the known one", async () => {
    const email = uniqueEmail("known");
    await signUp(auth, email, `${net}.61.1`);
    const unknown = uniqueEmail("unknown");
    const a = await requestReset(auth, email, `${net}.61.2`);
    const b = await requestReset(auth, unknown, `${net}.61.3`);
    expect(a.status).toBe(200);
    expect(b.status).toBe(a.status);
    expect(b.json).toEqual(a.json);
    await mail.waitForMail(email, RESET);
    expect(mail.mailsTo(unknown)).toHaveLength(0);
  });

  it("resets with the mailed link once: new password works, old one and every session stop working", async () => {
    const email = uniqueEmail("reset");
    const up = await signUp(auth, email, `${net}.61.4`);
    const other = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.61.5`,
      body: { email, password: PASSWORD },
    });
    expect(other.status).toBe(200);
    await requestReset(auth, email, `${net}.61.4`);
    const message = await mail.waitForMail(email, RESET);
    expect(message.text).toContain(`${RESET_LINK_TTL_S / 60} minutes`);
    const token = await tokenFromMail(auth, message.link, `${net}.61.4`);

    const done = await call(auth.url, "/api/auth/reset-password", {
      from: `${net}.61.6`,
      body: { token, newPassword: NEW_PASSWORD },
    });
    expect(done.status).toBe(200);
    for (const cookie of [cookieOf(up), cookieOf(other)]) {
      expect((await call(auth.url, "/api/auth/jwt", { from: `${net}.61.4`, cookie })).status).toBe(401);
    }
    const oldPw = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.61.7`,
      body: { email, password: PASSWORD },
    });
    expect(oldPw.status).toBe(401);
    const newPw = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.61.7`,
      body: { email, password: NEW_PASSWORD },
    });
    expect(newPw.status).toBe(200);

    // The same link again: refused, and the password stays the one just set.
    const reuse = await call(auth.url, "/api/auth/reset-password", {
      from: `${net}.61.6`,
      body: { token, newPassword: "yet another passphrase" },
    });
    expect(reuse.status).toBe(400);
    expect(errorEnvelopeSchema.parse(reuse.json).error.code).toBe("INVALID_LINK");
    const still = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.61.8`,
      body: { email, password: NEW_PASSWORD },
    });
    expect(still.status).toBe(200);
  });

  it("refuses an expired or made-up token with 400 INVALID_LINK and changes nothing", async () => {
    const email = uniqueEmail("expired");
    await signUp(auth, email, `${net}.61.9`);
    await requestReset(auth, email, `${net}.61.9`);
    const token = await tokenFromMail(auth, (await mail.waitForMail(email, RESET)).link, `${net}.61.9`);
    // Expire it in the database rather than wait half an hour.
    await auth.service.database.db
      .update(verification)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(verification.identifier, `reset-password:${token}`));
    for (const bad of [token, "made-up-token"]) {
      const res = await call(auth.url, "/api/auth/reset-password", {
        from: `${net}.61.10`,
        body: { token: bad, newPassword: NEW_PASSWORD },
      });
      expect(res.status).toBe(400);
      expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("INVALID_LINK");
    }
    // A browser following the expired link lands on the book with ?error=INVALID_TOKEN.
    const follow = await call(
      auth.url,
      `/api/auth/reset-password/${token}?callbackURL=${encodeURIComponent(`${ORIGIN}/docs`)}`,
      { from: `${net}.61.10`, origin: null, redirect: "manual" },
    );
    expect(new URL(follow.headers.get("location")!).searchParams.get("error")).toBe("INVALID_TOKEN");
    const signIn = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.61.11`,
      body: { email, password: PASSWORD },
    });
    expect(signIn.status).toBe(200);
  });

  it("limits requests per email address (from any client) and per client address (for any email)", async () => {
    const email = uniqueEmail("flood");
    await signUp(auth, email, `${net}.62.1`);
    const perEmail = [];
    for (let i = 0; i <= MAILS_PER_ADDRESS; i++)
      perEmail.push((await requestReset(auth, email, `${net}.62.${i + 10}`)).status);
    expect(perEmail).toEqual([...Array(MAILS_PER_ADDRESS).fill(200), 429]);
    await mail.waitForMail(email, RESET, MAILS_PER_ADDRESS);
    expect(mail.mailsTo(email, RESET)).toHaveLength(MAILS_PER_ADDRESS);

    const { max } = auth.config.rateLimit.rules["/request-password-reset"]!;
    const perClient = [];
    for (let i = 0; i <= max; i++)
      perClient.push((await requestReset(auth, uniqueEmail("x"), `${net}.62.99`)).status);
    expect(perClient).toEqual([...Array(max).fill(200), 429]);
  });
});

/** How the api-service learns of ended sessions: the SQLite file both services share, and Redis when REDIS_URL is set. */
const REVOCATION_PATHS = REDIS_URL ? (["SQLite file", "Redis"] as const) : (["SQLite file"] as const);

describe.each(REVOCATION_PATHS)(
  "password reset: the api-service refuses the old tokens (revocation via %s)",
  (path) => {
    const prefix = `ai-book-test-${randomUUID().slice(0, 8)}:`;
    const dir = tempDir("ai-book-reset-api-");
    // Without Redis both services read and write the same revocation file (REVOCATION_DB_PATH).
    const env =
      path === "Redis"
        ? { REDIS_URL: REDIS_URL! }
        : { REVOCATION_DB_PATH: join(dir.path, "revocations.sqlite"), REDIS_URL: undefined };
    let mail: MailServer;
    let auth: RunningAuth;
    let api: ServiceProcess;
    beforeAll(async () => {
      mail = await startMailServer();
      auth = await startAuth({ env: { SMTP_URL: mail.url, ...env }, redisKeyPrefix: prefix });
      api = await startApiProcess({
        dataDir: join(dir.path, "api"),
        jwtSecret: JWT_SECRET,
        redisUrl: env.REDIS_URL,
        env: { REVOCATION_DB_PATH: env.REVOCATION_DB_PATH },
      });
    }, 180_000);
    afterAll(async () => {
      await api?.stop();
      await auth?.stop();
      await mail?.stop();
      if (path === "Redis") {
        const redis = new Redis(REDIS_URL!);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      }
      dir.cleanup();
    });

    it("an access token issued before the reset gets 401 TOKEN_REVOKED at the api-service after it", async () => {
      const from = path === "Redis" ? "127.0.63.2" : "127.0.63.1";
      const email = uniqueEmail("revoke");
      const up = await signUp(auth, email, from);
      const jwt = up.headers.get(SET_AUTH_JWT_HEADER)!;
      const search = () =>
        fetch(`${api.url}/v1/search`, {
          method: "POST",
          headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
          body: JSON.stringify({ query: "balance" }),
        });
      expect((await search()).status).not.toBe(401);
      await requestReset(auth, email, from);
      const token = await tokenFromMail(auth, (await mail.waitForMail(email, RESET)).link, from);
      const done = await call(auth.url, "/api/auth/reset-password", {
        from,
        body: { token, newPassword: NEW_PASSWORD },
      });
      expect(done.status).toBe(200);
      const refused = await search();
      expect(refused.status).toBe(401);
      expect(errorEnvelopeSchema.parse(await refused.json()).error.code).toBe("TOKEN_REVOKED");
    });
  },
);
