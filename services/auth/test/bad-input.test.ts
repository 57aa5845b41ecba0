// Bad input never yields a 500, a hang or a half-written account: every refusal is a 4xx in our envelope.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { sql } from "drizzle-orm";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { schema } from "../src/db/schema.ts";
import { call, cookieOf } from "./client.ts";
import { dbVariants, type RunningAuth, startAuth, uniqueEmail } from "./helpers.ts";

afterAll(closeAddressAgents);

const PASSWORD = "a perfectly fine password";

function exec(auth: RunningAuth, query: string) {
  // Both drivers answer execute() with { rows }; the cast only picks one of the two drizzle types.
  return (auth.service.database.db as PgliteDatabase<typeof schema>).execute(sql.raw(query));
}

async function count(auth: RunningAuth, query: string): Promise<number> {
  const res = await exec(auth, query);
  return Number((res.rows[0] as { n: number | string }).n);
}

function expectEnvelope(res: { status: number; json: unknown }, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = errorEnvelopeSchema.parse(res.json);
  expect(body.error.code).toBe(code);
  return body.error.message;
}

describe.each(dbVariants())("bad input on %s", (variant) => {
  // Rate-limit buckets live per process: each variant speaks from its own addresses.
  const net = variant === "pglite" ? "127.0.31" : "127.0.32";
  let auth: RunningAuth;
  let existing: string;
  beforeAll(async () => {
    auth = await startAuth({ variant });
    existing = uniqueEmail("existing");
    const up = await call(auth.url, "/api/auth/sign-up/email", {
      from: `${net}.1`,
      body: { name: "Existing", email: existing, password: PASSWORD },
    });
    expect(up.status).toBe(200);
  });
  afterAll(async () => {
    await auth?.stop();
  });

  const signUpCases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["missing email", { name: "N", password: PASSWORD }, "VALIDATION_ERROR", /email/],
    ["invalid email", { name: "N", email: "not-an-email", password: PASSWORD }, "VALIDATION_ERROR", /email/],
    ["short password", { name: "N", password: "1234567" }, "VALIDATION_ERROR", /password/],
    ["long password", { name: "N", password: "x".repeat(129) }, "VALIDATION_ERROR", /password/],
    ["missing password", { name: "N" }, "VALIDATION_ERROR", /password/],
    ["numeric password", { name: "N", password: 12345678 }, "VALIDATION_ERROR", /password/],
    ["missing name", { password: PASSWORD }, "VALIDATION_ERROR", /name/],
    [
      "unknown softwareBackground",
      { name: "N", password: PASSWORD, softwareBackground: "guru" },
      "VALIDATION_ERROR",
      /softwareBackground/,
    ],
    [
      "lower-case hardwareBackground",
      { name: "N", password: PASSWORD, hardwareBackground: "beginner" },
      "VALIDATION_ERROR",
      /hardwareBackground/,
    ],
    [
      "blank interestArea",
      { name: "N", password: PASSWORD, interestArea: "   " },
      "VALIDATION_ERROR",
      /interestArea/,
    ],
    [
      "65-char interestArea",
      { name: "N", password: PASSWORD, interestArea: "x".repeat(65) },
      "VALIDATION_ERROR",
      /interestArea/,
    ],
    [
      "numeric interestArea",
      { name: "N", password: PASSWORD, interestArea: 42 },
      "VALIDATION_ERROR",
      /interestArea/,
    ],
    [
      "a preferredLanguage that is not a language code",
      { name: "N", password: PASSWORD, preferredLanguage: "Urdu please" },
      "VALIDATION_ERROR",
      /preferredLanguage/,
    ],
  ];

  it.each(signUpCases)("sign-up with %s is a 400 naming the field", async (_name, body, code, field) => {
    const withEmail =
      "email" in body || field.source === "email" ? body : { ...body, email: uniqueEmail("bad") };
    const res = await call(auth.url, "/api/auth/sign-up/email", { from: `${net}.2`, body: withEmail });
    expect(expectEnvelope(res, 400, code)).toMatch(field);
  });

  it("accepts the boundaries: 12 and 128 character passwords, 64-character interest", async () => {
    for (const password of ["tq7-Vm2x-Lw9", "p".repeat(128)]) {
      const res = await call(auth.url, "/api/auth/sign-up/email", {
        from: `${net}.3`,
        body: { name: "Edge", email: uniqueEmail("edge"), password, interestArea: "i".repeat(64) },
      });
      expect(res.status).toBe(200);
    }
  });

  it("refuses a duplicate email (any case) with 422 USER_ALREADY_EXISTS", async () => {
    const res = await call(auth.url, "/api/auth/sign-up/email", {
      from: `${net}.4`,
      body: { name: "Again", email: existing.toUpperCase(), password: PASSWORD },
    });
    expectEnvelope(res, 422, "USER_ALREADY_EXISTS");
  });

  it("refuses a wrong password and an unknown email alike (401 INVALID_EMAIL_OR_PASSWORD)", async () => {
    const wrong = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.5`,
      body: { email: existing, password: "not the password" },
    });
    const unknown = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.5`,
      body: { email: uniqueEmail("nobody"), password: PASSWORD },
    });
    expect(expectEnvelope(wrong, 401, "INVALID_EMAIL_OR_PASSWORD")).toBe(
      expectEnvelope(unknown, 401, "INVALID_EMAIL_OR_PASSWORD"),
    );
  });

  it("answers malformed JSON, non-object bodies, wrong media types and oversized bodies with 4xx", async () => {
    const from = `${net}.6`;
    const path = "/api/auth/sign-up/email";
    expectEnvelope(await call(auth.url, path, { from, raw: '{"email": "a@b.c",' }), 400, "INVALID_JSON");
    expectEnvelope(await call(auth.url, path, { from, raw: "[1,2,3]" }), 400, "VALIDATION_ERROR");
    expectEnvelope(await call(auth.url, path, { from, raw: "null" }), 400, "VALIDATION_ERROR");
    expectEnvelope(
      await call(auth.url, path, { from, raw: "hello", contentType: "text/plain" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    const huge = JSON.stringify({
      name: "x".repeat(200_000),
      email: uniqueEmail("huge"),
      password: PASSWORD,
    });
    expectEnvelope(await call(auth.url, path, { from, raw: huge }), 413, "PAYLOAD_TOO_LARGE");
    expectEnvelope(await call(auth.url, "/api/auth/no-such-endpoint", { from }), 404, "NOT_FOUND");
  });

  it("refuses a cookie-bearing POST without a trusted Origin (403 in the envelope)", async () => {
    const res = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.7`,
      origin: "https://evil.example",
      cookie: "better-auth.session_token=x",
      body: { email: existing, password: PASSWORD },
    });
    expectEnvelope(res, 403, "FORBIDDEN");
  });

  it("refuses a bad profile value on update-user and keeps the stored one", async () => {
    const from = `${net}.8`;
    const email = uniqueEmail("update");
    const up = await call(auth.url, "/api/auth/sign-up/email", {
      from,
      body: { name: "U", email, password: PASSWORD, softwareBackground: "Beginner" },
    });
    const cookie = cookieOf(up);
    const bad = await call(auth.url, "/api/auth/update-user", {
      from,
      cookie,
      body: { softwareBackground: "Expert" },
    });
    expect(expectEnvelope(bad, 400, "VALIDATION_ERROR")).toMatch(/softwareBackground/);
    const unauth = await call(auth.url, "/api/auth/update-user", { from, body: { name: "X" } });
    expectEnvelope(unauth, 401, "UNAUTHORIZED");
    const session = await call(auth.url, "/api/auth/get-session", { from, cookie });
    expect(session.json.user.softwareBackground).toBe("Beginner");
  });

  // Regression: PostgreSQL refused NUL in text and deep nesting overflowed a validator; both were 500s on update-user.
  it("refuses NUL characters and deeply nested bodies with 400 VALIDATION_ERROR on sign-up and update-user", async () => {
    const from = `${net}.9`;
    const email = uniqueEmail("nul");
    const nulSignUp = await call(auth.url, "/api/auth/sign-up/email", {
      from,
      body: { name: "nul\u0000byte", email, password: PASSWORD },
    });
    expect(expectEnvelope(nulSignUp, 400, "VALIDATION_ERROR")).toMatch(/NUL/);
    const up = await call(auth.url, "/api/auth/sign-up/email", {
      from,
      body: { name: "N", email, password: PASSWORD },
    });
    const cookie = cookieOf(up);
    for (const body of [{ interestArea: "robots\u0000" }, { name: "a\u0000" }]) {
      expectEnvelope(
        await call(auth.url, "/api/auth/update-user", { from, cookie, body }),
        400,
        "VALIDATION_ERROR",
      );
    }
    const deep = `{"name":${'{"a":'.repeat(5000)}1${"}".repeat(5000)}}`;
    expect(
      expectEnvelope(
        await call(auth.url, "/api/auth/update-user", { from, cookie, raw: deep }),
        400,
        "VALIDATION_ERROR",
      ),
    ).toMatch(/nested/);
    const session = await call(auth.url, "/api/auth/get-session", { from, cookie });
    expect(session.json.user.name).toBe("N");
  });

  it("has written no user without its credential account, and none of the refused emails", async () => {
    expect(await count(auth, 'SELECT count(*) AS n FROM "user"')).toBeGreaterThan(0);
    expect(
      await count(
        auth,
        'SELECT count(*) AS n FROM "user" u WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.user_id = u.id)',
      ),
    ).toBe(0);
    expect(
      await count(auth, `SELECT count(*) AS n FROM "user" WHERE email LIKE 'bad-%' OR email LIKE 'huge-%'`),
    ).toBe(0);
  });

  // Regression: the drizzle adapter runs without transactions unless told to; sign-up then left a user with no account.
  it("rolls the user back when its account cannot be written (sign-up is one transaction)", async () => {
    await exec(
      auth,
      "CREATE OR REPLACE FUNCTION refuse_account() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'account writes refused by test'; END $$ LANGUAGE plpgsql",
    );
    await exec(
      auth,
      "CREATE TRIGGER refuse_account BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION refuse_account()",
    );
    try {
      const email = uniqueEmail("atomic");
      const res = await call(auth.url, "/api/auth/sign-up/email", {
        from: `${net}.9`,
        body: { name: "Atomic", email, password: PASSWORD },
      });
      expect(res.status).toBe(500);
      expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("INTERNAL_ERROR");
      expect(auth.logs.text()).not.toContain("params:");
      expect(res.text).not.toContain("refused by test");
      expect(await count(auth, `SELECT count(*) AS n FROM "user" WHERE email = '${email}'`)).toBe(0);
    } finally {
      await exec(auth, "DROP TRIGGER refuse_account ON account");
    }
  });
});
