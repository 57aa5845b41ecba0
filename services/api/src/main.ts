// Entry point: read the environment, build the dependencies, serve, and shut down gracefully on SIGTERM / SIGINT.
import { createLogger, startServer } from "@ai-book/http";
import { exitOnConfigError } from "@ai-book/runtime";
import { config as loadDotenv } from "dotenv";
import { createApp } from "./app.ts";
import { type Config, loadConfig } from "./config.ts";
import { buildDeps } from "./deps.ts";
import { createMetrics } from "./metrics.ts";

loadDotenv({ quiet: true });
// Everything this process creates (DATA_DIR, the embedded databases, the revocation file) is for its owner only: the
// embedded files hold password hashes, sessions and the index, and PGlite creates its files world-writable otherwise.
process.umask(0o077);

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  exitOnConfigError(err);
}

const logger = createLogger({ service: "api-service", level: config.LOG_LEVEL });
if (config.jwtSecretSource === "dev-file") {
  logger.warn(
    { dataDir: config.DATA_DIR },
    "JWT_SECRET is not set: using the generated development secret in DATA_DIR/dev-secrets.json (never do this in production)",
  );
}

for (const warning of config.warnings) logger.warn(warning);

const deps = await buildDeps(config, { logger, metrics: createMetrics({ defaultMetrics: true }) }).catch(
  (err) => {
    logger.fatal({ err }, "start-up failed");
    process.exit(1);
  },
);
const server = await startServer(createApp(deps), {
  port: config.API_SERVER_PORT,
  hostname: config.API_SERVER_HOST,
});
const stats = await deps.store.stats().catch(() => undefined);
logger.info(
  {
    url: server.url,
    index: stats ? { backend: stats.backend, chunks: stats.chunks } : "unreachable",
    retrieval: deps.embedder ? "hybrid" : "lexical",
    answers: deps.chatModel ? `llm (${deps.chatModel.model})` : "extractive",
    redis: deps.redis ? "on" : "off",
  },
  "api-service listening",
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, "shutting down: finishing in-flight requests");
  await server.close(config.SHUTDOWN_GRACE_MS);
  await deps.close().catch((err) => logger.warn({ err }, "closing dependencies failed"));
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
