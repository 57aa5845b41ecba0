// GET /openapi.json (from the same zod schemas that validate requests), GET /docs (a browsable page), GET /metrics.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ApiError } from "@ai-book/http";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "../middleware/auth.ts";
import type { RouteContext } from "./common.ts";

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ai-book api-service</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<noscript>The API description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"><p style="font-family:sans-serif;margin:2em">Loading the API explorer&hellip; If it does not appear
(offline), read the description at <a href="/openapi.json">/openapi.json</a>.</p></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
  if (window.SwaggerUIBundle) window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
</script>
</body>
</html>`;

/**
 * Swagger UI's files from the pinned swagger-ui-dist package, served by us: the page works offline and runs no
 * script from a CDN (issue 19, item 13). Read on first use and kept (about 1.5 MB).
 */
const SWAGGER_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};
const swaggerDir = () => dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const swaggerFiles = new Map<string, Promise<Buffer>>();

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
  app.get("/docs", (c) => c.html(DOCS_PAGE));
  app.get("/docs/assets/:file", async (c) => {
    const file = c.req.param("file");
    const type = SWAGGER_ASSETS[file];
    if (!type) throw new ApiError("NOT_FOUND");
    let body = swaggerFiles.get(file);
    if (!body) {
      body = readFile(join(swaggerDir(), file));
      swaggerFiles.set(file, body);
    }
    return c.body(new Uint8Array(await body), 200, {
      "content-type": type,
      "cache-control": "public, max-age=86400",
    });
  });
  app.get("/metrics", async (c) => {
    c.header("Content-Type", ctx.metrics.registry.contentType);
    return c.body(await ctx.metrics.registry.metrics());
  });
}
