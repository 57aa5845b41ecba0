// Builds the service's dependencies once from config: chunk store, embedder, chat model, Redis, metrics.
import { createLogger, type Logger } from "@ai-book/http";
import { Redis } from "ioredis";
import { createOpenAIChatModel } from "./adapters/llm/openai.ts";
import { openSqliteStore } from "./adapters/vector/sqlite.ts";
import type { Config } from "./config.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { ChatModel, ChunkStore, Embedder } from "./rag/ports.ts";

export interface Deps {
  config: Config;
  logger: Logger;
  store: ChunkStore;
  /** Absent without OPENAI_API_KEY: lexical retrieval only. */
  embedder?: Embedder;
  /** Absent without OPENAI_API_KEY: extractive answers. */
  chatModel?: ChatModel;
  /** Present with REDIS_URL: shared rate limits and revoked sessions. */
  redis?: Redis;
  metrics: Metrics;
  /** Interval of the SSE comment heartbeat, ms. @default 15000 */
  heartbeatMs?: number;
  /** Releases what the deps hold (store, Redis). */
  close(): Promise<void>;
}

/** A Redis client that fails fast when Redis is down, so a request never waits on it. */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let lastWarn = 0;
  redis.on("error", (err) => {
    // ioredis emits on every reconnect attempt; once every 10 s is enough to see it.
    if (Date.now() - lastWarn > 10_000) {
      lastWarn = Date.now();
      logger.warn(
        { err: { message: err.message } },
        "redis unavailable: rate limits per instance, revocation unchecked",
      );
    }
  });
  await redis.connect().catch(() => undefined);
  return redis;
}

export interface BuildDepsOptions {
  logger?: Logger;
  metrics?: Metrics;
}

export async function buildDeps(config: Config, opts: BuildDepsOptions = {}): Promise<Deps> {
  const logger = opts.logger ?? createLogger({ service: "api-service", level: config.LOG_LEVEL });
  const metrics = opts.metrics ?? createMetrics();
  let embedder: Embedder | undefined;
  let chatModel: ChatModel | undefined;
  if (config.OPENAI_API_KEY) {
    chatModel = createOpenAIChatModel({
      apiKey: config.OPENAI_API_KEY,
      baseURL: config.OPENAI_BASE_URL,
      model: config.LLM_MODEL,
      timeoutMs: config.LLM_TIMEOUT_MS,
      maxRetries: config.LLM_MAX_RETRIES,
    });
  }
  if (config.QDRANT_URL)
    throw new Error("QDRANT_URL is set but the Qdrant store is not available in this build");
  const store: ChunkStore = openSqliteStore({ path: config.INDEX_PATH, dimensions: embedder?.dimensions });
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  return {
    config,
    logger,
    store,
    embedder,
    chatModel,
    redis,
    metrics,
    async close() {
      await store.close();
      if (redis) redis.disconnect();
    },
  };
}
