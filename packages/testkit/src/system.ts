// Start the real auth-service and api-service as child processes from their documented environment, plus reader helpers.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createPgDatabase } from "./pg-database.ts";
import { runUntilExit, type ServiceProcess, startServiceProcess } from "./service-process.ts";
import { fromAddress } from "./source-address.ts";
import { tempDir } from "./temp-dir.ts";

/** Repository root (this file is packages/testkit/src/system.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
export const AUTH_MAIN = join(REPO_ROOT, "services/auth/src/main.ts");
export const API_MAIN = join(REPO_ROOT, "services/api/src/main.ts");

/** The browser origin tests present as trusted (it must be in CORS_ORIGINS). */
export const TRUSTED_ORIGIN = "http://localhost:3000";

/** A fresh 256-bit secret (base64url, 43 characters). */
export const newSecret = () => randomBytes(32).toString("base64url");

export interface AuthProcessOptions {
  dataDir: string;
  jwtSecret: string;
  betterAuthSecret?: string;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  corsOrigins?: string;
  trustProxy?: number;
  nodeEnv?: "development" | "production" | "test";
  jwtAlgorithm?: "HS256" | "RS256" | "EdDSA";
  /** Anything else (overrides the above). */
  env?: Record<string, string | undefined>;
  name?: string;
  /** @default 180_000 */
  readyTimeoutMs?: number;
}

export async function startAuthProcess(opts: AuthProcessOptions): Promise<ServiceProcess> {
  mkdirSync(opts.dataDir, { recursive: true });
  // Port 0: the service binds a port of the kernel's choosing and logs it (see startServiceProcess).
  return startServiceProcess({
    entry: AUTH_MAIN,
    name: opts.name ?? "auth-service",
    cwd: opts.dataDir,
    readyTimeoutMs: opts.readyTimeoutMs,
    env: {
      NODE_ENV: opts.nodeEnv ?? "development",
      AUTH_SERVER_PORT: "0",
      AUTH_SERVER_HOST: "127.0.0.1",
      DATA_DIR: opts.dataDir,
      DATABASE_URL: opts.databaseUrl,
      REDIS_URL: opts.redisUrl,
      JWT_SECRET: opts.jwtSecret,
      BETTER_AUTH_SECRET: opts.betterAuthSecret ?? newSecret(),
      CORS_ORIGINS: opts.corsOrigins ?? TRUSTED_ORIGIN,
      TRUST_PROXY: String(opts.trustProxy ?? 0),
      JWT_ALGORITHM: opts.jwtAlgorithm,
      LOG_LEVEL: "info",
      ...opts.env,
    },
  });
}

export interface ApiProcessOptions {
  dataDir: string;
  jwtSecret?: string;
  redisUrl?: string | undefined;
  rateLimitPerMinute?: number;
  corsOrigins?: string;
  /** OpenAI-compatible server (e.g. the testkit stub's baseURL); sets a dummy OPENAI_API_KEY. */
  openaiBaseUrl?: string;
  qdrantUrl?: string;
  authServiceUrl?: string;
  jwtAlgorithm?: "HS256" | "RS256" | "EdDSA";
  nodeEnv?: "development" | "production" | "test";
  env?: Record<string, string | undefined>;
  name?: string;
  /** @default 180_000 */
  readyTimeoutMs?: number;
}

export async function startApiProcess(opts: ApiProcessOptions): Promise<ServiceProcess> {
  mkdirSync(opts.dataDir, { recursive: true });
  return startServiceProcess({
    entry: API_MAIN,
    name: opts.name ?? "api-service",
    cwd: opts.dataDir,
    readyTimeoutMs: opts.readyTimeoutMs,
    env: {
      NODE_ENV: opts.nodeEnv ?? "development",
      API_SERVER_PORT: "0",
      API_SERVER_HOST: "127.0.0.1",
      DATA_DIR: opts.dataDir,
      JWT_SECRET: opts.jwtSecret,
      JWT_ALGORITHM: opts.jwtAlgorithm,
      AUTH_SERVICE_URL: opts.authServiceUrl,
      REDIS_URL: opts.redisUrl,
      RATE_LIMIT_PER_MINUTE: opts.rateLimitPerMinute ? String(opts.rateLimitPerMinute) : undefined,
      CORS_ORIGINS: opts.corsOrigins ?? TRUSTED_ORIGIN,
      OPENAI_BASE_URL: opts.openaiBaseUrl,
      OPENAI_API_KEY: opts.openaiBaseUrl ? "sk-test-stub" : undefined,
      QDRANT_URL: opts.qdrantUrl,
      BOOK_BASE_URL: "http://book.test",
      LOG_LEVEL: "info",
      ...opts.env,
    },
  });
}

