// Builds the service's dependencies once from config: chunk store, embedder, chat model, Redis, metrics.
import { createLogger, type Logger } from "@ai-book/http";
import type { Redis } from "ioredis";
import { createOpenAIEmbedder } from "./adapters/embed/openai.ts";
import { createOpenAIChatModel } from "./adapters/llm/openai.ts";
import { redisRevocationList, sqliteRevocationList } from "./adapters/revocation.ts";
import { openChunkStore } from "./adapters/vector/open-store.ts";
import type { Config } from "./config.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { RevocationList } from "./middleware/auth.ts";
import { cachedEmbedder } from "./rag/embed-cache.ts";
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
  /** The auth-service's ended sessions: Redis, or the shared file; absent when configured off. */
  revocation?: RevocationList;
  metrics: Metrics;
  /** Interval of the SSE comment heartbeat, ms. @default 15000 */
  heartbeatMs?: number;
  /** Releases what the deps hold (store, Redis). */
  close(): Promise<void>;
}

/** A Redis client that fails fast when Redis is down, so a request never waits on it. */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  // Loaded only when Redis is configured.
  const { Redis } = await import("ioredis");
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

/** Retry an unreachable store's opening at most this often. */
const STORE_RETRY_MS = 5000;

/**
 * A ChunkStore that opens its backend lazily and again after a failure (at most every STORE_RETRY_MS), so a
 * service started while Qdrant is down answers 503 instead of refusing to start, and recovers by itself.
 */
export async function reconnectingStore(
  open: () => Promise<ChunkStore>,
  logger: Logger,
): Promise<ChunkStore> {
  let current: ChunkStore | undefined;
  let opening: Promise<ChunkStore> | undefined;
  let lastFailure = 0;
  let lastError: unknown;
  const get = (): Promise<ChunkStore> => {
    if (current) return Promise.resolve(current);
    if (opening) return opening;
    if (Date.now() - lastFailure < STORE_RETRY_MS) return Promise.reject(lastError);
    opening = open()
      .then((s) => {
        current = s;
        logger.info("chunk store connected");
        return s;
      })
      .catch((err: unknown) => {
        lastFailure = Date.now();
        lastError = err;
        logger.warn({ err: { message: (err as Error)?.message } }, "chunk store unreachable");
        throw err;
      })
      .finally(() => {
        opening = undefined;
      });
    return opening;
  };
  await get().catch(() => undefined);
  return {
    search: async (q) => (await get()).search(q),
    listDocuments: async () => (await get()).listDocuments(),
    replaceDocument: async (doc, chunks, vectors) => (await get()).replaceDocument(doc, chunks, vectors),
    deleteDocument: async (docId) => (await get()).deleteDocument(docId),
    reset: async (embedding) => (await get()).reset(embedding),
    stats: async () => (await get()).stats(),
    close: async () => {
      await current?.close();
    },
  };
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
  if (config.OPENAI_API_KEY) {
    // Query-time embeddings: one short input per request, so the interactive timeout and retry budget apply.
    const provider = createOpenAIEmbedder({
      apiKey: config.OPENAI_API_KEY,
      baseURL: config.OPENAI_BASE_URL,
      model: config.EMBEDDING_MODEL,
      dimensions: config.EMBEDDING_DIMENSIONS,
      timeoutMs: config.LLM_TIMEOUT_MS,
      maxRetries: config.LLM_MAX_RETRIES,
      // One short input per request: every reader's question goes out at once (the ingest default of 2 in flight
      // would queue a burst of distinct questions behind each other).
      concurrency: 64,
    });
    // Readers of one book ask the same questions: a repeat costs no provider call.
    embedder =
      config.EMBEDDING_CACHE_SIZE > 0
        ? cachedEmbedder(provider, { maxEntries: config.EMBEDDING_CACHE_SIZE })
        : provider;
  }
  const openStore = () => openChunkStore(config, { dimensions: embedder?.dimensions });
  // Qdrant may be down when we start: serve anyway (503 on search, unhealthy /health) and connect when it is back.
  const store: ChunkStore = config.QDRANT_URL
    ? await reconnectingStore(openStore, logger)
    : await openStore();
  const stats = await store.stats().catch(() => null);
  if (embedder && stats?.embedding && stats.embedding.model !== embedder.model) {
    logger.warn(
      { index: stats.embedding.model, configured: embedder.model },
      "the index was embedded with another model: dense retrieval will be poor until a re-ingest",
    );
  }
  if (embedder && stats && !stats.embedding) {
    logger.warn(
      "the index holds no vectors (ingested offline): retrieval is lexical and makes no embedding calls until a " +
        "re-ingest with OPENAI_API_KEY set",
    );
  }
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  const revocationFile =
    !redis && config.REVOCATION_DB_PATH ? sqliteRevocationList(config.REVOCATION_DB_PATH) : undefined;
  const revocation = redis ? redisRevocationList(redis) : revocationFile;
  if (!revocation)
    logger.warn(
      "no revocation check (REDIS_URL unset, REVOCATION_DB_PATH=off): tokens of signed-out sessions work until they expire",
    );
  return {
    config,
    logger,
    store,
    embedder,
    chatModel,
    redis,
    ...(revocation ? { revocation } : {}),
    metrics,
    async close() {
      await store.close();
      revocationFile?.close();
      if (redis) redis.disconnect();
    },
  };
}
