// Test harness of the auth-service: a real instance on a real socket (PGlite or PostgreSQL), and an HTTP client.

import { startServer } from "@ai-book/http";
import { captureLogs, createPgDatabase, fromAddress, requireEnv, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll } from "vitest";
import { type AuthService, type AuthServiceOptions, createAuthService } from "../src/app.ts";
import { type AuthConfig, loadConfig } from "../src/config.ts";

export const ORIGIN = "http://localhost:3000";
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

export interface CallOptions {
  method?: "GET" | "POST" | "OPTIONS";
  body?: unknown;
  /** Raw body (sent as is, with `contentType`). */
  raw?: string;
  contentType?: string;
  cookie?: string;
  bearer?: string;
  /** Source address of the client socket (127.x.y.z). @default "127.0.0.1" */
  from?: string;
  /** @default ORIGIN; null sends none. */
  origin?: string | null;
  headers?: Record<string, string>;
  /** "manual" to see a redirect instead of following it. @default "follow" */
  redirect?: RequestRedirect;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field
  json: any;
  text: string;
}

export async function call(base: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  let body: string | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers["content-type"] = opts.contentType ?? "application/json";
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
    redirect: opts.redirect ?? "follow",
    dispatcher: fromAddress(opts.from ?? "127.0.0.1"),
  } as RequestInit);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The session cookie(s) of a response as a Cookie header value. */
export function cookieOf(res: CallResult): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

/** Whether a response starts a session (sets a session cookie that is not a deletion). */
export function setsSession(res: Pick<CallResult, "headers">): boolean {
  return res.headers.getSetCookie().some((c) => c.includes("session_token=") && !/max-age=0/i.test(c));
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
