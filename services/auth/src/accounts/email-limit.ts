// Per-email-address limits of the routes that send mail (rate-limiter-flexible): the address-based limit alone
// lets one attacker flood one inbox from many addresses.
import { createHash } from "node:crypto";
import { ERROR_CODES } from "@ai-book/contracts";
import { APIError } from "better-auth/api";
import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";

export interface EmailLimitOptions {
  /** Mails per email address per window. */
  points: number;
  windowSeconds: number;
  /** Shared counting across instances. */
  redis?: Redis | undefined;
  /** Key prefix in Redis; one per limited route. */
  keyPrefix: string;
}

export interface EmailLimit {
  /** Counts one request for `email`; throws a 429 RATE_LIMITED APIError once it is over the limit. */
  consume(email: string): Promise<void>;
}

export function createEmailLimit(opts: EmailLimitOptions): EmailLimit {
  const memory = new RateLimiterMemory({ points: opts.points, duration: opts.windowSeconds });
  const limiter: RateLimiterAbstract = opts.redis
    ? new RateLimiterRedis({
        storeClient: opts.redis,
        points: opts.points,
        duration: opts.windowSeconds,
        keyPrefix: opts.keyPrefix,
        insuranceLimiter: memory,
        rejectIfRedisNotReady: true,
      })
    : memory;
  return {
    async consume(email) {
      // Keyed by a hash: the limiter's store (Redis) must not hold readers' addresses.
      const key = createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");
      try {
        await limiter.consume(key);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new APIError(
          "TOO_MANY_REQUESTS",
          { code: "RATE_LIMITED", message: ERROR_CODES.RATE_LIMITED.message },
          { "x-retry-after": String(retryAfter) },
        );
      }
    },
  };
}
