// Mail and email verification against a real SMTP server (smtp-server), on PGlite and (with DATABASE_URL) PostgreSQL;
// and the zero-config mail: .eml files under DATA_DIR/mail with the link logged.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { errorEnvelopeSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { closeAddressAgents, waitFor } from "@ai-book/testkit";
import { createEmailVerificationToken } from "better-auth/api";
import { decodeJwt } from "jose";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAILS_PER_ADDRESS } from "../src/accounts/options.ts";
import { call, cookieOf, ORIGIN, setsSession } from "./client.ts";
import {
  BETTER_AUTH_SECRET,
  dbVariants,
  type RunningAuth,
  startAuth,
  uniqueEmail,
  variantNet,
} from "./helpers.ts";
import { type MailServer, startMailServer } from "./mail-server.ts";

afterAll(closeAddressAgents);

const PASSWORD = "correct horse battery staple";
const VERIFY = /verify your email/i;

async function signUp(auth: RunningAuth, email: string, from: string, extra: Record<string, unknown> = {}) {
  const res = await call(auth.url, "/api/auth/sign-up/email", {
    from,
    body: { name: "Vera", email, password: PASSWORD, callbackURL: `${ORIGIN}/docs/intro`, ...extra },
  });
  expect(res.status).toBe(200);
  return res;
}

describe.each(dbVariants())("email verification over SMTP on %s", (variant) => {
  const net = variantNet(variant);
  let mail: MailServer;
  let auth: RunningAuth;
  let strict: RunningAuth;
  beforeAll(async () => {
    mail = await startMailServer();
    const env = { SMTP_URL: mail.url, MAIL_FROM: "Book tutor <tutor@book.test>" };
    auth = await startAuth({ variant, env });
    strict = await startAuth({ variant, env: { ...env, REQUIRE_EMAIL_VERIFICATION: "true" } });
  });
  afterAll(async () => {
    await strict?.stop();
    await auth?.stop();
    await mail?.stop();
  });

  it("mails a link on sign-up; following it makes emailVerified true in the user and the next JWT", async () => {
    const email = uniqueEmail("verify");
    const from = `${net}.51.1`;
    const up = await signUp(auth, email, from);
    const cookie = cookieOf(up);
    expect(decodeJwt(up.headers.get(SET_AUTH_JWT_HEADER)!).emailVerified).toBe(false);

    const message = await mail.waitForMail(email, VERIFY);
    expect(message.from).toContain("tutor@book.test");
    const link = new URL(message.link);
    expect(`${link.origin}${link.pathname}`).toBe(`${auth.config.baseUrl}/api/auth/verify-email`);
    expect(link.searchParams.get("callbackURL")).toBe(`${ORIGIN}/docs/intro`);

    const follow = await call(auth.url, `${link.pathname}${link.search}`, {
      from,
      origin: null,
      redirect: "manual",
    });
    expect(follow.status).toBe(302);
    expect(follow.headers.get("location")).toBe(`${ORIGIN}/docs/intro`);

    const session = await call(auth.url, "/api/auth/get-session", { from, cookie });
    expect(session.json.user.emailVerified).toBe(true);
    const jwt = await call(auth.url, "/api/auth/jwt", { from, cookie });
    expect(jwt.status).toBe(200);
    expect(decodeJwt(jwt.json.token).emailVerified).toBe(true);

    // Following it again changes nothing and still lands on the book.
    const again = await call(auth.url, `${link.pathname}${link.search}`, {
      from,
      origin: null,
      redirect: "manual",
    });
    expect(again.status).toBe(302);
    expect(again.headers.get("location")).toBe(`${ORIGIN}/docs/intro`);
  });

  it("answers a forged or truncated link with 400 INVALID_LINK (or back to the book with ?error) and verifies nobody", async () => {
    const email = uniqueEmail("forged");
    const from = `${net}.51.2`;
    const up = await signUp(auth, email, from);
    const message = await mail.waitForMail(email, VERIFY);
    const token = new URL(message.link).searchParams.get("token")!;
    for (const bad of [`${token.slice(0, -4)}AAAA`, "not-a-token", ""]) {
      const res = await call(auth.url, `/api/auth/verify-email?token=${encodeURIComponent(bad)}`, { from });
      expect(res.status).toBe(400);
      expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("INVALID_LINK");
    }
    const browser = await call(
      auth.url,
      `/api/auth/verify-email?token=forged&callbackURL=${encodeURIComponent(`${ORIGIN}/docs`)}`,
      { from, origin: null, redirect: "manual" },
    );
    expect(browser.status).toBe(302);
    expect(new URL(browser.headers.get("location")!).searchParams.get("error")).toBe("INVALID_TOKEN");
    const session = await call(auth.url, "/api/auth/get-session", { from, cookie: cookieOf(up) });
    expect(session.json.user.emailVerified).toBe(false);
  });

  it("answers an expired or reused link with 400 INVALID_LINK (a browser: the book with ?error) and changes nothing", async () => {
    const email = uniqueEmail("stale");
    const from = `${net}.51.6`;
    const up = await signUp(auth, email, from);
    // A link as Better Auth mails it, signed with the server's secret, whose lifetime ended a minute ago.
    const expired = await createEmailVerificationToken(BETTER_AUTH_SECRET, email, undefined, -60, {
      userId: up.json.user.id,
    });
    const api = await call(auth.url, `/api/auth/verify-email?token=${expired}`, { from, origin: null });
    expect(api.status).toBe(400);
    expect(errorEnvelopeSchema.parse(api.json).error.code).toBe("INVALID_LINK");
    expect(setsSession(api)).toBe(false);
    const browser = await call(
      auth.url,
      `/api/auth/verify-email?token=${expired}&callbackURL=${encodeURIComponent(`${ORIGIN}/docs`)}`,
      { from, origin: null, redirect: "manual" },
    );
    expect(browser.status).toBe(302);
    expect(new URL(browser.headers.get("location")!).searchParams.get("error")).toBe("TOKEN_EXPIRED");
    expect(setsSession(browser)).toBe(false);
    const still = await call(auth.url, "/api/auth/get-session", { from, cookie: cookieOf(up) });
    expect(still.json.user.emailVerified).toBe(false);

    // The mailed link, used once by a client, then again.
    const token = new URL((await mail.waitForMail(email, VERIFY)).link).searchParams.get("token")!;
    const first = await call(auth.url, `/api/auth/verify-email?token=${token}`, { from, origin: null });
    expect(first.status).toBe(200);
    const reused = await call(auth.url, `/api/auth/verify-email?token=${token}`, { from, origin: null });
    expect(reused.status).toBe(400);
    expect(errorEnvelopeSchema.parse(reused.json).error.code).toBe("INVALID_LINK");
    expect(setsSession(reused)).toBe(false);
  });

  it("re-sends the mail on request, at most MAILS_PER_ADDRESS times per address, and answers unknown addresses alike", async () => {
    const email = uniqueEmail("resend");
    await signUp(auth, email, `${net}.51.3`);
    await mail.waitForMail(email, VERIFY);
    for (let i = 0; i < MAILS_PER_ADDRESS; i++) {
      // A new client address each time: the per-address limit is what is under test.
      const res = await call(auth.url, "/api/auth/send-verification-email", {
        from: `${net}.52.${i + 1}`,
        body: { email, callbackURL: `${ORIGIN}/docs` },
      });
      expect(res.status).toBe(200);
    }
    await mail.waitForMail(email, VERIFY, 1 + MAILS_PER_ADDRESS);
    const over = await call(auth.url, "/api/auth/send-verification-email", {
      from: `${net}.52.9`,
      body: { email, callbackURL: `${ORIGIN}/docs` },
    });
    expect(over.status).toBe(429);
    expect(errorEnvelopeSchema.parse(over.json).error.code).toBe("RATE_LIMITED");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);

    const nobody = uniqueEmail("nobody");
    const answers = [];
    for (let i = 0; i <= MAILS_PER_ADDRESS; i++) {
      const res = await call(auth.url, "/api/auth/send-verification-email", {
        from: `${net}.53.${i + 1}`,
        body: { email: nobody },
      });
      answers.push(res.status);
    }
    expect(answers).toEqual([...Array(MAILS_PER_ADDRESS).fill(200), 429]);
    expect(mail.mailsTo(nobody)).toHaveLength(0);
  });

  it("REQUIRE_EMAIL_VERIFICATION=true: no JWT (403 EMAIL_NOT_VERIFIED) until the link is followed", async () => {
    const email = uniqueEmail("strict");
    const from = `${net}.51.4`;
    const up = await signUp(strict, email, from);
    expect(up.headers.get(SET_AUTH_JWT_HEADER)).toBeNull();
    const cookie = cookieOf(up);
    const refused = await call(strict.url, "/api/auth/jwt", { from, cookie });
    expect(refused.status).toBe(403);
    expect(errorEnvelopeSchema.parse(refused.json).error.code).toBe("EMAIL_NOT_VERIFIED");

    const message = await mail.waitForMail(email, VERIFY);
    const link = new URL(message.link);
    expect(link.searchParams.get("callbackURL")).toBe(`${ORIGIN}/docs/intro`);
    expect(
      (await call(strict.url, `${link.pathname}${link.search}`, { from, origin: null, redirect: "manual" }))
        .status,
    ).toBe(302);
    const allowed = await call(strict.url, "/api/auth/jwt", { from, cookie });
    expect(allowed.status).toBe(200);
    expect(decodeJwt(allowed.json.token).emailVerified).toBe(true);
  });
});

