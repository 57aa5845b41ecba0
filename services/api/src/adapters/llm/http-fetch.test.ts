// The SDK's node:http fetch against real local servers, and the SSE data parser on text split anywhere.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStreamingFetch, SseDataParser } from "./http-fetch.ts";

describe("SseDataParser", () => {
  const text =
    ': a comment\n\ndata: {"a":1}\n\nevent: x\nid: 7\ndata: line one\ndata: line two\n\r\ndata:no-space\r\n\r\n' +
    "retry: 10\n\ndata: [DONE]\n\n";
  const expected = ['{"a":1}', "line one\nline two", "no-space", "[DONE]"];

  it("reads the data of each event: multi-line data, CRLF, comments and other fields", () => {
    const p = new SseDataParser();
    expect([...p.push(text), ...p.end()]).toEqual(expected);
  });

  it("gives the same events however the text is split", () => {
    for (const size of [1, 2, 3, 7, 16]) {
      const p = new SseDataParser();
      const out: string[] = [];
      for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
      out.push(...p.end());
      expect(out).toEqual(expected);
    }
  });

  it("keeps the last event when the stream ends without a blank line", () => {
    const p = new SseDataParser();
    expect(p.push("data: a\n\ndata: b")).toEqual(["a"]);
    expect(p.end()).toEqual(["b"]);
  });
});

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
    const p = new SseDataParser();
    const events = [...p.push(await read(stream as AsyncIterable<string>)), ...p.end()];
    expect(events).toEqual([JSON.stringify({ got: '{"q":"é"}', auth: "Bearer k" }), "[DONE]"]);
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
