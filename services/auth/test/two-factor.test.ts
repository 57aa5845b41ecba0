// Two-factor TOTP (Better Auth twoFactor) on PGlite and (with DATABASE_URL) PostgreSQL; codes computed with otpauth.
import { errorEnvelopeSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { decodeJwt } from "jose";
import { type TOTP, URI } from "otpauth";
import { afterAll, describe, expect, it } from "vitest";
import {
  authForSuite,
  type CallResult,
  call,
  cookieOf,
  dbVariants,
  type RunningAuth,
  uniqueEmail,
  variantNet,
} from "./helpers.ts";

afterAll(closeAddressAgents);

const PASSWORD = "correct horse battery staple";

/** Merges the cookies a response sets into a Cookie header (a tiny cookie jar). */
function withCookies(jar: string, res: CallResult): string {
  const map = new Map(jar ? jar.split("; ").map((c) => c.split("=", 2) as [string, string]) : []);
  for (const set of res.headers.getSetCookie()) {
    const [pair] = set.split(";");
    const [name, value] = pair!.split("=", 2) as [string, string];
    if (/max-age=0/i.test(set) || value === "") map.delete(name);
    else map.set(name, value);
  }
  return [...map].map(([k, v]) => `${k}=${v}`).join("; ");
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
  const enable = await call(auth.url, "/api/auth/two-factor/enable", {
    from,
    cookie,
    body: { password: PASSWORD },
  });
  expect(enable.status).toBe(200);
  cookie = withCookies(cookie, enable);
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
  const confirm = await call(auth.url, "/api/auth/two-factor/verify-totp", {
    from,
    cookie,
    body: { code: totp.generate() },
  });
  expect(confirm.status).toBe(200);
  cookie = withCookies(cookie, confirm);
  const on = await call(auth.url, "/api/auth/get-session", { from, cookie });
  expect(on.json.user.twoFactorEnabled).toBe(true);
  return { email, totp, backupCodes, cookie };
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

describe.each(dbVariants())("two-factor TOTP on %s", (variant) => {
  const net = variantNet(variant);
  const auth = authForSuite({ variant });

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
      body: { code: reader.totp.generate() },
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
      body: { code: reader.totp.generate(), trustDevice: true },
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
    const wrong = await call(auth.url, "/api/auth/two-factor/disable", {
      from,
      cookie: reader.cookie,
      body: { password: "not my password" },
    });
    expect(wrong.status).toBe(400);
    expect(errorEnvelopeSchema.parse(wrong.json).error.code).toBe("INVALID_PASSWORD");
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
});