describe("mail with no SMTP_URL (the embedded default)", () => {
  let auth: RunningAuth;
  beforeAll(async () => {
    auth = await startAuth({ variant: "pglite" });
  });
  afterAll(async () => {
    await auth?.stop();
  });

  it("writes the message as an .eml file under DATA_DIR/mail and logs its link at info", async () => {
    const email = uniqueEmail("file");
    await signUp(auth, email, "127.0.51.5", { callbackURL: undefined });
    const dir = auth.config.accounts.mailDir;
    expect(dir).toBe(join(auth.config.dataDir, "mail"));
    let eml = "";
    await waitFor(() => {
      const files = readdirSync(dir).filter((f) => f.endsWith(".eml"));
      eml = files.map((f) => readFileSync(join(dir, f), "utf8")).find((t) => t.includes(email)) ?? "";
      return eml !== "";
    }, 20_000);
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe("Verify your email address");
    const link = parsed.text?.match(/https?:\/\/\S+/)?.[0] ?? "";
    expect(link).toContain(`${auth.config.baseUrl}/api/auth/verify-email?token=`);
    const logged = auth.logs.lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; link?: string; file?: string })
      .find((l) => l.msg.startsWith("mail written") && l.link === link);
    expect(logged?.level).toBe(30);
    expect(logged?.file?.startsWith(dir)).toBe(true);
    // No callbackURL from the client: the link returns the reader to the book, not to the auth-service's root.
    expect(new URL(logged!.link!).searchParams.get("callbackURL")).toBe(`${ORIGIN}/`);
  });
});
