// /health, /openapi.json, /docs and CORS through a running server; /health and search say 503 when the index is gone.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthDetailSchema } from "./health.ts";
import { signToken, startTestApi, type TestApi } from "./testing.ts";

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({
    CORS_ORIGINS: "http://localhost:3000,https://book.example.org",
    RATE_LIMIT_PER_MINUTE: "1000",
  });
});
afterAll(() => api.stop());

describe("operations routes", () => {
  it("GET /health reports what serves", async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(200);
    expect(healthDetailSchema.parse(await res.json())).toMatchObject({
      status: "healthy",
      service: "api-service",
      index: { backend: "sqlite", chunks: 7, documents: 5, embedding: null },
      retrieval: "lexical",
      answers: { mode: "extractive" },
      redis: "disabled",
    });
  });

  it("GET /openapi.json is generated from the request schemas", async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/chat", "/v1/chat/stream", "/v1/search", "/health"]),
    );
    const chat = doc.paths["/v1/chat"]?.post?.requestBody?.content["application/json"]?.schema as {
      properties: Record<string, { maxLength?: number; maxItems?: number }>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(chat.properties.message?.maxLength).toBe(4000);
    expect(chat.properties.history?.maxItems).toBe(20);
    expect(chat.required).toContain("message");
    expect(chat.additionalProperties).toBe(false);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const docs = await fetch(`${api.url}/docs`);
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
    const page = await docs.text();
    expect(page).toContain("/openapi.json");
    // Issue 19, item 13: Swagger UI comes from the pinned package, served by the service, no CDN.
    expect(page).not.toMatch(/https?:\/\//);
    for (const [file, type] of [
      ["swagger-ui-bundle.js", /javascript/],
      ["swagger-ui.css", /css/],
    ] as const) {
      const asset = await fetch(`${api.url}/docs/assets/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(type);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await fetch(`${api.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it("CORS: configured origins are allowed (preflight included), others get no allow-origin", async () => {
    const pre = await fetch(`${api.url}/v1/chat`, {
      method: "OPTIONS",
      headers: {
        origin: "https://book.example.org",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://book.example.org");
    expect(pre.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const ok = await api.post("/v1/search", { query: "imu" }, await signToken(), {
      headers: { origin: "http://localhost:3000" },
    });
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    const evil = await api.post("/v1/search", { query: "imu" }, await signToken(), {
      headers: { origin: "https://evil.example" },
    });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    expect(ok.headers.get("vary")).toMatch(/origin/i);
    // Without Origin (curl, servers) no CORS headers, but caches still learn that the answer depends on Origin.
    const plain = await api.post("/v1/search", { query: "imu" }, await signToken());
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(plain.headers.get("vary")).toMatch(/origin/i);
  });
});

describe("index unreachable", () => {
  it("GET /health → 503 unhealthy; search and chat → 503 SEARCH_UNAVAILABLE", async () => {
    const broken = await startTestApi();
    try {
      await broken.deps.store.close();
      const health = await fetch(`${broken.url}/health`);
      expect(health.status).toBe(503);
      const h = healthDetailSchema.parse(await health.json());
      expect(h.status).toBe("unhealthy");
      expect(h.error?.code).toBe("SEARCH_UNAVAILABLE");
      const token = await signToken();
      for (const [path, body] of [
        ["/v1/search", { query: "imu" }],
        ["/v1/chat", { message: "imu" }],
        ["/v1/chat/stream", { message: "imu" }],
      ] as const) {
        const res = await broken.post(path, body, token);
        expect(res.status).toBe(503);
        expect(errorEnvelopeSchema.parse(await res.json()).error.code).toBe("SEARCH_UNAVAILABLE");
      }
    } finally {
      await broken.stop();
    }
  });
});
