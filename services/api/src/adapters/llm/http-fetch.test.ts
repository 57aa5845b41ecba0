// The SDK's streaming fetch (over undici) against real local servers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createStreamingFetch, type StreamingFetch } from "./http-fetch.ts";

async function read(stream: AsyncIterable<Buffer> | undefined): Promise<string> {
  const parts: Buffer[] = [];
  for await (const piece of stream ?? []) parts.push(piece);
  return Buffer.concat(parts).toString("utf8");
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
}

describe("createStreamingFetch", () => {
  let server: Server;
  let base: string;
  let connections = 0;
  let t: StreamingFetch;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        const body = Buffer.concat(parts).toString("utf8");
        if (req.url === "/sse") {
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write(`data: ${JSON.stringify({ got: body, auth: req.headers.authorization })}\n\n`);
          res.end("data: [DONE]\n\n");
        } else if (req.url === "/sse-gzip") {
          res.writeHead(200, { "content-type": "text/event-stream", "content-encoding": "gzip" });
          res.end(gzipSync("data: zipped\n\n"));
        } else if (req.url === "/json-gzip") {
          res.writeHead(429, {
            "content-type": "application/json",
            "content-encoding": "gzip",
            "retry-after": "3",
          });
          res.end(gzipSync(JSON.stringify({ error: { message: "slow down" } })));
        } else {
          res.writeHead(204);
          res.end();
        }
      });
    });
    server.on("connection", () => connections++);
    base = await listen(server);
  });
  afterAll(() => close(server));
  beforeEach(() => {
    connections = 0;
    t = createStreamingFetch();
  });
  afterEach(() => t.close());

  it("sends method, headers and body, and hands an event stream over as a Node stream", async () => {
    const res = await t.fetch(`${base}/sse`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: '{"q":"é"}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const stream = t.streamOf(res);
    expect(stream).toBeDefined();
    expect(await read(stream)).toBe(
      `data: ${JSON.stringify({ got: '{"q":"é"}', auth: "Bearer k" })}\n\ndata: [DONE]\n\n`,
    );
  });

  it("decompresses a compressed event stream", async () => {
    const res = await t.fetch(`${base}/sse-gzip`, { method: "POST", body: "{}" });
    expect(await read(t.streamOf(res))).toBe("data: zipped\n\n");
  });

  it("buffers any other response into an ordinary Response, decompressed, headers kept", async () => {
    const res = await t.fetch(`${base}/json-gzip`, { method: "POST", body: "{}" });
    expect(t.streamOf(res)).toBeUndefined();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await res.json()).toEqual({ error: { message: "slow down" } });
    const empty = await t.fetch(`${base}/nothing`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("rejects when the signal is already aborted, and when the server is unreachable", async () => {
    await expect(t.fetch(`${base}/sse`, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(t.fetch("http://127.0.0.1:1/x")).rejects.toThrow();
  });

  it("sends requests in sequence on one pooled connection", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.fetch(`${base}/sse`, { method: "POST", body: "{}" });
      await read(t.streamOf(res));
      // undici frees a connection one event-loop turn after a response ends, in case the server closes it anyway.
      await new Promise((r) => setImmediate(r));
    }
    expect(connections).toBe(1);
  });

  // Regression: a request must never be written to a pooled socket the server is about to close.
  it("does not keep a connection the server's Keep-Alive hint says it will close too soon", async () => {
    let opened = 0;
    const quick = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end("data: [DONE]\n\n");
    });
    quick.keepAliveTimeout = 500;
    quick.on("connection", () => opened++);
    const url = await listen(quick);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await t.fetch(url, { method: "POST", body: "{}" });
        expect(await read(t.streamOf(res))).toBe("data: [DONE]\n\n");
        await new Promise((r) => setImmediate(r));
      }
      expect(opened).toBe(3);
    } finally {
      await close(quick);
    }
  });
});
