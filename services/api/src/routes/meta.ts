// GET /openapi.json (from the same zod schemas that validate requests), GET /docs (Swagger UI, its assets served from the package), GET /metrics.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { swaggerUI } from "@hono/swagger-ui";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "../env.ts";
import type { RouteContext } from "./common.ts";

/** Where the explorer's script and stylesheet are served from: this service, out of the swagger-ui-dist package. */
const ASSETS_BASE = "/docs/assets";
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};
const assetsDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

export function registerMetaRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The access token from the auth-service (GET /api/auth/jwt).",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "ai-book api-service",
      version: "0.1.0",
      description:
        "Personalized, cited answers from the book. Every non-2xx response is {error: {code, message, requestId}}.",
    },
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "ai-book api-service", baseUrl: ASSETS_BASE }));
  app.get(`${ASSETS_BASE}/swagger-ui-dist/:file`, async (c) => {
    const file = c.req.param("file");
    const type = ASSETS[file];
    if (!type) return c.notFound();
    c.header("Content-Type", type);
    c.header("Cache-Control", "public, max-age=86400");
    return c.body(await readFile(join(assetsDir, file)));
  });
  app.get("/metrics", async (c) => {
    c.header("Content-Type", ctx.metrics.registry.contentType);
    return c.body(await ctx.metrics.registry.metrics());
  });
}
