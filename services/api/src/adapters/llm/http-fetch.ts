// A fetch for the OpenAI SDK over node:http(s) that hands an event-stream body over as the Node stream it is.
// The SDK keeps doing what it is for (headers, auth, retries, timeouts, error mapping); the chat stream then
// reads its deltas without paying, per chunk, for web streams and the SDK's byte-level SSE decoding.
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import zlib from "node:zlib";

export interface StreamingFetch {
  /** Pass as the SDK's `fetch` option. */
  fetch: typeof fetch;
  /**
   * The body of a 2xx `text/event-stream` response this fetch returned, as a Node stream of strings (read it
   * once); undefined for any other response, whose body is an ordinary buffered one.
   */
  streamOf(res: Response): Readable | undefined;
}

/**
 * Idle pooled sockets are closed after this long (undici's default too), before a server's own idle timeout
 * can close one under a request being sent. A request in progress is not affected, however long its stream.
 */
const IDLE_SOCKET_MS = 4_000;

/** Statuses whose Response must not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers["content-encoding"] ?? "").toLowerCase();
  if (encoding === "gzip" || encoding === "x-gzip") return res.pipe(zlib.createGunzip());
  if (encoding === "deflate") return res.pipe(zlib.createInflate());
  if (encoding === "br") return res.pipe(zlib.createBrotliDecompress());
  return res;
}

function headersOf(res: http.IncomingMessage): Headers {
  const h = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) h.append(raw[i] as string, raw[i + 1] as string);
  return h;
}

export function createStreamingFetch(): StreamingFetch {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    "https:": new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  };
  const streams = new WeakMap<Response, Readable>();

  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const agent = agents[url.protocol as keyof typeof agents];
    // Anything this fetch does not need to handle (other schemes, streamed request bodies) goes to the real one.
    if (!agent || input instanceof Request || (init.body != null && typeof init.body !== "string"))
      return fetch(input, init);
    const body = init.body ?? undefined;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const request = url.protocol === "https:" ? https.request : http.request;

    return new Promise<Response>((resolve, reject) => {
      // `signal` destroys the request when aborted, before or after the response started.
      const req = request(url, {
        method: init.method ?? "GET",
        headers,
        agent,
        signal: init.signal ?? undefined,
      });
      req.once("error", reject);
      req.once("response", (res) => {
        const status = res.statusCode ?? 0;
        const init = { status, statusText: res.statusMessage ?? "", headers: headersOf(res) };
        const type = String(res.headers["content-type"] ?? "");
        if (status >= 200 && status < 300 && type.startsWith("text/event-stream")) {
          const stream = decoded(res);
          stream.setEncoding("utf8");
          const response = new Response(null, init);
          streams.set(response, stream);
          resolve(response);
          return;
        }
        const parts: Buffer[] = [];
        const stream = decoded(res);
        stream.on("data", (c: Buffer) => parts.push(c));
        stream.once("error", reject);
        stream.once("end", () =>
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(parts), init)),
        );
      });
      req.end(body);
    });
  };

  return { fetch: nodeFetch as typeof fetch, streamOf: (res) => streams.get(res) };
}
