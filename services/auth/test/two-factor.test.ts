// Two-factor TOTP (Better Auth twoFactor) on PGlite and (with DATABASE_URL) PostgreSQL; codes computed with otpauth.
import { errorEnvelopeSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import { type TOTP, URI } from "otpauth";
import { afterAll, expect, it } from "vitest";
import { TOTP_PERIOD_S } from "../src/accounts/totp-replay.ts";
import { twoFactor } from "../src/db/schema.ts";
import { call, cookieOf, setsSession, withCookies } from "./client.ts";
import { describeOnEachDb, type RunningAuth, uniqueEmail } from "./helpers.ts";
import { expectWrongPasswordRefused } from "./reader-steps.ts";

afterAll(closeAddressAgents);

const PASSWORD = "correct horse battery staple";

/**
 * The code `steps` time-steps from now. Each code is accepted once, so a sign-in right after enrolment uses the next
 * step's code (inside Better Auth's window of one step either side), as a reader would wait for the app's next code.
 */
function codeAt(totp: TOTP, steps: number): string {
  return totp.generate({ timestamp: Date.now() + steps * TOTP_PERIOD_S * 1000 });
}

/** A code that is wrong now (the real one plus one, mod 10^6). */
function wrongCode(totp: TOTP): string {
  return String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, "0");
}

/** Signs up, enables TOTP and confirms it with a computed code; returns the reader's TOTP and backup codes. */
async function enrolled(auth: RunningAuth, from: string) {
  const email = uniqueEmail("totp");
  const up = await call(auth.url, "/api/auth/sign-up/email", {
    from,
    body: { name: "Tom", email, password: PASSWORD },
  });
  let cookie = cookieOf(up);
  // A step of the enrolment that must succeed: the session's cookies follow each one.
  const step = async (path: string, body: Record<string, unknown>) => {
    const res = await call(auth.url, path, { from, cookie, body });
    expect(res.status).toBe(200);
    cookie = withCookies(cookie, res);
    return res;
  };
  const enable = await step("/api/auth/two-factor/enable", { password: PASSWORD });
  const totp = URI.parse(enable.json.totpURI) as TOTP;
  expect(totp.issuer).toBe("ai-book");
  expect(totp.label).toBe(email);
  const backupCodes: string[] = enable.json.backupCodes;
  expect(backupCodes).toHaveLength(10);

  // Not on until a code proves the authenticator has the secret.
  const pending = await call(auth.url, "/api/auth/get-session", { from, cookie });
  expect(pending.json.user.twoFactorEnabled).toBe(false);
  const wrong = await call(auth.url, "/api/auth/two-factor/verify-totp", {
    from,
    cookie,
    body: { code: wrongCode(totp) },
  });
  expect(wrong.status).toBe(401);
  expect(errorEnvelopeSchema.parse(wrong.json).error.code).toBe("INVALID_TWO_FACTOR_CODE");
  const enrolCode = codeAt(totp, 0);
  await step("/api/auth/two-factor/verify-totp", { code: enrolCode });
  const on = await call(auth.url, "/api/auth/get-session", { from, cookie });
  expect(on.json.user.twoFactorEnabled).toBe(true);
  return { email, userId: up.json.user.id as string, totp, backupCodes, cookie, enrolCode };
}

async function firstStep(auth: RunningAuth, email: string, from: string, jar = "") {
  const res = await call(auth.url, "/api/auth/sign-in/email", {
    from,
    cookie: jar || undefined,
    body: { email, password: PASSWORD },
  });
  expect(res.status).toBe(200);
  return { res, jar: withCookies(jar, res) };
}

