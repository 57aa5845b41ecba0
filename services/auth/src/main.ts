// Entry point of the auth-service: read the environment (and .env), build the service, serve, shut down gracefully.
import { startServer } from "@ai-book/http";
import { exitOnConfigError } from "@ai-book/runtime";
import { config as loadDotenv } from "dotenv";
import { createAuthService } from "./app.ts";
import { loadConfig } from "./config.ts";

/** How long in-flight requests may take to finish after SIGTERM/SIGINT. */
const SHUTDOWN_GRACE_MS = 10_000;

loadDotenv({ quiet: true });
// Everything this process creates (DATA_DIR, the embedded databases, the revocation file) is for its owner only: the
// embedded files hold password hashes, sessions and the index, and PGlite creates its files world-writable otherwise.
process.umask(0o077);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitOnConfigError(err);
}

const service = await createAuthService(config).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`auth-service failed to start: ${message}\n`);
  process.exit(1);
});
const { logger } = service;
for (const warning of config.warnings) logger.warn(warning);

const server = await startServer(service.app, { port: config.port, hostname: config.host });
logger.info(
  {
    url: server.url,
    database: service.database.kind,
    redis: Boolean(config.redisUrl),
    jwtAlgorithm: config.jwtAlgorithm,
  },
  "auth-service listening",
);

let stopping = false;
async function shutdown(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  try {
    await server.close(SHUTDOWN_GRACE_MS);
    await service.close();
    logger.info("stopped");
    process.exit(0);
  } catch (err) {
    logger.error({ err }, "unclean shutdown");
    process.exit(1);
  }
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
