// The SDK's node:http fetch against real local servers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamingFetch } from "./http-fetch.ts";

describe("createStreamingFetch", () => {
  let server: Server;
  let base: string;
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
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function read(stream: AsyncIterable<string>): Promise<string> {
    let s = "";
    for await (const piece of stream) s += piece;
    return s;
  }

  it("sends method, headers and body, and hands an event stream over as a Node stream", async () => {
    const t = createStreamingFetch();
    const res = await t.fetch(`${base}/sse`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: '{"q":"é"}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const stream = t.streamOf(res);
    expect(stream).toBeDefined();
    expect(await read(stream as AsyncIterable<string>)).toBe(
      `data: ${JSON.stringify({ got: '{"q":"é"}', auth: "Bearer k" })}\n\ndata: [DONE]\n\n`,
    );
  });

  it("decompresses a compressed event stream", async () => {
    const t = createStreamingFetch();
    const res = await t.fetch(`${base}/sse-gzip`, { method: "POST", body: "{}" });
    expect(await read(t.streamOf(res) as AsyncIterable<string>)).toBe("data: zipped\n\n");
  });

  it("buffers any other response into an ordinary Response, decompressed, headers kept", async () => {
    const t = createStreamingFetch();
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
    const t = createStreamingFetch();
    await expect(t.fetch(`${base}/sse`, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(t.fetch("http://127.0.0.1:1/x")).rejects.toThrow();
  });
});
