// Deleting an account (Better Auth's own delete flow) removes the reader's conversations, turns and feedback from the
// api-service's database — also when the api-service was stopped during the deletion and started after. Real
// processes: embedded (PGlite, SQLite, the shared revocation file) and PostgreSQL (+ Redis's stream when installed).
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  closeAddressAgents,
  createPgDatabase,
  newSecret,
  type OwnedRedis,
  type Reader,
  requireEnv,
  type ServiceProcess,
  signUpReader,
  startApiProcess,
  startAuthProcess,
  startOwnedRedis,
  TRUSTED_ORIGIN,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import Sqlite from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 400_000 });

const DATABASE_URL = requireEnv("DATABASE_URL");
const hasRedis = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].some(existsSync);
type Variant = "embedded" | "postgres";
const variants: Variant[] = DATABASE_URL ? ["embedded", "postgres"] : ["embedded"];

/** The reader's rows in the api-service's own tables, counted straight from its database. */
type RowCounter = (userId: string, answerIds: string[]) => Promise<Record<string, number>>;

function sqliteCounter(path: string): RowCounter {
  return async (userId, answerIds) => {
    const db = new Sqlite(path, { readonly: true, fileMustExist: true });
    try {
      const one = (q: string, ...args: unknown[]) => (db.prepare(q).get(...args) as { n: number }).n;
      const marks = answerIds.map(() => "?").join(",") || "''";
      return {
        conversations: one("SELECT count(*) AS n FROM conversations WHERE user_id = ?", userId),
        turns: one("SELECT count(*) AS n FROM turns WHERE user_id = ?", userId),
        feedback: one("SELECT count(*) AS n FROM feedback WHERE user_id = ?", userId),
        turn_sources: one(`SELECT count(*) AS n FROM turn_sources WHERE turn_id IN (${marks})`, ...answerIds),
      };
    } finally {
      db.close();
    }
  };
}

function pgCounter(url: string): RowCounter {
  return async (userId, answerIds) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const one = async (q: string, args: unknown[]) => Number((await client.query(q, args)).rows[0].n);
      return {
        conversations: await one("SELECT count(*) AS n FROM conversations WHERE user_id = $1", [userId]),
        turns: await one("SELECT count(*) AS n FROM turns WHERE user_id = $1", [userId]),
        feedback: await one("SELECT count(*) AS n FROM feedback WHERE user_id = $1", [userId]),
        turn_sources: await one("SELECT count(*) AS n FROM turn_sources WHERE turn_id = ANY($1)", [
          answerIds,
        ]),
      };
    } finally {
      await client.end();
    }
  };
}

const none = { conversations: 0, turns: 0, feedback: 0, turn_sources: 0 };

