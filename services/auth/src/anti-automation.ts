// Better Auth plugin against automated abuse: a per-account failed sign-in throttle and a global hourly sign-up quota (ASVS 2.2.1).
import { createHmac } from "node:crypto";
import type { Logger } from "@ai-book/http";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

export interface AntiAutomationOptions {
  /** Shared counters across instances; absent = this process only. */
  redis?: Redis | undefined;
  /** Prefix of the counters' Redis keys (Better Auth's, so instances sharing a prefix share the limits). */
  keyPrefix?: string;
  /** Keys an account identifier for logs and counters, so neither holds a raw email (ASVS 7.2.1). */
  secret: string;
  /** Failed sign-ins per account within `failedSignInWindowS` before the account's sign-ins are refused. @default 10 */
  failedSignInsPerAccount?: number;
  /** @default 900 (15 minutes) */
  failedSignInWindowS?: number;
  /** Sign-ups per hour for the whole service (every address together); 0 = no quota. */
  signUpsPerHour: number;
  logger: Logger;
}

/** A keyed hash of the normalised email: stable per account, useless to whoever reads the log. */
export function accountId(secret: string, email: string): string {
  return createHmac("sha256", secret).update(email.trim().toLowerCase()).digest("base64url").slice(0, 22);
}

function limiter(redis: Redis | undefined, keyPrefix: string, points: number, duration: number) {
  return redis
    ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, useRedisPackage: false })
    : new RateLimiterMemory({ keyPrefix, points, duration });
}

function tooMany(message: string, msBeforeNext: number): APIError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new APIError(
    "TOO_MANY_REQUESTS",
    { code: "RATE_LIMITED", message },
    { "X-Retry-After": String(retryAfter) },
  );
}

export function antiAutomationPlugin(opts: AntiAutomationOptions) {
  const maxFailures = opts.failedSignInsPerAccount ?? 10;
  const prefix = opts.keyPrefix ?? "";
  const failures = limiter(
    opts.redis,
    `${prefix}failed-signin`,
    maxFailures,
    opts.failedSignInWindowS ?? 900,
  );
  const signUps =
    opts.signUpsPerHour > 0
      ? limiter(opts.redis, `${prefix}signup-quota`, opts.signUpsPerHour, 3600)
      : undefined;
  const emailOf = (body: unknown) => {
    const email = (body as { email?: unknown } | undefined)?.email;
    return typeof email === "string" ? email : undefined;
  };

  return {
    id: "ai-book-anti-automation",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx.body);
            if (!email) return;
            const used = await failures.get(accountId(opts.secret, email));
            // Counted per email whether or not an account has it, so the lockout says nothing about existence.
            if (used && used.consumedPoints >= maxFailures)
              throw tooMany(
                "Too many failed sign-ins for this email; retry later or reset the password.",
                used.msBeforeNext,
              );
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/sign-up/email",
          handler: createAuthMiddleware(async () => {
            if (!signUps) return;
            try {
              await signUps.consume("all");
            } catch (err) {
              if (!(err instanceof RateLimiterRes)) throw err;
              opts.logger.warn("sign-up quota reached: sign-ups refused until the hour rolls over");
              throw tooMany("Sign-ups are paused for a while; retry later.", err.msBeforeNext);
            }
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => ctx.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx.body);
            if (!email) return;
            const account = accountId(opts.secret, email);
            const returned = ctx.context.returned;
            if (isAPIError(returned) && returned.body?.code === "INVALID_EMAIL_OR_PASSWORD") {
              opts.logger.info({ account }, "sign-in failed");
              await failures.penalty(account);
            } else if (!isAPIError(returned)) {
              await failures.delete(account);
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
