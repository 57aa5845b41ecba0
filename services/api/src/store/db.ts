// Opens the api-service's database: PostgreSQL when API_DATABASE_URL is set, else an embedded SQLite file; migrates it.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Sqlite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { migrateToLatest } from "./migrations.ts";
import type { Database } from "./schema.ts";

export type Dialect = "sqlite" | "postgres";

export interface OpenDatabaseOptions {
  /** postgres:// URL; absent = embedded SQLite at `sqlitePath`. */
  url?: string;
  sqlitePath: string;
  /** PostgreSQL pool size per instance. @default 10 */
  poolSize?: number;
}

export interface AppDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

const PG_CONNECT_TIMEOUT_MS = 2000;
const PG_QUERY_TIMEOUT_MS = 5000;

/** How long an embedded writer waits for another process's write lock before failing (several instances, one file). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

export async function openDatabase(opts: OpenDatabaseOptions): Promise<AppDatabase> {
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (opts.url) {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      // An unreachable server must fail a request in seconds (503, or a counted lost write), never hang a chat.
      connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
      query_timeout: PG_QUERY_TIMEOUT_MS,
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on("error", () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    dialect = "postgres";
  } else {
    mkdirSync(dirname(opts.sqlitePath), { recursive: true });
    const sqlite = new Sqlite(opts.sqlitePath);
    // WAL: readers never wait for the writer, and a second instance on the same file can write between ours.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    sqlite.pragma("synchronous = NORMAL");
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    dialect = "sqlite";
  }
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect, close: () => db.destroy() };
}
