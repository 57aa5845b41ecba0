// Per-reader rate limit (rate-limiter-flexible): in memory, or in Redis so every instance shares the count.
import { ApiError } from "@ai-book/http";
import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { ApiEnv } from "../env.ts";

export interface LimiterOptions {
  /** Requests allowed per window. */
  points: number;
  /** @default 60 */
  windowSeconds?: number;
  /** Shared counting; without it, each instance counts on its own. */
  redis?: Redis;
  /** Key prefix in Redis (instances that share a limit share the prefix). @default "api-rl:" */
  keyPrefix?: string;
}

export function createLimiter(opts: LimiterOptions): RateLimiterAbstract {
  const duration = opts.windowSeconds ?? 60;
  const memory = new RateLimiterMemory({ points: opts.points, duration, keyPrefix: "mem" });
  if (!opts.redis) return memory;
  return new RateLimiterRedis({
    storeClient: opts.redis,
    points: opts.points,
    duration,
    keyPrefix: opts.keyPrefix ?? "api-rl:",
    // Redis down → count per instance rather than refuse everyone or let everyone through.
    insuranceLimiter: memory,
    rejectIfRedisNotReady: true,
  });
}

export interface RateLimitOptions {
  limiter: RateLimiterAbstract;
  points: number;
  windowSeconds?: number;
  onReject?: (c: Context<ApiEnv>) => void;
}

/** The API key when the token came from one (its own bucket), else the reader (JWT user id), else the client address. */
function keyOf(c: Context<ApiEnv>): string {
  const keyId = c.get("claims")?.keyId;
  if (keyId) return `key:${keyId}`;
  const user = c.get("userId");
  return user ? `user:${user}` : `ip:${c.get("clientIp") ?? "unknown"}`;
}

function setHeaders(c: Context<ApiEnv>, points: number, window: number, res: RateLimiterRes) {
  c.header("RateLimit-Policy", `${points};w=${window}`);
  c.header("RateLimit-Limit", String(points));
  c.header("RateLimit-Remaining", String(Math.max(0, res.remainingPoints)));
  c.header("RateLimit-Reset", String(Math.max(0, Math.ceil(res.msBeforeNext / 1000))));
}

/** Counts the request against its reader's budget; over it → 429 RATE_LIMITED with Retry-After. */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<ApiEnv> {
  const window = opts.windowSeconds ?? 60;
  return async (c, next) => {
    let res: RateLimiterRes;
    try {
      res = await opts.limiter.consume(keyOf(c));
    } catch (rej) {
      if (!(rej instanceof RateLimiterRes)) {
        c.get("logger")?.warn({ err: rej }, "rate limiter unavailable; request not counted");
        return next();
      }
      opts.onReject?.(c);
      const retryAfter = Math.max(1, Math.ceil(rej.msBeforeNext / 1000));
      setHeaders(c, opts.points, window, rej);
      throw new ApiError("RATE_LIMITED", `Too many requests; retry in ${retryAfter} s.`, {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
    setHeaders(c, opts.points, window, res);
    await next();
  };
}
