// The Redis client both the rate limiter and the revocation check use: fails fast when Redis is down.
import type { Logger } from "@ai-book/http";
import type { Redis } from "ioredis";

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
