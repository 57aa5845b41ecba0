// The auth database: PostgreSQL through node-postgres when DATABASE_URL is set, else embedded PGlite; migrations at start-up.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { userInfo } from "node:os";
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

/**
 * The users to try for a DATABASE_URL, in order: the URL's own, or (none given, as libpq allows) PGUSER, the OS
 * user, then `postgres`. node-postgres alone would send no user name at all where USER is unset (containers,
 * service managers), and the server answers "no PostgreSQL user name specified in startup packet".
 */
export function candidateUrls(url: string): string[] {
  const parsed = new URL(url);
  if (parsed.username) return [url];
  let osUser: string | undefined;
  try {
    osUser = userInfo().username;
  } catch {
    // no passwd entry for this uid (some containers): fall through to the next candidate
  }
  const users = [...new Set([process.env.PGUSER, osUser, "postgres"].filter((u): u is string => Boolean(u)))];
  return users.map((user) => {
    const u = new URL(url);
    u.username = encodeURIComponent(user);
    return u.toString();
  });
}

/** PostgreSQL's "role does not exist" / "password authentication failed": try the next candidate user. */
const WRONG_USER_CODES = new Set(["28000", "28P01"]);

function createPostgres(url: string, max: number): Database {
  const candidates = candidateUrls(url);
  const pool = new pg.Pool({
    connectionString: candidates[0],
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // /health gets a connection of its own, so a pool saturated by queued requests (e.g. right after an outage)
  // cannot starve the check and keep the instance out of its load balancer.
  const healthPool = new pg.Pool({
    connectionString: candidates[0],
    max: 1,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its server must not crash the process; the next query reports the failure. The pools' own
  // listeners cover idle clients only: a client checked out between two queries of a transaction (sign-up writes the
  // user and its account in one) emits on itself, and an 'error' event with no listener ends the process.
  for (const p of [pool, healthPool]) {
    p.on("error", () => {});
    p.on("connect", (client) => client.on("error", () => {}));
  }
  const db = drizzlePg(pool, { schema });
  // The first connection (migrations run first) settles which candidate user the pools use from then on.
  const connectAsSomeUser = async (): Promise<pg.PoolClient> => {
    const tried: string[] = [];
    for (const candidate of candidates) {
      pool.options.connectionString = candidate;
      healthPool.options.connectionString = candidate;
      try {
        return await pool.connect();
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (candidates.length === 1 || !code || !WRONG_USER_CODES.has(code)) throw err;
        tried.push(`"${decodeURIComponent(new URL(candidate).username)}" (${(err as Error).message})`);
      }
    }
    const at = new URL(url);
    throw new Error(
      `DATABASE_URL names no user, and none of the defaults could connect: ${tried.join("; ")}. ` +
        `Add the user (and password) to it: postgres://USER:PASSWORD@${at.host}${at.pathname}`,
    );
  };
  return {
    kind: "postgres",
    db,
    async migrate() {
      const client = await connectAsSomeUser();
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

/**
 * PostgreSQL settings for the embedded database: an auth database is a few MB, so PostgreSQL's server defaults
 * (128 MB shared buffers, 64 MB maintenance memory) only cost resident memory. Measured idle RSS of the
 * auth-service on PGlite (2-core machine): 906 MB on a first start and 382 MB on a restart before these settings
 * and the child initdb below; 312 MB and 281 MB after.
 */
export const PGLITE_SETTINGS = [
  "shared_buffers=16MB",
  "work_mem=1MB",
  "maintenance_work_mem=8MB",
  "temp_buffers=1MB",
];

/**
 * Creates the data directory in a short-lived child process. WebAssembly memory never shrinks, and PGlite's
 * initdb grows it to about 760 MB resident; done in the service's own process, that stays for its lifetime.
 * Runs once, on the first start, before the service listens (so blocking is harmless).
 */
function initPgliteDir(dir: string): void {
  if (existsSync(join(dir, "PG_VERSION"))) return;
  const pglite = import.meta.resolve("@electric-sql/pglite");
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = new PGlite(${JSON.stringify(dir)}); await db.waitReady; await db.close();`;
  execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "ignore", "pipe"],
  });
}

function createPglite(dir: string | undefined): Database {
  if (dir) {
    // Owner only: the files hold password hashes and session tokens (main.ts also sets the umask PGlite creates them under).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    initPgliteDir(dir);
  }
  const client = new PGlite(dir, { postgresqlconf: PGLITE_SETTINGS });
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
