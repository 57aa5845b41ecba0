// Purges deleted readers from the api-service's database: every table with a user_id column, found by introspection,
// so a table added later (chapter variants, quotas, ...) is covered without touching this file.
import { type Kysely, sql } from "kysely";
import type { ReaderPurgeStore } from "../history/account-deletions.ts";
import type { AppDatabase } from "./db.ts";
import { lookUp } from "./key-lookup.ts";
import type { Database } from "./schema.ts";

/** The column every table holding a reader's rows carries (tables keyed by another row are listed below). */
const READER_COLUMN = "user_id";

/** Largest IN list per statement (SQLite allows 32,766 parameters; PostgreSQL 65,535). */
const BATCH = 500;

/** Tables of the reader's data that have no user_id of their own: removed through the reader's turns first. */
async function purgeTurnChildren(trx: Kysely<Database>, ids: string[]): Promise<void> {
  const turns = trx.selectFrom("turns").select("id").where("user_id", "in", ids);
  await trx.deleteFrom("turn_sources").where("turn_id", "in", turns).execute();
  // Feedback on the reader's answers (only the reader can give it, but an orphan must not survive either).
  await trx.deleteFrom("feedback").where("turn_id", "in", turns).execute();
}

/** The tables (of this database's own schema) that have a user_id column. */
async function readerTables(database: AppDatabase): Promise<string[]> {
  const db = database.db as unknown as Kysely<unknown>;
  let schema: string | undefined;
  if (database.dialect === "postgres") {
    const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(db);
    schema = rows[0]?.s;
  }
  const tables = await db.introspection.getTables();
  return tables
    .filter((t) => !t.isView && (schema === undefined || t.schema === schema))
    .filter((t) => !t.name.startsWith("kysely_"))
    .filter((t) => t.columns.some((c) => c.name === READER_COLUMN))
    .map((t) => t.name);
}

export function createReaderPurge(database: AppDatabase): ReaderPurgeStore {
  const db = database.db;
  let tables: Promise<string[]> | undefined;

  return {
    async purgeReaders(userIds) {
      // Looked up once: the schema only changes through the migrations run before the service starts.
      tables ??= readerTables(database).catch((err: unknown) => {
        tables = undefined;
        throw err;
      });
      const names = await tables;
      for (let i = 0; i < userIds.length; i += BATCH) {
        const ids = userIds.slice(i, i + BATCH);
        await db.transaction().execute(async (trx) => {
          await purgeTurnChildren(trx, ids);
          const loose = trx as unknown as Kysely<Record<string, { user_id: string }>>;
          for (const name of names) await loose.deleteFrom(name).where(READER_COLUMN, "in", ids).execute();
        });
      }
    },

    async feedPosition(source) {
      return (await lookUp(db, "deletion_feed", "position", { source })) ?? null;
    },

    async saveFeedPosition(source, position) {
      await db
        .insertInto("deletion_feed")
        .values({ source, position })
        .onConflict((oc) => oc.column("source").doUpdateSet({ position }))
        .execute();
    },
  };
}
