// createApp(deps): the api-service's Hono app — middleware, JWT guard, rate limit, chat/search/health/metrics/OpenAPI routes.
import {
  ApiError,
  type AppEnv,
  accessLog,
  bodyLimit,
  clientIp,
  errorResponse,
  handleError,
  handleNotFound,
  requestId,
} from "@ai-book/http";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { Deps } from "./deps.ts";
import type { ApiEnv } from "./env.ts";
import { metricsAccess, ragObserver } from "./metrics.ts";
import { jwtAuth } from "./middleware/auth.ts";
import { llmBudget } from "./middleware/llm-budget.ts";
import { createLimiter, rateLimit } from "./middleware/rate-limit.ts";
import { requireScope } from "./middleware/require-role.ts";
import { createSiblingFinder } from "./rag/follow-ups.ts";
import type { RagDeps } from "./rag/pipeline.ts";
import { registerAuthorRoutes } from "./routes/author.ts";
import { registerChapterRoutes } from "./routes/chapters.ts";
import { registerChatRoutes } from "./routes/chat.ts";
import type { RouteContext } from "./routes/common.ts";
import { registerConversationRoutes } from "./routes/conversations.ts";
import { registerFeedbackRoutes } from "./routes/feedback.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerInsightsRoutes } from "./routes/insights.ts";
import { registerMetaRoutes } from "./routes/meta.ts";
import { registerSearchRoutes } from "./routes/search.ts";

/** Bodies above this are refused with 413 (the largest valid chat body is about 180 k characters). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const HEARTBEAT_MS = 15_000;

/** Validation failures become VALIDATION_ERROR naming the first offending field. */
function validationHook(
  result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } },
  _c: Context<ApiEnv>,
) {
  if (result.success) return;
  const issue = result.error?.issues[0];
  const field = issue?.path.map(String).join(".") || "body";
  throw new ApiError("VALIDATION_ERROR", `${field}: ${issue?.message ?? "invalid"}`);
}

/** Bodies (POST, PUT, PATCH) must be JSON; anything else is 415 rather than a confusing validation error. */
function jsonOnly(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(c.req.header("content-type") ?? ""))
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE");
    await next();
  };
}

/** The shared kit's handlers only read the shared variables, which ApiEnv extends. */
const asAppContext = (c: Context<ApiEnv>) => c as unknown as Context<AppEnv>;

/** RATE_LIMIT_PER_MINUTE budgets questions (chat, search); browsing one's history or rating an answer costs none. */
const QUESTION_ROUTE = /^\/v1\/(?:chat|search)(?:\/|$)/;
function limitQuestions(limit: MiddlewareHandler<ApiEnv>): MiddlewareHandler<ApiEnv> {
  return (c, next) => (QUESTION_ROUTE.test(c.req.path) ? limit(c, next) : next());
}

function onError(err: Error, c: Context<ApiEnv>): Response {
  // The JSON validator reports unparsable bodies as a bare 400.
  if (err instanceof HTTPException && err.status === 400 && /json/i.test(err.message))
    return errorResponse(asAppContext(c), "INVALID_JSON");
  return handleError(err, asAppContext(c));
}

