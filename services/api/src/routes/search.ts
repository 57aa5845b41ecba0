// POST /v1/search: the sections best matching a query, each with its deep link and snippet.
import { searchRequestSchema, searchResponseSchema } from "@ai-book/contracts";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "../env.ts";
import { retrieve } from "../rag/retrieve.ts";
import { toSource } from "../rag/sources.ts";
import { contentStems } from "../rag/text.ts";
import { bearerSecurity, elapsedMs, protectedErrors, type RouteContext, toHttpError } from "./common.ts";

export const searchRoute = createRoute({
  method: "post",
  path: "/v1/search",
  tags: ["search"],
  summary: "Search the book",
  description:
    "Hybrid retrieval (BM25, plus dense vectors when an embedding provider is configured), best first.",
  security: bearerSecurity,
  request: { body: { content: { "application/json": { schema: searchRequestSchema } }, required: true } },
  responses: {
    200: {
      description: "Matching sections",
      content: { "application/json": { schema: searchResponseSchema } },
    },
    ...protectedErrors,
  },
});

export function registerSearchRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  app.openapi(searchRoute, async (c) => {
    const started = performance.now();
    const req = c.req.valid("json");
    const result = await retrieve(ctx.rag, {
      query: req.query,
      limit: req.limit,
      filters: req.filters?.pathPrefix ? { pathPrefix: req.filters.pathPrefix } : undefined,
      signal: c.req.raw.signal,
    }).catch(toHttpError);
    const terms = contentStems(req.query);
    return c.json(
      {
        results: result.hits.map((h) => toSource(h, ctx.rag.bookBaseUrl, terms, ctx.rag.analysis)),
        processing_time_ms: elapsedMs(started),
      },
      200,
    );
  });
}
