// createApp(deps): the api-service's Hono app — middleware, JWT guard, rate limit, chat/search/health/metrics/OpenAPI routes.
import { REVOKED_SESSION_PREFIX } from "@ai-book/contracts";
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
import { ragObserver } from "./metrics.ts";
import { jwtAuth } from "./middleware/auth.ts";
import { createLimiter, rateLimit } from "./middleware/rate-limit.ts";
import type { RagDeps } from "./rag/pipeline.ts";
import { registerChatRoutes } from "./routes/chat.ts";
import type { RouteContext } from "./routes/common.ts";
import { registerHealthRoutes } from "./routes/health.ts";
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

/** Bodies must be JSON; anything else is 415 rather than a confusing validation error. */
function jsonOnly(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(c.req.header("content-type") ?? ""))
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE");
    await next();
  };
}

/** The shared kit's handlers only read the shared variables, which ApiEnv extends. */
const asAppContext = (c: Context<ApiEnv>) => c as unknown as Context<AppEnv>;

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
    allowMethods: ["GET", "POST", "OPTIONS"],
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

  const redis = deps.redis;
  // Only POSTs carry a body; asking a GET for its body makes the Node adapter build a whole web Request (measured
  // for issue 12: the authenticated no-op's overhead over /health went from 0.94x to 1.36x with the limit on GETs).
  app.post("/v1/*", bodyLimit(BODY_LIMIT_BYTES), jsonOnly());
  app.use(
    "/v1/*",
    jwtAuth({
      algorithm: config.JWT_ALGORITHM,
      secret: config.JWT_SECRET,
      jwksUrl: config.jwksUrl,
      revocation: redis
        ? { isRevoked: async (sid) => (await redis.exists(`${REVOKED_SESSION_PREFIX}${sid}`)) === 1 }
        : undefined,
      onFailure: (reason) => metrics.jwtFailures.inc({ reason }),
      onRevocationError: (err) =>
        logger.warn({ err: { message: (err as Error)?.message } }, "revocation check failed; token accepted"),
    }),
    rateLimit({
      limiter: createLimiter({
        points: config.RATE_LIMIT_PER_MINUTE,
        redis,
        keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      }),
      points: config.RATE_LIMIT_PER_MINUTE,
      onReject: (c) => metrics.rateLimited.inc({ route: c.req.path }),
    }),
  );

  const rag: RagDeps = {
    store: deps.store,
    embedder: deps.embedder,
    chatModel: deps.chatModel,
    bookBaseUrl: config.BOOK_BASE_URL,
    topK: config.RAG_TOP_K,
    analysis: deps.analysis,
    observer: ragObserver(metrics, (obj, msg) => logger.warn(obj, msg)),
  };
  const ctx: RouteContext = { rag, metrics, logger, heartbeatMs: deps.heartbeatMs ?? HEARTBEAT_MS };
  registerChatRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerHealthRoutes(app, ctx, redis);
  registerMetaRoutes(app, ctx);
  app.get("/", (c) => c.redirect("/docs"));

  app.onError(onError);
  app.notFound((c) => handleNotFound(asAppContext(c)));
  return app;
}