export function createApp(deps: Deps): OpenAPIHono<ApiEnv> {
  const { config, metrics, logger } = deps;
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });

  app.use("*", requestId(), clientIp({ trustProxy: config.TRUST_PROXY }), accessLog(logger));
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    metrics.httpDuration.observe(
      { method: c.req.method, route: routePath(c, -1), status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });
  const corsFor = cors({
    origin: config.CORS_ORIGINS,
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposeHeaders: [
      "X-Request-Id",
      "Retry-After",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
    ],
    maxAge: 600,
  });
  // Only browsers send Origin, and only they read CORS headers: other callers skip the middleware (it sets headers
  // before the route runs, which makes Hono copy the route's response).
  app.use("*", async (c, next) => {
    if (c.req.header("origin") !== undefined) return corsFor(c, next);
    await next();
    // On the finished response itself (c.header would rebuild it).
    c.res.headers.append("Vary", "Origin");
  });

  const operator = metricsAccess({
    token: config.METRICS_TOKEN,
    production: config.NODE_ENV === "production",
  });
  app.use("/metrics", async (c, next) => {
    if (operator.allowed(c.req.header("authorization"))) return next();
    if (!config.METRICS_TOKEN) throw new ApiError("NOT_FOUND");
    throw new ApiError("UNAUTHORIZED", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.", {
      headers: { "WWW-Authenticate": "Bearer" },
    });
  });

  const redis = deps.redis;
  // Only these methods carry a body; asking a GET for its body makes the Node adapter build a whole web Request
  // (measured for issue 12: the authenticated no-op's overhead over /health went from 0.94x to 1.36x with the limit on GETs).
  app.on(["POST", "PUT", "PATCH"], "/v1/*", bodyLimit(BODY_LIMIT_BYTES), jsonOnly());
  app.use(
    "/v1/*",
    jwtAuth({
      algorithm: config.JWT_ALGORITHM,
      secret: config.JWT_SECRET,
      jwksUrl: config.jwksUrl,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      revocation: deps.revocation,
      onFailure: (reason) => metrics.jwtFailures.inc({ reason }),
      onRevocationError: (err) =>
        logger.warn({ err: { message: (err as Error)?.message } }, "revocation check failed; token accepted"),
    }),
    // API-key tokens only reach the routes their scopes name (ROUTE_SCOPES); roles are checked per route.
    requireScope(),
    // An unknown /v1 path is answered 404 after the token check but before the limiter: it spends none of the
    // reader's budget and never reaches a metric label (the limiter's counter once grew a series per random path).
    async (c, next) => {
      if (routePath(c, -1) === "/v1/*") throw new ApiError("NOT_FOUND");
      await next();
    },
    limitQuestions(
      rateLimit({
        limiter: createLimiter({
          points: config.RATE_LIMIT_PER_MINUTE,
          redis,
          keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
        }),
        points: config.RATE_LIMIT_PER_MINUTE,
        // The route template (e.g. /v1/chat/stream), never the raw path: a bounded set of series.
        onReject: (c) => metrics.rateLimited.inc({ route: routePath(c, -1) }),
      }),
    ),
  );

  // Only answers written by a model cost anything: the extractive mode needs no budget.
  const budget =
    deps.chatModel && config.LLM_DAILY_TOKEN_BUDGET > 0
      ? llmBudget({
          tokensPerDay: config.LLM_DAILY_TOKEN_BUDGET,
          redis,
          keyPrefix: `${config.RATE_LIMIT_KEY_PREFIX}llm:`,
        })
      : undefined;
  if (budget) for (const path of ["/v1/chat", "/v1/chat/stream"]) app.use(path, budget.middleware);
  const observer = ragObserver(metrics, (obj, msg) => logger.warn(obj, msg));

  const rag: RagDeps = {
    store: deps.store,
    embedder: deps.embedder,
    chatModel: deps.chatModel,
    bookBaseUrl: config.BOOK_BASE_URL,
    bookLanguage: config.BOOK_LANGUAGE,
    topK: config.RAG_TOP_K,
    analysis: deps.analysis,
    observer: budget
      ? {
          ...observer,
          tokens: (kind, n) => {
            observer.tokens?.(kind, n);
            budget.observer.tokens?.(kind, n);
          },
        }
      : observer,
  };
  const ctx: RouteContext = {
    rag,
    metrics,
    logger,
    heartbeatMs: deps.heartbeatMs ?? HEARTBEAT_MS,
    history: {
      store: deps.history,
      recorder: deps.recorder,
      showReaders: config.INSIGHTS_SHOW_READERS,
      siblings: createSiblingFinder(deps.store),
    },
  };
  registerChatRoutes(app, ctx);
  registerConversationRoutes(app, ctx);
  registerFeedbackRoutes(app, ctx);
  registerInsightsRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerAuthorRoutes(app, ctx);
  registerChapterRoutes(app, ctx, {
    store: deps.store,
    variants: deps.variants,
    chatModel: deps.chatModel,
    bookBaseUrl: config.BOOK_BASE_URL,
    languages: config.TRANSLATION_LANGUAGES,
    dailyLimit: config.VARIANT_DAILY_LIMIT,
    onUsage: (u) => {
      metrics.llmTokens.inc({ kind: "prompt" }, u.promptTokens);
      metrics.llmTokens.inc({ kind: "completion" }, u.completionTokens);
    },
    onRefused: (info) =>
      logger.warn(info, "a chapter section was shown as its source: the variant broke its structure"),
  });
  registerHealthRoutes(app, ctx, redis, operator);
  registerMetaRoutes(app, ctx);
  app.get("/", (c) => c.redirect("/docs"));

  app.onError(onError);
  app.notFound((c) => handleNotFound(asAppContext(c)));
  return app;
}
