// A local HTTP server speaking the OpenAI wire protocol (embeddings, chat completions with SSE), scriptable per test.
import { createHash } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StubEndpoint = "chat" | "embeddings" | "other";

/** What a chat reply function sees. */
export interface StubChatRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  stream: boolean;
  /** The whole parsed body, for anything else a test wants to look at. */
  body: Record<string, unknown>;
  /** 0-based index of this chat request since start (or the last reset). */
  index: number;
}

/**
 * A reply: plain text (streamed word by word), or explicit stream chunks (to test how a client handles
 * text split across chunks), optionally with a finish reason.
 */
export type StubReply =
  | string
  | { chunks: string[]; finishReason?: string }
  | { text: string; finishReason?: string };

export type StubReplyFn = (req: StubChatRequest) => StubReply | Promise<StubReply>;

/** How to misbehave on a request. */
export type StubFault =
  /** An HTTP error in OpenAI's error format; 429 carries Retry-After (seconds, default 1). */
  | { type: "status"; status: number; retryAfterSeconds?: number; retryAfterMs?: number; message?: string }
  /** 200 with a body that is not JSON (non-streaming) or a `data:` line that is not JSON (streaming). */
  | { type: "malformed" }
  /** Streaming: send `afterTokens` deltas (default half the reply), then destroy the socket. Non-streaming: destroy at once. */
  | { type: "cut"; afterTokens?: number }
  /** Never finish: with `afterTokens` the stream sends that many deltas first, else not even headers. */
  | { type: "hang"; afterTokens?: number };

export type StubFaultShorthand = 429 | 500 | 502 | 503 | "malformed" | "cut" | "hang" | StubFault;

export interface RecordedRequest {
  /** 0-based order of arrival. */
  seq: number;
  method: string;
  path: string;
  endpoint: StubEndpoint;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined if it was not JSON). */
  body: unknown;
  rawBody: string;
  stream: boolean;
  /** The fault applied to this request, if any. */
  fault?: StubFault;
  /** Chat only: the full reply text the stub sent (or started to send). */
  replyText?: string;
  /** Stream only: how many content deltas were written. */
  deltasSent: number;
  /** The response was fully written. */
  finished: boolean;
  /** The client closed the connection before the response was complete (not counting our own `cut`). */
  aborted: boolean;
  receivedAt: number;
}

export interface OpenAIStubOptions {
  /** Reply for chat completions. @default a short fixed answer citing [1] */
  reply?: StubReplyFn;
  /** Delay between streamed deltas, in ms. @default 0 */
  tokenDelayMs?: number;
  /** Delay before any response is written, in ms. @default 0 */
  firstByteDelayMs?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** Override the embedding function. @default hashed bag of words, L2-normalised */
  embed?: (text: string, dimensions: number) => number[];
}

export interface OpenAIStub {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The value for `new OpenAI({ baseURL })`: url + "/v1". */
  baseURL: string;
  port: number;
  /** Every request received, in order of arrival. */
  requests: RecordedRequest[];
  chatRequests(): RecordedRequest[];
  embeddingRequests(): RecordedRequest[];
  /** A function of the request, or a fixed reply for every request. */
  setReply(fn: StubReplyFn | StubReply): void;
  setTokenDelay(ms: number): void;
  setFirstByteDelay(ms: number): void;
  /** The next `count` requests (to `endpoint`, if given) get `fault`. Queued faults apply in order. */
  failNext(
    count: number,
    fault: StubFaultShorthand,
    opts?: { endpoint?: Exclude<StubEndpoint, "other"> },
  ): void;
  /** Clears requests, faults, reply and delays back to the options given at start. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY = "This is the stub's answer, drawn from the first source [1].";

const DEFAULT_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};

/** Lower-cased words, the way the stub tokenizes for embeddings and usage counts. */
export function stubWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The stub's deterministic embedding: a hashed bag of words (each word adds ±1 to one dimension chosen
 * by its hash), L2-normalised. Texts sharing words have a positive cosine, so dense retrieval is testable.
 */
export function stubEmbedding(text: string, dimensions: number): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const w of stubWords(text)) {
    const h = createHash("sha1").update(w).digest();
    const idx = h.readUInt32LE(0) % dimensions;
    v[idx] = (v[idx] ?? 0) + ((h[4] ?? 0) & 1 ? 1 : -1);
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (norm === 0) {
    // An empty text still gets a valid unit vector.
    v[0] = 1;
    return v;
  }
  return v.map((x) => x / norm);
}