export interface Reader {
  email: string;
  password: string;
  /** Better Auth session token (usable as `Authorization: Bearer` on the auth-service). */
  sessionToken: string;
  /** The access JWT for the api-service. */
  jwt: string;
  userId: string;
}

/** JSON POST to the auth-service the way a browser on the trusted origin sends it. */
export async function authPost(
  baseUrl: string,
  path: string,
  body: unknown,
  init: { headers?: Record<string, string>; dispatcher?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: TRUSTED_ORIGIN, ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal ?? AbortSignal.timeout(20_000),
    ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}),
  } as RequestInit);
}

/** Signs a new reader up and fetches their JWT; throws with the response when anything is not 2xx. */
export async function signUpReader(
  authUrl: string,
  profile: Record<string, unknown> = {},
  init: { dispatcher?: unknown } = {},
): Promise<Reader> {
  const email = `reader-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}@example.test`;
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  const res = await authPost(
    authUrl,
    "/api/auth/sign-up/email",
    { name: "Test Reader", email, password, ...profile },
    init,
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${text}`);
  const body = JSON.parse(text) as { token: string; user: { id: string } };
  const jwtRes = await fetch(`${authUrl}/api/auth/jwt`, {
    headers: { authorization: `Bearer ${body.token}` },
    ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}),
  } as RequestInit);
  const jwtText = await jwtRes.text();
  if (!jwtRes.ok) throw new Error(`/api/auth/jwt failed: ${jwtRes.status} ${jwtText}`);
  const { token } = JSON.parse(jwtText) as { token: string };
  return { email, password, sessionToken: body.token, jwt: token, userId: body.user.id };
}

/**
 * The auth database for a test: an isolated database on DATABASE_URL's server when it is set (CI), else
 * `url: undefined`, which makes the auth-service use embedded PGlite in its DATA_DIR.
 */
export async function authDatabase(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => {} };
  return createPgDatabase(base);
}

export const INGEST_MAIN = join(REPO_ROOT, "services/api/src/cli/ingest.ts");
export const BOOK_DOCS = join(REPO_ROOT, "book/docs");

/**
 * Indexes a docs folder (default: the sample book) into `<dataDir>/index.sqlite` with the real ingest CLI, so an
 * api-service started with the same `dataDir` (and the same OPENAI_* env, if any) serves it. Throws on failure.
 */
export async function ingestBook(opts: {
  dataDir: string;
  docsDir?: string;
  env?: Record<string, string | undefined>;
}): Promise<string> {
  mkdirSync(opts.dataDir, { recursive: true });
  const r = await runUntilExit(
    INGEST_MAIN,
    { DATA_DIR: opts.dataDir, LOG_LEVEL: "warn", ...opts.env },
    180_000,
    { cwd: opts.dataDir },
    [opts.docsDir ?? BOOK_DOCS],
  );
  if (r.code !== 0) throw new Error(`ingest failed (${r.code ?? r.signal}):\n${r.output.slice(-3000)}`);
  return r.output;
}

export interface SystemOptions {
  /** Prefix of the temp dir that holds both services' data; stop() removes it. @default "ai-book-system-" */
  tempPrefix?: string;
  /** Shared by both services (HS256 signs with it). @default a fresh newSecret() */
  jwtSecret?: string;
  /**
   * The JWT mode. HS256 (the services' default when unset) verifies with the shared secret; RS256 and EdDSA make the
   * api-service verify with the auth-service's JWKS, so the auth-service starts first and the api-service is
   * pointed at it.
   */
  jwtAlgorithm?: "HS256" | "RS256" | "EdDSA";
  /** A Redis both services use (the caller owns it, e.g. startOwnedRedis()). @default none: state stays in process */
  redisUrl?: string;
  /** LOG_LEVEL of both services; their output is always kept (`auth.lines`, `api.jsonLines()`). @default "info" */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Index the sample book into the api-service's data dir before it starts. @default false */
  ingest?: boolean;
  /** How many readers to sign up once both services answer. @default 1 */
  readers?: number;
  /** Extra sign-up fields for every reader, e.g. `{ softwareBackground: "Beginner" }`. */
  readerProfile?: Record<string, unknown>;
  /** The client address the i-th reader signs up from (see clientAddress). @default the default local address */
  readerAddress?: (i: number) => string;
  /** Anything else for the auth-service (wins over the above). */
  auth?: Partial<AuthProcessOptions>;
  /** Anything else for the api-service (wins over the above), e.g. `{ rateLimitPerMinute: 100_000 }`. */
  api?: Partial<ApiProcessOptions>;
}

/** Both services running on one auth database, with signed-up readers. */
export interface RunningSystem {
  auth: ServiceProcess;
  api: ServiceProcess;
  /** The first reader; throws when `readers: 0` was asked for. */
  readonly reader: Reader;
  readers: Reader[];
  jwtSecret: string;
  /** Stops both services, drops the auth database and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts the auth-service and the api-service as child processes on a fresh temp dir and auth database (see
 * authDatabase), then signs up `readers`. When anything fails, what was started is stopped before the error is thrown.
 */
export async function startSystem(opts: SystemOptions = {}): Promise<RunningSystem> {
  const dir = tempDir(opts.tempPrefix ?? "ai-book-system-");
  const jwtSecret = opts.jwtSecret ?? newSecret();
  const env = opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {};
  const asymmetric = opts.jwtAlgorithm !== undefined && opts.jwtAlgorithm !== "HS256";
  let db: Awaited<ReturnType<typeof authDatabase>> | undefined;
  const started: ServiceProcess[] = [];
  const track = (p: ServiceProcess) => {
    started.push(p);
    return p;
  };
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    await db?.drop();
    dir.cleanup();
  };
  const startAuth = () =>
    startAuthProcess({
      dataDir: `${dir.path}/auth`,
      databaseUrl: db?.url,
      redisUrl: opts.redisUrl,
      jwtSecret,
      jwtAlgorithm: opts.jwtAlgorithm,
      ...opts.auth,
      env: { ...env, ...opts.auth?.env },
    }).then(track);
  const startApi = (authUrl?: string) =>
    startApiProcess({
      dataDir: `${dir.path}/api`,
      redisUrl: opts.redisUrl,
      jwtSecret,
      jwtAlgorithm: opts.jwtAlgorithm,
      authServiceUrl: authUrl,
      ...opts.api,
      env: { ...env, ...opts.api?.env },
    }).then(track);
  try {
    db = await authDatabase();
    if (opts.ingest) await ingestBook({ dataDir: `${dir.path}/api` });
    let auth: ServiceProcess;
    let api: ServiceProcess;
    if (asymmetric) {
      auth = await startAuth();
      api = await startApi(auth.url);
    } else {
      // allSettled, so a service that did start is in `started` (and stopped) when the other fails.
      const [a, b] = await Promise.allSettled([startAuth(), startApi()]);
      if (a.status === "rejected") throw a.reason;
      if (b.status === "rejected") throw b.reason;
      [auth, api] = [a.value, b.value];
    }
    const readers: Reader[] = [];
    for (let i = 0; i < (opts.readers ?? 1); i++) {
      const address = opts.readerAddress?.(i);
      readers.push(
        await signUpReader(auth.url, opts.readerProfile, address ? { dispatcher: fromAddress(address) } : {}),
      );
    }
    return {
      auth,
      api,
      readers,
      jwtSecret,
      get reader() {
        const first = readers[0];
        if (!first) throw new Error("startSystem: no reader was signed up (readers: 0)");
        return first;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
