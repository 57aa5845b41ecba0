// GET /health: 200 when the auth database (and Redis, when configured) answer; 503 "unhealthy" when one does not.

import { ERROR_CODES } from "@ai-book/contracts";
import type { AppEnv } from "@ai-book/http";
import { Hono } from "hono";
import type { Redis } from "ioredis";
import type { Database } from "../db/client.ts";

const REDIS_PING_TIMEOUT_MS = 1_000;

/** Resolves when Redis answers PING within the timeout, rejects otherwise (never waits on its offline queue). */
async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") throw new Error(`redis ${redis.status}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("redis ping timed out")), REDIS_PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * With REDIS_URL set, sessions, rate limits and revocations go through Redis, so every auth route fails while it
 * is down: /health says so too, letting a load balancer or orchestrator act on it.
 */
export function healthRoutes(database: Pick<Database, "ping">, redis?: Redis) {
  return new Hono<AppEnv>().get("/health", async (c) => {
    c.header("cache-control", "no-store");
    let failed: "database" | "redis" = "database";
    try {
      await database.ping(2_000);
      failed = "redis";
      if (redis) await pingRedis(redis);
      return c.json(
        {
          status: "healthy",
          service: "auth-service",
          database: "up",
          redis: redis ? "up" : "disabled",
        } as const,
        200,
      );
    } catch (err) {
      c.get("logger")?.warn({ err: { message: (err as Error).message } }, `health: ${failed} unreachable`);
      return c.json(
        {
          status: "unhealthy",
          service: "auth-service",
          database: failed === "database" ? "down" : "up",
          redis: redis ? (failed === "redis" ? "down" : "unknown") : "disabled",
          error: {
            code: "SERVICE_UNAVAILABLE",
            message: failed === "database" ? "The auth database is unreachable." : "Redis is unreachable.",
            requestId: c.get("requestId"),
          },
        } as const,
        ERROR_CODES.SERVICE_UNAVAILABLE.status,
      );
    }
  });
}
