// Test harness of the auth-service: a real instance on a real socket (PGlite or PostgreSQL); client.ts speaks to it.

import { startServer } from "@ai-book/http";
import { captureLogs, createPgDatabase, requireEnv, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe } from "vitest";
import { type AuthService, type AuthServiceOptions, createAuthService } from "../src/app.ts";
import { type AuthConfig, loadConfig } from "../src/config.ts";

export const JWT_SECRET = "test-jwt-secret-0123456789-abcdefghijklmnop";
export const BETTER_AUTH_SECRET = "test-better-auth-secret-0123456789-abcdefgh";

export type DbVariant = "pglite" | "postgres";

export interface RunningAuth {
  url: string;
  service: AuthService;
  config: AuthConfig;
  logs: ReturnType<typeof captureLogs>;
  /** Stops the server, closes the service and drops/removes its data. */
  stop(): Promise<void>;
}

export interface StartOptions extends AuthServiceOptions {
  variant?: DbVariant;
  /** Extra environment for loadConfig. */
  env?: Record<string, string | undefined>;
  /** Applied to the parsed config. */
  patch?: Partial<AuthConfig>;
  /** Reuse this PostgreSQL URL instead of creating a database (the caller owns it). */
  databaseUrl?: string;
  /** Keep PGlite on disk in this directory (for restart tests); default: in memory. */
  pgliteDir?: string;
  /** Share this instance's open database (a second instance of the same deployment). */
  shareDatabaseOf?: RunningAuth;
}

/**
 * The address block of a `describe.each(dbVariants())` variant: Better Auth keeps its in-memory rate-limit
 * counters per process, so each variant signs in from addresses of its own.
 */
export function variantNet(variant: DbVariant): string {
  return variant === "pglite" ? "127.0" : "127.1";
}

/** An auth-service for the enclosing suite: started before its tests, stopped after; read it inside tests only. */
export function authForSuite(opts: StartOptions = {}): RunningAuth {
  let running: RunningAuth | undefined;
  const current = () => {
    if (!running) throw new Error("authForSuite: the service runs only during the suite's tests");
    return running;
  };
  beforeAll(async () => {
    running = await startAuth(opts);
  });
  afterAll(async () => {
    await running?.stop();
  });
  return {
    get url() {
      return current().url;
    },
    get service() {
      return current().service;
    },
    get config() {
      return current().config;
    },
    get logs() {
      return current().logs;
    },
    stop: () => current().stop(),
  };
}

/**
 * `describe.each(dbVariants())` with what each variant's suite needs: its own auth-service (authForSuite) and its
 * address block (variantNet). The suites are titled "<title> on <variant>".
 */
export function describeOnEachDb(
  title: string,
  suite: (variant: { auth: RunningAuth; net: string; name: DbVariant }) => void,
  opts: StartOptions = {},
): void {
  describe.each(dbVariants())(`${title} on %s`, (name) => {
    suite({ auth: authForSuite({ ...opts, variant: name }), net: variantNet(name), name });
  });
}

/** Starts an auth-service on 127.0.0.1:<free port> with its own empty database. */
export async function startAuth(opts: StartOptions = {}): Promise<RunningAuth> {
  const dir = tempDir("ai-book-auth-");
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl && !opts.shareDatabaseOf && (opts.variant ?? defaultVariant()) === "postgres") {
    const base = process.env.DATABASE_URL;
    if (!base) throw new Error("startAuth: the postgres variant needs DATABASE_URL");
    const created = await createPgDatabase(base);
    databaseUrl = created.url;
    dropDb = created.drop;
  }
  const config: AuthConfig = {
    ...loadConfig({
      NODE_ENV: "test",
      DATA_DIR: dir.path,
      JWT_SECRET,
      BETTER_AUTH_SECRET,
      LOG_LEVEL: "info",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...opts.env,
    }),
    ...(databaseUrl ? {} : { pgliteDir: opts.pgliteDir }),
    ...opts.patch,
  };
  const logs = captureLogs();
  const service = await createAuthService(config, {
    logDestination: logs.stream,
    ...(opts.redisKeyPrefix ? { redisKeyPrefix: opts.redisKeyPrefix } : {}),
    ...(opts.shareDatabaseOf ? { database: opts.shareDatabaseOf.service.database } : {}),
  });
  const server = await startServer(service.app, { port: 0, hostname: "127.0.0.1" });
  return {
    url: server.url,
    service,
    config,
    logs,
    async stop() {
      await server.close(1_000);
      await service.close();
      await dropDb?.();
      dir.cleanup();
    },
  };
}

let seq = 0;
/** A unique email for this test run. */
export function uniqueEmail(tag = "reader"): string {
  seq += 1;
  return `${tag}-${Date.now().toString(36)}-${seq}@example.com`;
}

/** PostgreSQL when DATABASE_URL is set (faster to start than PGlite), else embedded PGlite. */
export function defaultVariant(): DbVariant {
  return process.env.DATABASE_URL ? "postgres" : "pglite";
}

/** The Postgres variant runs only when DATABASE_URL is set. */
export function dbVariants(): DbVariant[] {
  return requireEnv("DATABASE_URL") ? ["pglite", "postgres"] : ["pglite"];
}
