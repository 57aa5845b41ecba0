// The auth database: PostgreSQL through node-postgres when DATABASE_URL is set, else embedded PGlite; migrations at start-up.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { packageDir } from "@ai-book/runtime";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite, type PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { schema } from "./schema.ts";

/** Folder of the SQL migrations drizzle-kit generates (services/auth/drizzle), from src/ or from the bundle. */
export const MIGRATIONS_FOLDER = join(packageDir(import.meta.url), "drizzle");

// Any fixed number works; it only has to be the same for every instance migrating the same database.
const MIGRATION_LOCK_ID = 4_120_260_001;

export type AuthDb = NodePgDatabase<typeof schema> | PgliteDatabase<typeof schema>;

/**
 * What both drivers (and their transactions) have in common. Calls on the AuthDb union lose drizzle's overloads
 * (`returning(fields)`), so code that needs them takes this view of the same object.
 */
export type PgExecutor = PgDatabase<PgQueryResultHKT, typeof schema>;

export function asExecutor(db: AuthDb): PgExecutor {
  return db as unknown as PgExecutor;
}

export interface Database {
  kind: "postgres" | "pglite";
  db: AuthDb;
  /** Applies pending migrations; safe when several instances start at once (PostgreSQL advisory lock). */
  migrate(): Promise<void>;
  /** Resolves when the database answers `SELECT 1` within `timeoutMs`, rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; unset means embedded PGlite in `pgliteDir`. */
  databaseUrl?: string | undefined;
  /** Directory of the embedded database (created when missing); `undefined` keeps PGlite in memory. */
  pgliteDir?: string | undefined;
  /** @default 10 */
  poolMax?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function createDatabase(opts: DatabaseOptions): Database {
  if (opts.databaseUrl) return createPostgres(opts.databaseUrl, opts.poolMax ?? 10);
  return createPglite(opts.pgliteDir);
}

function createPostgres(url: string, max: number): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // /health gets a connection of its own, so a pool saturated by queued requests (e.g. right after an outage)
  // cannot starve the check and keep the instance out of its load balancer.
  const healthPool = new pg.Pool({
    connectionString: url,
    max: 1,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reports the failure.
  pool.on("error", () => {});
  healthPool.on("error", () => {});
  const db = drizzlePg(pool, { schema });
  return {
    kind: "postgres",
    db,
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
        try {
          await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
        } finally {
          await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
        }
      } finally {
        client.release();
      }
    },
    async ping(timeoutMs = 2_000) {
      await withTimeout(healthPool.query("select 1"), timeoutMs, "database ping");
    },
    async close() {
      await Promise.all([pool.end(), healthPool.end()]);
    },
  };
}

/**
 * Drops group and other permissions from everything under `dir`. PGlite's emulated file system creates its files
 * 0666 whatever the process umask is (968 of 1,001 files were world-writable), so after it has opened the directory
 * and migrated, the files are narrowed once; files it adds later sit in this 0700 directory, unreachable to others.
 */
export function restrictToOwner(dir: string): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return;
  if ((st.mode & 0o077) !== 0) chmodSync(dir, st.mode & 0o700);
  if (st.isDirectory()) for (const entry of readdirSync(dir)) restrictToOwner(join(dir, entry));
}

function createPglite(dir: string | undefined): Database {
  // Owner only: the files hold password hashes and session tokens (main.ts also sets the umask PGlite creates them under).
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const client = new PGlite(dir);
  const db = drizzlePglite(client, { schema });
  return {
    kind: "pglite",
    db,
    async migrate() {
      await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
      if (dir) restrictToOwner(dir);
    },
    async ping(timeoutMs = 2_000) {
      await withTimeout(db.execute(sql`select 1`), timeoutMs, "database ping");
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}
