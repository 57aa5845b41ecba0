// The deleted-reader purge on SQLite and (with DATABASE_URL) PostgreSQL: every table with a user_id column, found by
// introspection (a table added later included), the feed applied once from its saved position, late writes caught.
import { createPgDatabase, requireEnv, tempDir } from "@ai-book/testkit";
import { type Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  type DeletedUser,
  type DeletedUsersFeed,
  scheduleAccountDeletions,
} from "../history/account-deletions.ts";
import { type AppDatabase, openDatabase } from "./db.ts";
import { createReaderPurge } from "./reader-purge.ts";

const DATABASE_URL = requireEnv("DATABASE_URL");
const variants = DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

/** An in-memory stand-in for the auth-service's feed (the Redis and SQLite readers are exercised end to end). */
function listFeed(entries: DeletedUser[]): DeletedUsersFeed & { reads: number } {
  const feed = {
    source: "test",
    reads: 0,
    async after(position: string | null, limit: number) {
      feed.reads += 1;
      const from = position === null ? 0 : Number(position);
      return entries.filter((e) => Number(e.position) > from).slice(0, limit);
    },
  };
  return feed;
}

describe.each(variants)("reader purge on %s", (variant) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(): Promise<AppDatabase> {
    const dir = tempDir("ai-book-purge-");
    let url: string | undefined;
    if (variant === "postgres" && DATABASE_URL) {
      const created = await createPgDatabase(DATABASE_URL);
      cleanups.push(created.drop);
      url = created.url;
    }
    const database = await openDatabase({ url, sqlitePath: `${dir.path}/api.sqlite` });
    cleanups.push(() => dir.cleanup());
    cleanups.push(() => database.close());
    return database;
  }

  async function seed(db: Kysely<unknown>, user: string) {
    const at = new Date().toISOString();
    await sql`insert into conversations values (${`c-${user}`}, ${user}, 'title', ${at}, ${at})`.execute(db);
    await sql`insert into turns (id, conversation_id, user_id, question, answer, sources, mode, grounded,
      processing_time_ms, top_coverage, created_at)
      values (${`t-${user}`}, ${`c-${user}`}, ${user}, 'q', 'a', '[]', 'extractive', 1, 1, 1, ${at})`.execute(
      db,
    );
    await sql`insert into turn_sources values (${`t-${user}`}, 0, 'p', 'T', 'H', 'u')`.execute(db);
    await sql`insert into feedback values (${`t-${user}`}, ${user}, 'up', null, 'private', ${at}, ${at})`.execute(
      db,
    );
    await sql`insert into chapter_quota values (${user}, 3)`.execute(db);
  }

  async function rowsOf(db: Kysely<unknown>, user: string): Promise<number> {
    const one = async (q: ReturnType<typeof sql<{ n: number | string }>>) =>
      Number((await q.execute(db)).rows[0]?.n ?? 0);
    return (
      (await one(sql`select count(*) as n from conversations where user_id = ${user}`)) +
      (await one(sql`select count(*) as n from turns where user_id = ${user}`)) +
      (await one(sql`select count(*) as n from turn_sources where turn_id = ${`t-${user}`}`)) +
      (await one(sql`select count(*) as n from feedback where user_id = ${user}`)) +
      (await one(sql`select count(*) as n from chapter_quota where user_id = ${user}`))
    );
  }

  it("removes the readers' rows from every user_id table, including one added after the purge was written", async () => {
    const database = await open();
    const db = database.db as unknown as Kysely<unknown>;
    // What another feature's migration might add: the purge finds it by its user_id column.
    await sql`create table chapter_quota (user_id text not null, used integer not null)`.execute(db);
    for (const user of ["gone-1", "gone-2", "stays"]) await seed(db, user);
    expect(await rowsOf(db, "gone-1")).toBe(5);

    const purge = createReaderPurge(database);
    await purge.purgeReaders(["gone-1", "gone-2"]);
    expect(await rowsOf(db, "gone-1")).toBe(0);
    expect(await rowsOf(db, "gone-2")).toBe(0);
    expect(await rowsOf(db, "stays")).toBe(5);
    // Idempotent: purging again (another instance, a restart) changes nothing and does not fail.
    await purge.purgeReaders(["gone-1"]);
    expect(await rowsOf(db, "stays")).toBe(5);
  });

  it("applies each feed entry once from the saved position, and purges each reader again after the grace", async () => {
    const database = await open();
    const db = database.db as unknown as Kysely<unknown>;
    await sql`create table chapter_quota (user_id text not null, used integer not null)`.execute(db);
    await seed(db, "a");
    await seed(db, "b");
    const store = createReaderPurge(database);
    const purged: number[] = [];
    let clock = 1_000;
    const entries: DeletedUser[] = [{ position: "1", userId: "a" }];
    const feed = listFeed(entries);
    const sync = scheduleAccountDeletions({
      feed,
      store,
      intervalMs: 3_600_000,
      lateWriteGraceMs: 60_000,
      now: () => clock,
      onPurged: (n) => purged.push(n),
    });
    await sync.runOnce();
    expect(await rowsOf(db, "a")).toBe(0);
    expect(await store.feedPosition("test")).toBe("1");

    // A streamed chat's turn lands after the purge; the second purge, after the grace, removes it.
    await seed(db, "a");
    await sync.runOnce();
    expect(await rowsOf(db, "a")).toBe(5);
    clock += 60_000;
    await sync.runOnce();
    expect(await rowsOf(db, "a")).toBe(0);

    entries.push({ position: "2", userId: "b" });
    await sync.runOnce();
    expect(await rowsOf(db, "b")).toBe(0);
    expect(purged).toEqual([1, 1]);
    await sync.stop();

    // A new instance on the same database starts from the saved position: nothing is replayed.
    const again: number[] = [];
    const next = scheduleAccountDeletions({
      feed,
      store,
      intervalMs: 3_600_000,
      lateWriteGraceMs: 60_000,
      onPurged: (n) => again.push(n),
    });
    await next.runOnce();
    await next.stop();
    expect(again).toEqual([]);
  });
});
