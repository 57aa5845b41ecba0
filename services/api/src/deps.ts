// Builds the service's dependencies once from config: chunk store, embedder, chat model, Redis, caches, metrics, history store.
import { createLogger, type Logger } from "@ai-book/http";
import type { Redis } from "ioredis";
import { createOpenAIEmbedder } from "./adapters/embed/openai.ts";
import { createOpenAIChatModel } from "./adapters/llm/openai.ts";
import { connectRedis } from "./adapters/redis.ts";
import { redisRevocationList, sqliteRevocationList } from "./adapters/revocation.ts";
import { openChunkStore } from "./adapters/vector/open-store.ts";
import { reconnectingStore } from "./adapters/vector/reconnecting-store.ts";
import type { VariantStore } from "./chapters/ports.ts";
import type { Config } from "./config.ts";
import type { HistoryStore } from "./history/ports.ts";
import { createTurnRecorder, type TurnRecorder } from "./history/recorder.ts";
import { scheduleRetention } from "./history/retention.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { RevocationList } from "./middleware/auth.ts";
import { createAnalysisCache, type TextAnalysis } from "./rag/analysis-cache.ts";
import { cachedEmbedder } from "./rag/embed-cache.ts";
import type { ChatModel, ChunkStore, Embedder } from "./rag/ports.ts";
import { openDatabase } from "./store/db.ts";
import { createHistoryStore } from "./store/history-store.ts";
import { createVariantStore } from "./store/variant-store.ts";

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
  /** Chunk and sentence analysis remembered between questions. */
  analysis: TextAnalysis;
  /** Interval of the SSE comment heartbeat, ms. @default 15000 */
  heartbeatMs?: number;
  /** Conversations, feedback and insights: PostgreSQL (API_DATABASE_URL) or DATA_DIR/api.sqlite. */
  history: HistoryStore;
  /** Writes finished chat turns after the answer, off its path. */
  recorder: TurnRecorder;
  /** Made chapter variants and each reader's daily count (the same database as the history). */
  variants: VariantStore;
  /** Releases what the deps hold (store, Redis, history database) after the pending history writes. */
  close(): Promise<void>;
}

/** How often each instance removes conversations older than CHAT_RETENTION_DAYS. */
const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

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
  const database = await openDatabase({ url: config.API_DATABASE_URL, sqlitePath: config.apiDatabasePath });
  const history = createHistoryStore(database);
  const variants = createVariantStore(database);
  const recorder = createTurnRecorder(history, {
    onFailure: (err) => {
      metrics.historyWrites.inc({ outcome: "failed" });
      // The reader already has the answer: the lost turn is only logged (never its text).
      logger.error({ err: { message: (err as Error)?.message } }, "recording a chat turn failed");
    },
    onNotOwner: () => metrics.historyWrites.inc({ outcome: "not_owner" }),
  });
  const stopRetention = scheduleRetention({
    store: history,
    days: config.CHAT_RETENTION_DAYS,
    intervalMs: RETENTION_INTERVAL_MS,
    onPruned: (n) => {
      if (n > 0) {
        metrics.historyWrites.inc({ outcome: "pruned" }, n);
        logger.info({ conversations: n, days: config.CHAT_RETENTION_DAYS }, "expired conversations removed");
      }
    },
    onError: (err) =>
      logger.warn({ err: { message: (err as Error)?.message } }, "pruning expired conversations failed"),
  });
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
    analysis: createAnalysisCache(),
    history,
    recorder,
    variants,
    async close() {
      stopRetention();
      await recorder.flush();
      await history.close();
      await store.close();
      revocationFile?.close();
      if (redis) redis.disconnect();
    },
  };
}
