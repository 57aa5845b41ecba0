// GET /health: healthy or not for everyone (503 when the index is unreachable); what serves (index size, models, Redis) for the operator only.
import { errorEnvelopeSchema, healthSchema } from "@ai-book/contracts";
import { envelope } from "@ai-book/http";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Redis } from "ioredis";
import type { ApiEnv } from "../env.ts";
import type { MetricsAccess } from "../metrics.ts";
import type { RouteContext } from "./common.ts";

/** A store that does not answer within this is reported unreachable. */
export const HEALTH_TIMEOUT_MS = 2000;

export const healthDetailSchema = healthSchema.extend({
  index: z
    .object({
      backend: z.enum(["sqlite", "qdrant"]),
      chunks: z.number(),
      documents: z.number(),
      embedding: z.object({ model: z.string(), dimensions: z.number() }).nullable(),
    })
    .optional(),
  // The detail below is for the operator (METRICS_TOKEN, or anyone in development): the public learns only the status.
  retrieval: z.enum(["hybrid", "lexical"]).optional(),
  answers: z.object({ mode: z.enum(["llm", "extractive"]), model: z.string().optional() }).optional(),
  redis: z.enum(["up", "down", "disabled"]).optional(),
  error: errorEnvelopeSchema.shape.error.optional(),
});

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["operations"],
  summary: "Liveness and what serves",
  responses: {
    200: { description: "Healthy", content: { "application/json": { schema: healthDetailSchema } } },
    503: {
      description:
        "The index (SQLite file or Qdrant) is unreachable; the body carries the error envelope too.",
      content: { "application/json": { schema: healthDetailSchema } },
    },
  },
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function registerHealthRoutes(
  app: OpenAPIHono<ApiEnv>,
  ctx: RouteContext,
  redis?: Redis,
  operator?: MetricsAccess,
) {
  app.openapi(healthRoute, async (c) => {
    const { rag } = ctx;
    const detail = operator?.allowed(c.req.header("authorization")) ?? true;
    const detailed = {
      service: "api-service" as const,
      retrieval: rag.embedder ? ("hybrid" as const) : ("lexical" as const),
      answers: rag.chatModel
        ? { mode: "llm" as const, model: rag.chatModel.model }
        : { mode: "extractive" as const },
      redis: !redis ? ("disabled" as const) : redis.status === "ready" ? ("up" as const) : ("down" as const),
    };
    const common = detail ? detailed : { service: "api-service" as const };
    try {
      const s = await withTimeout(rag.store.stats(), HEALTH_TIMEOUT_MS);
      return c.json(
        {
          status: "healthy" as const,
          ...common,
          ...(detail
            ? {
                index: {
                  backend: s.backend,
                  chunks: s.chunks,
                  documents: s.documents,
                  embedding: s.embedding,
                },
              }
            : {}),
        },
        200,
      );
    } catch (err) {
      (c.get("logger") ?? ctx.logger).warn({ err }, "health: the index is unreachable");
      const { error } = envelope(
        "SEARCH_UNAVAILABLE",
        "The search index is unreachable.",
        c.get("requestId") ?? "unknown",
      );
      return c.json({ status: "unhealthy" as const, ...common, error }, 503);
    }
  });
}
