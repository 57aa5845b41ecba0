// GET /v1/author/index: what the index holds (backend, documents, chunks, embedding) — for authors and admins.
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiEnv } from "../env.ts";
import { ROLE_ROUTES, requireRole } from "../middleware/require-role.ts";
import { bearerSecurity, protectedErrors, type RouteContext, toHttpError } from "./common.ts";

const indexStatsSchema = z
  .object({
    backend: z.enum(["sqlite", "qdrant"]),
    documents: z.number().int(),
    chunks: z.number().int(),
    embedding: z.object({ model: z.string(), dimensions: z.number().int() }).nullable(),
  })
  .openapi("IndexStats");

const roles = ROLE_ROUTES["GET /v1/author/index"];

export const authorIndexRoute = createRoute({
  method: "get",
  path: "/v1/author/index",
  tags: ["author"],
  summary: "Index statistics (authors)",
  description: `What the book's index holds, to check an ingest. Roles: ${roles.join(", ")}.`,
  security: bearerSecurity,
  "x-required-roles": [...roles],
  middleware: [requireRole(...roles)] as const,
  responses: {
    200: { description: "The index", content: { "application/json": { schema: indexStatsSchema } } },
    403: {
      description:
        "FORBIDDEN_ROLE: the token's role is not author or admin; FORBIDDEN_SCOPE: an API-key token.",
      content: protectedErrors[403].content,
    },
    401: protectedErrors[401],
    429: protectedErrors[429],
    503: protectedErrors[503],
  },
});

export function registerAuthorRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  app.openapi(authorIndexRoute, async (c) => {
    const s = await ctx.rag.store.stats().catch(toHttpError);
    c.header("cache-control", "no-store");
    return c.json(
      { backend: s.backend, documents: s.documents, chunks: s.chunks, embedding: s.embedding },
      200,
    );
  });
}
