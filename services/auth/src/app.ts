// The auth-service as a value: createApp(deps) wires the Hono app; createAuthService(config) builds every dependency.
import { AsyncLocalStorage } from "node:async_hooks";
import { REQUEST_ID_HEADER, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import {
  type AppEnv,
  bodyLimit,
  createLogger,
  handleError,
  handleNotFound,
  type Logger,
  requestBasics,
} from "@ai-book/http";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { Redis } from "ioredis";
import type { DestinationStream } from "pino";
import type { AuditLog } from "./audit/audit-log.ts";
import { createAuditLog } from "./audit/audit-log.ts";
import { type Auth, createAuth, type RequestState } from "./auth.ts";
import { hideSessionTokensFromBrowsers } from "./browser-tokens.ts";
import type { AuthConfig } from "./config.ts";
import { createDatabase, type Database } from "./db/client.ts";
import { createMailer, type Mailer } from "./mail.ts";
import { openRevocationStore, type RevocationStore } from "./revocation.ts";
import { bootstrapAdmins, refreshCachedUser } from "./roles.ts";
import { adminAuditRoutes } from "./routes/admin-audit.ts";
import { betterAuthRoutes } from "./routes/better-auth.ts";
import { healthRoutes } from "./routes/health.ts";

export interface AppDeps {
  config: AuthConfig;
  auth: Auth;
  database: Pick<Database, "ping">;
  logger: Logger;
  requestState: AsyncLocalStorage<RequestState>;
  audit: AuditLog;
  /** Checked by /health when configured. */
  redis?: Redis | undefined;
}

export function createApp(deps: AppDeps) {
  const { config } = deps;
  const app = new Hono<AppEnv>();
  app.use(...requestBasics({ logger: deps.logger, trustProxy: config.trustProxy }));
  app.use(
    cors({
      origin: config.corsOrigins,
      credentials: true,
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["content-type", "authorization", REQUEST_ID_HEADER],
      // Not set-auth-token: the session token is for non-browser clients (browsers hold the httpOnly cookie).
      exposeHeaders: [SET_AUTH_JWT_HEADER, REQUEST_ID_HEADER, "retry-after"],
      maxAge: 600,
    }),
  );
  app.use(bodyLimit(config.bodyLimitBytes));
  app.route("/", healthRoutes(deps.database, deps.redis));
  app.route("/", adminAuditRoutes(deps.auth, deps.audit));
  app.use("/api/auth/*", hideSessionTokensFromBrowsers());
  app.route("/", betterAuthRoutes(deps.auth, deps.requestState, `${config.baseUrl}/api/auth/error`));
  app.notFound(handleNotFound);
  app.onError(handleError);
  return app;
}

const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface AuthServiceOptions {
  /** Where log lines go (tests capture them). @default stdout */
  logDestination?: DestinationStream;
  /** Prefix of Better Auth's keys in Redis (tests isolate themselves with one). @default "better-auth:" */
  redisKeyPrefix?: string;
  /**
   * An open database to use instead of opening `config`'s (migrations are still applied). The caller owns it:
   * close() leaves it open. Lets several instances share one embedded database in a test.
   */
  database?: Database;
}

export interface AuthService {
  app: ReturnType<typeof createApp>;
  auth: Auth;
  config: AuthConfig;
  database: Database;
  redis: Redis | undefined;
  /** Where ended sessions are listed for the api-service (Redis or the shared file). */
  revocation: RevocationStore | undefined;
  logger: Logger;
  requestState: AsyncLocalStorage<RequestState>;
  audit: AuditLog;
  mailer: Mailer;
  /** Closes Redis and the database it opened (stop the HTTP server first). */
  close(): Promise<void>;
}

/** Opens the database (running migrations), Redis when configured, and builds the app. */
export async function createAuthService(
  config: AuthConfig,
  opts: AuthServiceOptions = {},
): Promise<AuthService> {
  const logger = createLogger({
    service: "auth-service",
    level: config.logLevel,
    ...(opts.logDestination ? { destination: opts.logDestination } : {}),
  });
  const ownsDatabase = !opts.database;
  const database =
    opts.database ?? createDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
  try {
    await database.migrate();
  } catch (err) {
    if (ownsDatabase) await database.close().catch(() => {});
    throw err;
  }
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  let lastRedisWarning = 0;
  redis?.on("error", (err) => {
    // ioredis reports every reconnect attempt; once every 10 s is enough to see the outage (issue 19, item 13).
    if (Date.now() - lastRedisWarning < 10_000) return;
    lastRedisWarning = Date.now();
    logger.warn({ err: { message: err.message } }, "redis error");
  });
  let revocation: RevocationStore | undefined;
  try {
    revocation = openRevocationStore({ redis, sqlitePath: config.revocationDbPath });
  } catch (err) {
    redis?.disconnect();
    if (ownsDatabase) await database.close().catch(() => {});
    throw err;
  }
  if (!revocation)
    logger.warn(
      "no revocation path (REDIS_URL unset, REVOCATION_DB_PATH=off): a signed-out session's tokens work until they expire",
    );
  const requestState = new AsyncLocalStorage<RequestState>();
  const audit = createAuditLog({ db: database.db, logger, requestContext: requestState });
  const mailer = createMailer({
    smtpUrl: config.accounts.smtpUrl,
    from: config.accounts.mailFrom,
    dir: config.accounts.mailDir,
    logger,
  });
  const auth = createAuth({
    mailer,
    config,
    db: database.db,
    logger,
    requestState,
    redis,
    redisKeyPrefix: opts.redisKeyPrefix,
    audit,
    revocation,
  });
  const app = createApp({ config, auth, database, logger, requestState, redis, audit });
  const pruneAudit = () =>
    Promise.all([
      audit.prune(config.auditRetentionDays),
      // Deletion announcements live as long as the audit events that record the deletions.
      revocation?.pruneDeletedUsers(Date.now() - config.auditRetentionDays * 86_400_000),
    ]).catch((err: unknown) =>
      logger.warn({ err: { message: (err as Error).message } }, "audit prune failed"),
    );
  try {
    for (const id of await bootstrapAdmins(database.db, audit, config.adminEmails))
      await refreshCachedUser(auth, id, { role: "admin" });
  } catch (err) {
    await redis?.quit().catch(() => redis.disconnect());
    if (ownsDatabase) await database.close().catch(() => {});
    throw err;
  }
  await pruneAudit();
  // Retention is in days: an hourly pass keeps the table within an hour of it.
  const pruneTimer = setInterval(pruneAudit, AUDIT_PRUNE_INTERVAL_MS);
  pruneTimer.unref();
  let closed = false;
  return {
    app,
    auth,
    config,
    database,
    redis,
    revocation,
    logger,
    requestState,
    audit,
    mailer,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pruneTimer);
      await mailer.close();
      revocation?.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
      if (ownsDatabase) await database.close();
    },
  };
}
