// A fetch for the OpenAI SDK over undici's Node-stream API that hands an event-stream body over as a Node stream.
// The SDK keeps doing what it is for (headers, auth, retries, timeouts, error mapping); the chat stream then
// reads its deltas without paying, per chunk, for web streams and the SDK's byte-level SSE decoding.
import { pipeline, type Readable, type Transform } from "node:stream";
import zlib from "node:zlib";
import { Agent, type Dispatcher, request } from "undici";

export interface StreamingFetch {
  /** Pass as the SDK's `fetch` option. */
  fetch: typeof fetch;
  /**
   * The body of a 2xx `text/event-stream` response this fetch returned, as a Node stream of bytes (read it
   * once); undefined for any other response, whose body is an ordinary buffered one.
   */
  streamOf(res: Response): Readable | undefined;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/** Statuses whose Response must not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

const DECODERS: Record<string, () => Transform> = {
  gzip: zlib.createGunzip,
  "x-gzip": zlib.createGunzip,
  deflate: zlib.createInflate,
  br: zlib.createBrotliDecompress,
};

// undici.request leaves bodies encoded (its decompress interceptor is experimental in undici 7 and absent in 6).
// The SDK asks for no encoding, so this is for a server that compresses unasked, as the old fetch path allowed.
function decoded(body: Readable, encoding: string | string[] | undefined): Readable {
  const make = DECODERS[String(encoding ?? "").toLowerCase()];
  return make ? pipeline(body, make(), () => {}) : body;
}

function headersOf(raw: Record<string, string | string[] | undefined>): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) h.append(name, v);
    else if (value !== undefined) h.append(name, value);
  }
  return h;
}

async function buffered(stream: Readable) {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c as Uint8Array);
  return Buffer.concat(parts);
}

export function createStreamingFetch(): StreamingFetch {
  // undici's pool does what the hand-written one did and more: keep-alive; an idle socket closed after 4 s, or
  // sooner when the server's Keep-Alive hint says it will close it; a freed socket reused only after one
  // event-loop turn, so one the server is closing is not written to.
  const dispatcher = new Agent();
  const streams = new WeakMap<Response, Readable>();

  const streamingFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    // Anything this fetch does not need to handle (other schemes, streamed request bodies) goes to the real one.
    if (
      input instanceof Request ||
      !/^https?:/i.test(url) ||
      (init.body != null && typeof init.body !== "string")
    )
      return fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    // `signal` aborts the request before the response, and destroys the body stream after it started.
    const res = await request(url, {
      dispatcher,
      // The SDK sends upper-case standard methods (it upper-cases them for undici itself).
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers,
      body: init.body ?? undefined,
      signal: init.signal ?? undefined,
    });
    const status = res.statusCode;
    const responseInit = { status, statusText: "", headers: headersOf(res.headers) };
    const body = decoded(res.body, res.headers["content-encoding"]);
    const type = String(res.headers["content-type"] ?? "");
    if (status >= 200 && status < 300 && type.startsWith("text/event-stream")) {
      const response = new Response(null, responseInit);
      streams.set(response, body);
      return response;
    }
    const bytes = await buffered(body);
    return new Response(NULL_BODY.has(status) ? null : bytes, responseInit);
  };

  return {
    fetch: streamingFetch as typeof fetch,
    streamOf: (res) => streams.get(res),
    close: () => dispatcher.close(),
  };
}
