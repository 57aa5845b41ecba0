// "Download my data" and "Delete my account" on PGlite and (with DATABASE_URL) PostgreSQL: the export holds no
// credential; deletion needs the password or a fresh session, removes every row about the reader, and answers at once.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { eq, sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { session as sessionTable, user as userTable, verification } from "../src/db/schema.ts";
import { call, cookieOf } from "./client.ts";
import { describeOnEachDb, type RunningAuth, uniqueEmail } from "./helpers.ts";
import { expectWrongPasswordRefused } from "./reader-steps.ts";

afterAll(closeAddressAgents);

const PASSWORD = "correct horse battery staple";

async function signUp(auth: RunningAuth, from: string) {
  const email = uniqueEmail("data");
  const res = await call(auth.url, "/api/auth/sign-up/email", {
    from,
    body: { name: "Dora", email, password: PASSWORD, softwareBackground: "Advanced", interestArea: "gait" },
  });
  expect(res.status).toBe(200);
  return {
    email,
    cookie: cookieOf(res),
    userId: res.json.user.id as string,
    token: res.json.token as string,
  };
}

/** Rows that mention the user, in every table of the auth database. */
async function rowsAbout(auth: RunningAuth, userId: string): Promise<Record<string, number>> {
  const db = auth.service.database.db;
  const counts: Record<string, number> = {};
  for (const [table, where] of [
    ["user", sql`id = ${userId}`],
    ["session", sql`user_id = ${userId}`],
    ["account", sql`user_id = ${userId}`],
    ["two_factor", sql`user_id = ${userId}`],
    ["verification", sql`value = ${userId}`],
  ] as const) {
    const res = await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}`);
    counts[table] = Number((res as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
  }
  return counts;
}

describeOnEachDb("account data", ({ auth, net }) => {
  it("exports what we hold as a JSON attachment, without password hashes or tokens", async () => {
    const from = `${net}.71.1`;
    const reader = await signUp(auth, from);
    const res = await call(auth.url, "/api/auth/export-data", { from, cookie: reader.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename=".+\.json"/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.json.user).toMatchObject({
      id: reader.userId,
      email: reader.email,
      softwareBackground: "Advanced",
      interestArea: "gait",
    });
    expect(res.json.accounts).toEqual([expect.objectContaining({ providerId: "credential" })]);
    expect(res.json.sessions).toHaveLength(1);
    // Conversations live at the api-service: the export says where to get them.
    expect(res.json.conversations).toMatch(/conversations\/\{id\}\/export/);
    expect(res.text).not.toContain(reader.token);
    expect(res.text).not.toMatch(/password|\$argon|scrypt|accessToken|refreshToken/i);
    const anonymous = await call(auth.url, "/api/auth/export-data", { from });
    expect(anonymous.status).toBe(401);
  });

  it("refuses deletion with a wrong password (400 INVALID_PASSWORD) and keeps everything", async () => {
    const from = `${net}.71.2`;
    const reader = await signUp(auth, from);
    const before = await rowsAbout(auth, reader.userId);
    await expectWrongPasswordRefused(auth, { from, cookie: reader.cookie }, "/api/auth/delete-user");
    expect(await rowsAbout(auth, reader.userId)).toEqual(before);
  });

  it("deletes with the password in one request: user, accounts, sessions, reset links gone; sign-in fails", async () => {
    const from = `${net}.71.3`;
    const reader = await signUp(auth, from);
    const second = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.71.4`,
      body: { email: reader.email, password: PASSWORD },
    });
    // A pending reset link is data about the reader too.
    expect(
      (await call(auth.url, "/api/auth/request-password-reset", { from, body: { email: reader.email } }))
        .status,
    ).toBe(200);
    expect((await rowsAbout(auth, reader.userId)).verification).toBeGreaterThan(0);

    const res = await call(auth.url, "/api/auth/delete-user", {
      from,
      cookie: reader.cookie,
      body: { password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, message: "User deleted" });
    expect(await rowsAbout(auth, reader.userId)).toEqual({
      user: 0,
      session: 0,
      account: 0,
      two_factor: 0,
      verification: 0,
    });
    for (const cookie of [reader.cookie, cookieOf(second)])
      expect((await call(auth.url, "/api/auth/jwt", { from, cookie })).status).toBe(401);
    const signIn = await call(auth.url, "/api/auth/sign-in/email", {
      from: `${net}.71.5`,
      body: { email: reader.email, password: PASSWORD },
    });
    expect(signIn.status).toBe(401);
  });

  it("deletes without a password only from a fresh session (else 403 SESSION_NOT_FRESH, nothing removed)", async () => {
    const from = `${net}.71.6`;
    const stale = await signUp(auth, from);
    await auth.service.database.db
      .update(sessionTable)
      .set({ createdAt: new Date(Date.now() - 2 * 24 * 3600 * 1000) })
      .where(eq(sessionTable.userId, stale.userId));
    const refused = await call(auth.url, "/api/auth/delete-user", { from, cookie: stale.cookie, body: {} });
    expect(refused.status).toBe(403);
    expect(errorEnvelopeSchema.parse(refused.json).error.code).toBe("SESSION_NOT_FRESH");
    expect((await rowsAbout(auth, stale.userId)).user).toBe(1);

    const fresh = await signUp(auth, from);
    const ok = await call(auth.url, "/api/auth/delete-user", { from, cookie: fresh.cookie, body: {} });
    expect(ok.status).toBe(200);
    const left = await auth.service.database.db
      .select()
      .from(userTable)
      .where(eq(userTable.id, fresh.userId));
    expect(left).toHaveLength(0);
    const links = await auth.service.database.db
      .select()
      .from(verification)
      .where(eq(verification.value, fresh.userId));
    expect(links).toHaveLength(0);
  });
});