/** The first message of a recorded chat request (the system prompt) as text; "" when there is none. */
export function systemPromptOf(rec: Pick<RecordedRequest, "body">): string {
  const messages = (rec.body as { messages?: Array<{ content?: unknown }> } | undefined)?.messages;
  return Array.isArray(messages) ? contentText(messages[0]?.content) : "";
}

/** Rough token count for usage figures: words and punctuation marks. */
function countTokens(text: string): number {
  return (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length;
}

/** Splits text into stream deltas that concatenate back to it: each word with the whitespace before it. */
export function stubTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

function normaliseFault(f: StubFaultShorthand): StubFault {
  if (typeof f === "number") return { type: "status", status: f };
  if (f === "malformed" || f === "cut" || f === "hang") return { type: f } as StubFault;
  return f;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : "")).join("");
  return "";
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export async function startOpenAIStub(opts: OpenAIStubOptions = {}): Promise<OpenAIStub> {
  const requests: RecordedRequest[] = [];
  let reply: StubReplyFn = opts.reply ?? (() => DEFAULT_REPLY);
  let tokenDelayMs = opts.tokenDelayMs ?? 0;
  let firstByteDelayMs = opts.firstByteDelayMs ?? 0;
  let chatIndex = 0;
  let faults: Array<{ fault: StubFault; endpoint?: StubEndpoint }> = [];
  const embed = opts.embed ?? stubEmbedding;
  let idCounter = 0;

  function takeFault(endpoint: StubEndpoint): StubFault | undefined {
    const i = faults.findIndex((f) => !f.endpoint || f.endpoint === endpoint);
    if (i < 0) return undefined;
    const [taken] = faults.splice(i, 1);
    return taken?.fault;
  }

  function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function sendError(
    res: ServerResponse,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    const type =
      status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
    sendJson(res, status, { error: { message, type, param: null, code: type } }, headers);
  }

  async function applyStatusFault(res: ServerResponse, fault: Extract<StubFault, { type: "status" }>) {
    const headers: Record<string, string> = {};
    if (fault.status === 429 || fault.retryAfterSeconds !== undefined)
      headers["retry-after"] = String(fault.retryAfterSeconds ?? 1);
    if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
    sendError(res, fault.status, fault.message ?? `Stub fault: HTTP ${fault.status}`, headers);
  }

  async function handleEmbeddings(rec: RecordedRequest, res: ServerResponse, fault: StubFault | undefined) {
    const body = (rec.body ?? {}) as Record<string, unknown>;
    if (fault?.type === "status") return applyStatusFault(res, fault);
    if (fault?.type === "hang") return; // left open until the client gives up or the stub closes
    if (fault?.type === "cut") return res.socket?.destroy();
    if (fault?.type === "malformed") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end('{"object":"list","data":[{"embedding":');
    }
    const model = typeof body.model === "string" ? body.model : "text-embedding-3-small";
    const dims =
      typeof body.dimensions === "number" && body.dimensions > 0
        ? body.dimensions
        : (DEFAULT_DIMENSIONS[model] ?? 1536);
    const raw = body.input;
    let inputs: string[];
    if (typeof raw === "string") inputs = [raw];
    else if (Array.isArray(raw) && raw.every((x) => typeof x === "number")) inputs = [raw.join(" ")];
    else if (Array.isArray(raw))
      inputs = raw.map((x) => (typeof x === "string" ? x : Array.isArray(x) ? x.join(" ") : String(x)));
    else return sendError(res, 400, "'input' is required");
    if (inputs.length === 0) return sendError(res, 400, "'input' must not be empty");
    const base64 = body.encoding_format === "base64";
    let tokens = 0;
    const data = inputs.map((text, index) => {
      tokens += countTokens(text);
      const vec = embed(text, dims);
      const embedding = base64 ? Buffer.from(new Float32Array(vec).buffer).toString("base64") : vec;
      return { object: "embedding", index, embedding };
    });
    sendJson(res, 200, {
      object: "list",
      data,
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
    rec.finished = true;
  }

  async function handleChat(rec: RecordedRequest, res: ServerResponse, fault: StubFault | undefined) {
    const body = (rec.body ?? {}) as Record<string, unknown>;
    if (!Array.isArray(body.messages)) return sendError(res, 400, "'messages' is required");
    const messages = body.messages as StubChatRequest["messages"];
    const model = typeof body.model === "string" ? body.model : "gpt-4o-mini";
    const stream = body.stream === true;
    const index = chatIndex++;
    if (fault?.type === "status") return applyStatusFault(res, fault);
    if (fault?.type === "hang" && fault.afterTokens === undefined) return;
    if (fault?.type === "cut" && !stream) return res.socket?.destroy();

    const r = await reply({ model, messages, stream, body, index });
    const pieces = typeof r === "string" ? stubTokens(r) : "chunks" in r ? r.chunks : stubTokens(r.text);
    const finishReason = typeof r === "object" && r.finishReason ? r.finishReason : "stop";
    const text = pieces.join("");
    rec.replyText = text;
    const promptTokens = messages.reduce((n, m) => n + countTokens(contentText(m.content)), 0);
    const completionTokens = countTokens(text);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const id = `chatcmpl-stub${++idCounter}`;
    const created = Math.floor(Date.now() / 1000);

    if (!stream) {
      if (fault?.type === "malformed") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id":"chatcmpl-broken","choices":[{"message":');
        return;
      }
      sendJson(res, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: text, refusal: null },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      rec.finished = true;
      return;
    }

    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const write = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    write(chunk({ role: "assistant", content: "" }));
    const stopAt =
      fault?.type === "cut" || fault?.type === "hang"
        ? Math.min(fault.afterTokens ?? Math.floor(pieces.length / 2), pieces.length)
        : fault?.type === "malformed"
          ? Math.floor(pieces.length / 2)
          : pieces.length;
    for (let i = 0; i < stopAt; i++) {
      await sleep(tokenDelayMs);
      if (rec.aborted || res.destroyed) return;
      write(chunk({ content: pieces[i] }));
      rec.deltasSent++;
    }
    if (fault?.type === "cut") {
      // Let the client read what was sent before the connection drops, as a real mid-stream failure does.
      await sleep(Math.max(tokenDelayMs, 25));
      return res.socket?.destroy();
    }
    if (fault?.type === "hang") return;
    if (fault?.type === "malformed") {
      res.write('data: {"id":"chatcmpl-broken","choices":[{"delta":\n\n');
      res.end();
      return;
    }
    write(chunk({}, finishReason));
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage)
      write({ id, object: "chat.completion.chunk", created, model, choices: [], usage });
    res.end("data: [DONE]\n\n");
    rec.finished = true;
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(parts).toString("utf8");
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const endpoint: StubEndpoint =
        path === "/v1/chat/completions" ? "chat" : path === "/v1/embeddings" ? "embeddings" : "other";
      const rec: RecordedRequest = {
        seq: requests.length,
        method: req.method ?? "GET",
        path,
        endpoint,
        headers: { ...req.headers },
        body,
        rawBody,
        stream: !!(body && typeof body === "object" && (body as { stream?: unknown }).stream === true),
        deltasSent: 0,
        finished: false,
        aborted: false,
        receivedAt: Date.now(),
      };
      requests.push(rec);
      res.on("close", () => {
        if (!res.writableFinished && rec.fault?.type !== "cut") rec.aborted = true;
      });
      void (async () => {
        await sleep(firstByteDelayMs);
        if (rec.aborted) return;
        if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`)
          return sendError(res, 401, "Incorrect API key provided");
        if (endpoint === "other") {
          if (path === "/v1/models" && req.method === "GET")
            return sendJson(res, 200, {
              object: "list",
              data: [{ id: "gpt-4o-mini", object: "model", owned_by: "stub" }],
            });
          return sendError(res, 404, `Unknown route ${req.method} ${path}`);
        }
        if (req.method !== "POST") return sendError(res, 405, "Use POST");
        if (body === undefined || typeof body !== "object") return sendError(res, 400, "Body must be JSON");
        const fault = takeFault(endpoint);
        if (fault) rec.fault = fault;
        if (endpoint === "embeddings") await handleEmbeddings(rec, res, fault);
        else await handleChat(rec, res, fault);
      })().catch((err) => {
        if (!res.headersSent) sendError(res, 500, `stub error: ${String(err)}`);
        else res.destroy();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.endpoint === "chat"),
    embeddingRequests: () => requests.filter((r) => r.endpoint === "embeddings"),
    setReply(fn) {
      reply = typeof fn === "function" ? fn : () => fn;
    },
    setTokenDelay(ms) {
      tokenDelayMs = ms;
    },
    setFirstByteDelay(ms) {
      firstByteDelayMs = ms;
    },
    failNext(count, fault, o = {}) {
      const f = normaliseFault(fault);
      for (let i = 0; i < count; i++) faults.push({ fault: f, endpoint: o.endpoint });
    },
    reset() {
      requests.length = 0;
      faults = [];
      chatIndex = 0;
      reply = opts.reply ?? (() => DEFAULT_REPLY);
      tokenDelayMs = opts.tokenDelayMs ?? 0;
      firstByteDelayMs = opts.firstByteDelayMs ?? 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
