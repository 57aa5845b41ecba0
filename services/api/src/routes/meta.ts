// GET /openapi.json (from the same zod schemas that validate requests), GET /docs (a browsable page), GET /metrics.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "../middleware/auth.ts";
import type { RouteContext } from "./common.ts";

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ai-book api-service</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<noscript>The API description is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="swagger-ui"><p style="font-family:sans-serif;margin:2em">Loading the API explorer&hellip; If it does not appear
(offline), read the description at <a href="/openapi.json">/openapi.json</a>.</p></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>
  if (window.SwaggerUIBundle) window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
</script>
</body>
</html>`;

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
  app.get("/metrics", async (c) => {
    c.header("Content-Type", ctx.metrics.registry.contentType);
    return c.body(await ctx.metrics.registry.metrics());
  });
}
