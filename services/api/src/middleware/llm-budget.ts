// Per-reader daily LLM budget: the tokens the provider reports for a reader's answers are counted, and past the budget chat answers 429.
import { AsyncLocalStorage } from "node:async_hooks";
import { ApiError } from "@ai-book/http";
import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import type { ApiEnv } from "../env.ts";
import type { RagObserver } from "../rag/observer.ts";
import { createLimiter } from "./rate-limit.ts";

const DAY_S = 24 * 3600;

export interface LlmBudgetOptions {
  /** Tokens (prompt + completion) per reader per day. */
  tokensPerDay: number;
  redis?: Redis | undefined;
  /** @default "api-llm-budget:" */
  keyPrefix?: string;
}

export interface LlmBudget {
  /** Refuses a reader whose budget is spent; runs the request with the reader remembered for `observer`. */
  middleware: MiddlewareHandler<ApiEnv>;
  /** Charges the tokens the provider reported to the reader of the current request. */
  observer: RagObserver;
}

/**
 * Without it any account (and `selectedText` forces a model call) can spend the LLM bill without bound. The tokens
 * are charged as the provider reports them, so the request that crosses the budget still finishes; the next is
 * refused. The reader is found through AsyncLocalStorage, so the RAG domain needs no notion of readers or budgets.
 */
export function llmBudget(opts: LlmBudgetOptions): LlmBudget {
  const limiter = createLimiter({
    points: opts.tokensPerDay,
    windowSeconds: DAY_S,
    redis: opts.redis,
    keyPrefix: opts.keyPrefix ?? "api-llm-budget:",
  });
  const current = new AsyncLocalStorage<string>();
  return {
    middleware: async (c, next) => {
      const user = c.get("userId");
      if (!user) return next();
      const used = await limiter.get(user).catch(() => null);
      if (used && used.consumedPoints >= opts.tokensPerDay) {
        const hours = Math.max(1, Math.ceil(used.msBeforeNext / 3_600_000));
        throw new ApiError(
          "RATE_LIMITED",
          `Your daily tutor budget (${opts.tokensPerDay} tokens) is used up; it renews within ${hours} h.`,
          { headers: { "retry-after": String(Math.max(1, Math.ceil(used.msBeforeNext / 1000))) } },
        );
      }
      await current.run(user, () => next());
    },
    observer: {
      tokens(_kind, count) {
        const user = current.getStore();
        if (user && count > 0) void limiter.penalty(user, count).catch(() => undefined);
      },
    },
  };
}