describe.each(variants)("account deletion reaches the api-service's data (%s)", (variant) => {
  const dir = tempDir("ai-book-deletion-");
  const jwtSecret = newSecret();
  const dbs: Array<{ drop(): Promise<void> }> = [];
  let redis: OwnedRedis | undefined;
  let auth: ServiceProcess;
  let api: ServiceProcess;
  let apiEnv: Record<string, string | undefined>;
  let count: RowCounter;

  const startApi = () =>
    startApiProcess({ dataDir: join(dir.path, "api"), jwtSecret, redisUrl: redis?.url, env: apiEnv });

  beforeAll(async () => {
    // Without Redis both services share this file: sessions ended and accounts deleted are announced in it.
    const shared = { REVOCATION_DB_PATH: join(dir.path, "shared", "revocations.sqlite") };
    let authDbUrl: string | undefined;
    apiEnv = { ...shared, RATE_LIMIT_PER_MINUTE: "1000" };
    if (variant === "postgres" && DATABASE_URL) {
      const authDb = await createPgDatabase(DATABASE_URL);
      const apiDb = await createPgDatabase(DATABASE_URL);
      dbs.push(authDb, apiDb);
      authDbUrl = authDb.url;
      apiEnv.API_DATABASE_URL = apiDb.url;
      count = pgCounter(apiDb.url);
      if (hasRedis) redis = await startOwnedRedis();
      else console.warn("[note] redis-server is not installed: the PostgreSQL variant uses the shared file");
    } else {
      count = sqliteCounter(join(dir.path, "api", "api.sqlite"));
    }
    auth = await startAuthProcess({
      dataDir: join(dir.path, "auth"),
      databaseUrl: authDbUrl,
      redisUrl: redis?.url,
      jwtSecret,
      env: shared,
    });
    api = await startApi();
  });
  afterAll(async () => {
    await api?.stop();
    await auth?.stop();
    await redis?.stop();
    for (const db of dbs) await db.drop();
    await closeAddressAgents();
    dir.cleanup();
  });

  /** Two chat turns in one conversation and a rating, as the reader; returns the answer ids. */
  async function converse(reader: Reader): Promise<string[]> {
    const ask = async (message: string, conversationId?: string) => {
      const res = await fetch(`${api.url}/v1/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${reader.jwt}`, "content-type": "application/json" },
        body: JSON.stringify({ message, ...(conversationId ? { conversationId } : {}) }),
      });
      const body = (await res.json()) as { conversationId: string; answerId: string };
      expect(res.status, JSON.stringify(body)).toBe(200);
      return body;
    };
    const first = await ask("How does a humanoid robot keep its balance?");
    const second = await ask("And what sensors does it use for that?", first.conversationId);
    const ids = [first.answerId, second.answerId];
    // Turns are written in batches after the answer: the answer can be rated once it is in the database.
    await waitFor(async () => (await count(reader.userId, ids)).turns === 2, 30_000);
    const rated = await fetch(`${api.url}/v1/answers/${first.answerId}/feedback`, {
      method: "PUT",
      headers: { authorization: `Bearer ${reader.jwt}`, "content-type": "application/json" },
      body: JSON.stringify({ rating: "down", reason: "not_in_book", comment: "my private remark" }),
    });
    expect(rated.status).toBe(200);
    return ids;
  }

  /** POST /api/auth/delete-user with the password: Better Auth's own deletion flow. */
  async function deleteAccount(reader: Reader) {
    const res = await fetch(`${auth.url}/api/auth/delete-user`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${reader.sessionToken}`,
        "content-type": "application/json",
        origin: TRUSTED_ORIGIN,
      },
      body: JSON.stringify({ password: reader.password }),
    });
    expect(res.status, `${await res.clone().text()}\n${auth.lines.slice(-5).join("\n")}`).toBe(200);
    const gone = await fetch(`${auth.url}/api/auth/get-session`, {
      headers: { authorization: `Bearer ${reader.sessionToken}` },
    });
    expect(await gone.json()).toBeNull();
  }

  it("a running api-service purges the deleted reader's rows and keeps everyone else's", async () => {
    const reader = await signUpReader(auth.url);
    const bystander = await signUpReader(auth.url);
    const ids = await converse(reader);
    const kept = await converse(bystander);
    const before = await count(reader.userId, ids);
    expect(before).toEqual({ conversations: 1, turns: 2, feedback: 1, turn_sources: before.turn_sources });
    expect(before.turn_sources).toBeGreaterThanOrEqual(0);

    await deleteAccount(reader);
    let last: Record<string, number> = {};
    await waitFor(
      async () => {
        last = await count(reader.userId, ids);
        return JSON.stringify(last) === JSON.stringify(none);
      },
      { timeoutMs: 60_000, stepMs: 200, explain: () => `rows left: ${JSON.stringify(last)}` },
    );
    const other = await count(bystander.userId, kept);
    expect(other).toMatchObject({ conversations: 1, turns: 2, feedback: 1 });
    // Its tokens no longer reach the reader's (now empty) history either.
    const list = await fetch(`${api.url}/v1/conversations`, {
      headers: { authorization: `Bearer ${reader.jwt}` },
    });
    expect(list.status).toBe(401);
  });

  it("an api-service stopped during the deletion purges the rows when it starts again", async () => {
    const reader = await signUpReader(auth.url);
    const ids = await converse(reader);
    expect((await count(reader.userId, ids)).turns).toBe(2);

    await api.stop();
    await deleteAccount(reader);
    // Nothing could purge them while it was down.
    expect((await count(reader.userId, ids)).conversations).toBe(1);

    api = await startApi();
    let last: Record<string, number> = {};
    await waitFor(
      async () => {
        last = await count(reader.userId, ids);
        return JSON.stringify(last) === JSON.stringify(none);
      },
      { timeoutMs: 60_000, stepMs: 200, explain: () => `rows left: ${JSON.stringify(last)}` },
    );
    // Applied once: a restart does not replay what this database already applied.
    const purges = api.jsonLines().filter((l) => l.msg === "deleted accounts purged");
    expect(purges.map((l) => l.readers)).toEqual([1]);
  });
});
