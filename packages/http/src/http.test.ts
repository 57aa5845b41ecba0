// The shared plumbing: request ids, the error envelope, body limits, client addresses, redacted logs.
import { request } from "node:http";
import { captureLogs } from "@ai-book/testkit";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  ApiError,
  type AppEnv,
  bodyLimit,
  createLogger,
  handleError,
  handleNotFound,
  requestBasics,
  startServer,
} from "./index.ts";

function buildApp(opts: { trustProxy?: number } = {}) {
  const logs = captureLogs();
  const logger = createLogger({ service: "test", destination: logs.stream });
  const app = new Hono<AppEnv>();
  app.use(...requestBasics({ logger, ...opts }), bodyLimit(1024));
  app.onError(handleError);
  app.notFound(handleNotFound);
  app.get("/ip", (c) => c.json({ ip: c.get("clientIp") }));
  app.get("/limited", () => {
    throw new ApiError("RATE_LIMITED", undefined, { headers: { "retry-after": "7" } });
  });
  app.get("/boom", () => {
    throw new Error("database password=hunter2 leaked?");
  });
  app.post("/echo", async (c) => c.json(await c.req.json()));
  app.post("/log", async (c) => {
    c.get("logger").info(
      { password: "hunter2", token: "tok", headers: { authorization: "Bearer x" } },
      "body",
    );
    return c.json({ ok: true });
  });
  return { app, logs };
}

describe("@ai-book/http", () => {
  it("echoes a well-formed X-Request-Id and generates one otherwise", async () => {
    const { app } = buildApp();
    const given = await app.request("/ip", { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const hostile = await app.request("/ip", { headers: { "x-request-id": "a b <script>" } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("turns an ApiError into the envelope with its status and headers", async () => {
    const { app } = buildApp();
    const res = await app.request("/limited", { headers: { "x-request-id": "r1" } });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({
      error: { code: "RATE_LIMITED", message: "Too many requests; retry later.", requestId: "r1" },
    });
  });

  it("hides the message of an unexpected error behind INTERNAL_ERROR", async () => {
    const { app } = buildApp();
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INTERNAL_ERROR");
    expect(JSON.stringify(body)).not.toContain("hunter2");
  });

  it("answers unknown routes, malformed JSON and oversized bodies with 4xx envelopes", async () => {
    const { app } = buildApp();
    const missing = await app.request("/nope");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");

    const bad = await app.request("/echo", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("INVALID_JSON");

    const big = await app.request("/echo", {
      method: "POST",
      body: JSON.stringify({ x: "a".repeat(5000) }),
      headers: { "content-type": "application/json" },
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("limits bodies over a real socket, by Content-Length and when chunked", async () => {
    const { app } = buildApp();
    const server = await startServer(app, { port: 0, hostname: "127.0.0.1" });
    try {
      const send = (body: string, headers: Record<string, string>) =>
        new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
          const req = request(
            `${server.url}/echo`,
            { method: "POST", headers: { "content-type": "application/json", ...headers } },
            (res) => {
              let text = "";
              res.on("data", (d) => {
                text += d;
              });
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }),
              );
            },
          );
          req.on("error", reject);
          if (headers["transfer-encoding"]) {
            // Chunked: the size is known only by reading the stream.
            for (let i = 0; i < body.length; i += 100) req.write(body.slice(i, i + 100));
            req.end();
          } else req.end(body);
        });
      const small = JSON.stringify({ x: "a".repeat(500) });
      const big = JSON.stringify({ x: "a".repeat(5000) });
      const ok = await send(small, { "content-length": String(small.length) });
      expect(ok).toMatchObject({ status: 200, body: small, connection: "keep-alive" });
      const chunkedOk = await send(small, { "transfer-encoding": "chunked" });
      expect(chunkedOk).toMatchObject({ status: 200, body: small });
      const bigHeaders: Array<Record<string, string>> = [
        { "content-length": String(big.length) },
        { "transfer-encoding": "chunked" },
      ];
      for (const headers of bigHeaders) {
        const res = await send(big, headers);
        expect(res.status).toBe(413);
        expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
        // The rest of a refused body may still be on its way: the socket is not reused.
        expect(res.connection).toBe("close");
      }
    } finally {
      await server.close(100);
    }
  });

  it("ignores X-Forwarded-For unless a proxy is trusted", async () => {
    const spoof = { headers: { "x-forwarded-for": "6.6.6.6, 10.0.0.1" } };
    const untrusted = buildApp().app;
    expect(((await (await untrusted.request("/ip", spoof)).json()) as { ip: string }).ip).toBe("unknown");
    const trusted = buildApp({ trustProxy: 1 }).app;
    expect(((await (await trusted.request("/ip", spoof)).json()) as { ip: string }).ip).toBe("10.0.0.1");
    // Issue 19, finding 11: a chain shorter than the trusted hops falls back to the socket, not the client's entry.
    const twoHops = buildApp({ trustProxy: 2 }).app;
    const short = { headers: { "x-forwarded-for": "6.6.6.6" } };
    expect(((await (await twoHops.request("/ip", short)).json()) as { ip: string }).ip).toBe("unknown");
    expect(((await (await twoHops.request("/ip", spoof)).json()) as { ip: string }).ip).toBe("6.6.6.6");
  });

  it("logs one line per request and redacts passwords, tokens and authorization headers", async () => {
    const { app, logs } = buildApp();
    await app.request("/log", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    const text = logs.text();
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("Bearer x");
    expect(text).toContain("[redacted]");
    const access = logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(access).toMatchObject({ method: "POST", path: "/log", status: 200 });
    expect(typeof access.latencyMs).toBe("number");
  });
});
