// Tests of the SSE client against a real local HTTP server: event parsing, HTTP errors and abort.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStreamEvent, type StreamEvent, streamChat } from "./chat-stream.ts";
import { TutorError } from "./tutor-error.ts";

let server: Server;
let baseUrl: string;
const seen: { authorization?: string; body?: unknown } = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      seen.authorization = req.headers.authorization;
      seen.body = JSON.parse(raw || "{}");
      const token = req.headers.authorization?.slice("Bearer ".length);
      if (token === "limited") {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
        res.end(JSON.stringify({ error: { code: "RATE_LIMITED", message: "slow", requestId: "r" } }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": heartbeat\n\n");
      res.write(`event: sources\ndata: ${JSON.stringify({ sources: [] })}\n\n`);
      res.write(`event: delta\ndata: ${JSON.stringify({ text: "Hel" })}\n\n`);
      res.write("event: delta\ndata: not json\n\n");
      res.write(`event: unknown\ndata: {}\n\n`);
      if (token === "hang") return; // never finishes: the client must abort
      res.write(`event: delta\ndata: ${JSON.stringify({ text: "lo" })}\n\n`);
      res.end(
        `event: done\ndata: ${JSON.stringify({ processing_time_ms: 3, mode: "extractive", grounded: true, conversationId: "c1", answerId: "a1", suggestions: [] })}\n\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("streamChat", () => {
  it("sends the bearer token and body and yields typed events in order, skipping bad ones", async () => {
    const events: StreamEvent[] = [];
    await streamChat({
      apiUrl: baseUrl,
      token: "good",
      body: { message: "hi", selectedText: "passage" },
      onEvent: (event) => events.push(event),
    });
    expect(seen).toEqual({ authorization: "Bearer good", body: { message: "hi", selectedText: "passage" } });
    expect(events.map((e) => e.event)).toEqual(["sources", "delta", "delta", "done"]);
    expect(events.filter((e) => e.event === "delta").map((e) => e.data.text)).toEqual(["Hel", "lo"]);
  });

  it("rejects with the rate-limit error and its wait time", async () => {
    const failure = await streamChat({
      apiUrl: baseUrl,
      token: "limited",
      body: { message: "hi" },
      onEvent() {},
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TutorError);
    expect((failure as TutorError).info).toMatchObject({ kind: "rate_limited", retryAfterS: 7 });
  });

  it("stops reading when aborted mid-stream", async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const pending = streamChat({
      apiUrl: baseUrl,
      token: "hang",
      body: { message: "hi" },
      signal: controller.signal,
      onEvent(event) {
        events.push(event.event);
        if (event.event === "delta") controller.abort();
      },
    });
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(events).toEqual(["sources", "delta"]);
  });

  it("reports an unreachable service as a network error", async () => {
    const failure = await streamChat({
      apiUrl: "http://127.0.0.1:1",
      token: "t",
      body: { message: "hi" },
      onEvent() {},
    }).catch((error: unknown) => error);
    expect((failure as TutorError).info.kind).toBe("network");
  });
});

describe("parseStreamEvent", () => {
  it("validates payloads against the shared contract", () => {
    expect(parseStreamEvent("delta", '{"text":"x"}')).toEqual({ event: "delta", data: { text: "x" } });
    expect(parseStreamEvent("delta", '{"text":1}')).toBeUndefined();
    expect(
      parseStreamEvent("done", '{"processing_time_ms":1,"mode":"magic","grounded":true}'),
    ).toBeUndefined();
    expect(parseStreamEvent(undefined, "{}")).toBeUndefined();
  });
});