describeOnEachDb("two-factor TOTP", ({ auth, net }) => {
  it("asks for a second step at sign-in; no session or JWT until the right TOTP code", async () => {
    const from = `${net}.81.1`;
    const reader = await enrolled(auth, from);
    const { res, jar } = await firstStep(auth, reader.email, from);
    expect(res.json).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    expect(res.headers.get(SET_AUTH_JWT_HEADER)).toBeNull();
    expect((await call(auth.url, "/api/auth/jwt", { from, cookie: jar })).status).toBe(401);

    const wrong = await call(auth.url, "/api/auth/two-factor/verify-totp", {
      from,
      cookie: jar,
      body: { code: wrongCode(reader.totp) },
    });
    expect(wrong.status).toBe(401);
    expect(errorEnvelopeSchema.parse(wrong.json).error.code).toBe("INVALID_TWO_FACTOR_CODE");
    expect((await call(auth.url, "/api/auth/jwt", { from, cookie: withCookies(jar, wrong) })).status).toBe(
      401,
    );

    const ok = await call(auth.url, "/api/auth/two-factor/verify-totp", {
      from,
      cookie: jar,
      body: { code: codeAt(reader.totp, 1) },
    });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.headers.get(SET_AUTH_JWT_HEADER)!).email).toBe(reader.email);
    const jwt = await call(auth.url, "/api/auth/jwt", { from, cookie: withCookies(jar, ok) });
    expect(jwt.status).toBe(200);
  });

  it("skips the second step on a trusted device, and accepts each backup code once", async () => {
    const from = `${net}.81.2`;
    const reader = await enrolled(auth, from);
    const step = await firstStep(auth, reader.email, from);
    const trusted = await call(auth.url, "/api/auth/two-factor/verify-totp", {
      from,
      cookie: step.jar,
      body: { code: codeAt(reader.totp, 1), trustDevice: true },
    });
    expect(trusted.status).toBe(200);
    const device = withCookies(step.jar, trusted);
    expect(device).toMatch(/trust_device=/);
    const again = await firstStep(auth, reader.email, from, device);
    expect(again.res.json.twoFactorRedirect).toBeUndefined();
    expect(again.res.headers.get(SET_AUTH_JWT_HEADER)).toEqual(expect.any(String));

    // Another device: a backup code instead of the authenticator, once.
    const other = await firstStep(auth, reader.email, `${net}.81.3`);
    const backup = reader.backupCodes[0]!;
    const used = await call(auth.url, "/api/auth/two-factor/verify-backup-code", {
      from: `${net}.81.3`,
      cookie: other.jar,
      body: { code: backup },
    });
    expect(used.status).toBe(200);
    const replay = await firstStep(auth, reader.email, `${net}.81.4`);
    const reused = await call(auth.url, "/api/auth/two-factor/verify-backup-code", {
      from: `${net}.81.4`,
      cookie: replay.jar,
      body: { code: backup },
    });
    expect(reused.status).toBe(401);
    expect(errorEnvelopeSchema.parse(reused.json).error.code).toBe("INVALID_TWO_FACTOR_CODE");
  });

  it("turns off only with the password", async () => {
    const from = `${net}.81.5`;
    const reader = await enrolled(auth, from);
    await expectWrongPasswordRefused(auth, { from, cookie: reader.cookie }, "/api/auth/two-factor/disable");
    const still = await firstStep(auth, reader.email, `${net}.81.6`);
    expect(still.res.json.twoFactorRedirect).toBe(true);

    const off = await call(auth.url, "/api/auth/two-factor/disable", {
      from,
      cookie: reader.cookie,
      body: { password: PASSWORD },
    });
    expect(off.status).toBe(200);
    const plain = await firstStep(auth, reader.email, `${net}.81.7`);
    expect(plain.res.json.twoFactorRedirect).toBeUndefined();
    expect(plain.res.headers.get(SET_AUTH_JWT_HEADER)).toEqual(expect.any(String));
  });
  /** POST verify-totp / verify-backup-code for a pending sign-in. */
  function verify(kind: "totp" | "backup-code", jar: string, code: string, from: string) {
    return call(auth.url, `/api/auth/two-factor/verify-${kind}`, { from, cookie: jar, body: { code } });
  }

  it("accepts each TOTP code once: a reused or older code is 401 TWO_FACTOR_CODE_REUSED and changes nothing", async () => {
    const reader = await enrolled(auth, `${net}.82.1`);
    const code = codeAt(reader.totp, 1);
    const first = await firstStep(auth, reader.email, `${net}.82.2`);
    expect((await verify("totp", first.jar, code, `${net}.82.2`)).status).toBe(200);

    // Someone who saw the code (over the reader's shoulder, or a phishing page) signs in with it on another device.
    const second = await firstStep(auth, reader.email, `${net}.82.3`);
    // More refusals than Better Auth's five attempts per sign-in: none of them counts as a wrong code.
    for (const [i, stale] of [code, reader.enrolCode, code, reader.enrolCode, code, code].entries()) {
      const res = await verify("totp", second.jar, stale, `${net}.83.${i + 1}`);
      expect(res.status).toBe(401);
      expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("TWO_FACTOR_CODE_REUSED");
      expect(setsSession(res)).toBe(false);
      expect(res.headers.get(SET_AUTH_JWT_HEADER)).toBeNull();
    }
    expect((await call(auth.url, "/api/auth/jwt", { from: `${net}.82.3`, cookie: second.jar })).status).toBe(
      401,
    );
    const [row] = await auth.service.database.db
      .select({ failed: twoFactor.failedVerificationCount, lockedUntil: twoFactor.lockedUntil })
      .from(twoFactor)
      .where(eq(twoFactor.userId, reader.userId));
    expect(row).toEqual({ failed: 0, lockedUntil: null });
    // The pending sign-in is still open: the reader's own second factor finishes it.
    const backup = await verify("backup-code", second.jar, reader.backupCodes[0]!, `${net}.82.3`);
    expect(backup.status).toBe(200);
    expect(decodeJwt(backup.headers.get(SET_AUTH_JWT_HEADER)!).email).toBe(reader.email);
  });

  it("of two sign-ins sending the same code (or backup code) at once, exactly one gets a session", async () => {
    const reader = await enrolled(auth, `${net}.84.1`);
    const code = codeAt(reader.totp, 1);
    const a = await firstStep(auth, reader.email, `${net}.84.2`);
    const b = await firstStep(auth, reader.email, `${net}.84.3`);
    const totp = await Promise.all([
      verify("totp", a.jar, code, `${net}.84.2`),
      verify("totp", b.jar, code, `${net}.84.3`),
    ]);
    expect(totp.map((r) => r.status).sort()).toEqual([200, 401]);
    const lost = totp.find((r) => r.status === 401)!;
    expect(errorEnvelopeSchema.parse(lost.json).error.code).toBe("TWO_FACTOR_CODE_REUSED");
    expect(setsSession(lost)).toBe(false);

    const c = await firstStep(auth, reader.email, `${net}.84.4`);
    const d = await firstStep(auth, reader.email, `${net}.84.5`);
    const backup = reader.backupCodes[1]!;
    const codes = await Promise.all([
      verify("backup-code", c.jar, backup, `${net}.84.4`),
      verify("backup-code", d.jar, backup, `${net}.84.5`),
    ]);
    expect(codes.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = codes.find((r) => r.status !== 200)!;
    expect([401, 409]).toContain(refused.status);
    errorEnvelopeSchema.parse(refused.json);
    expect(setsSession(refused)).toBe(false);
  });
});
