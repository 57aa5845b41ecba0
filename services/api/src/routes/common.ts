// What the route files share: the route context, OpenAPI error responses, the reader's profile, domain → HTTP errors.
import { errorEnvelopeSchema, type JwtClaims, type ReaderProfile } from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";
import type { Logger } from "pino";
import type { Metrics } from "../metrics.ts";
import type { RagDeps } from "../rag/pipeline.ts";
import { RetrievalUnavailableError } from "../rag/retrieve.ts";
import type { HistoryContext } from "./chat-history.ts";

export interface RouteContext {
  rag: RagDeps;
  metrics: Metrics;
  logger: Logger;
  /** Interval of the SSE comment heartbeat, ms. */
  heartbeatMs: number;
  /** Conversations, feedback, insights. */
  history: HistoryContext;
}

const errorBody = (description: string) => ({
  description,
  content: { "application/json": { schema: errorEnvelopeSchema } },
});

/** The error responses every protected JSON route documents. */
export const protectedErrors = {
  400: errorBody(
    "VALIDATION_ERROR / INVALID_JSON: the body failed validation (the message names the field).",
  ),
  401: errorBody("TOKEN_MISSING / TOKEN_EXPIRED / TOKEN_INVALID / TOKEN_REVOKED, with WWW-Authenticate."),
  413: errorBody("PAYLOAD_TOO_LARGE"),
  415: errorBody("UNSUPPORTED_MEDIA_TYPE: send application/json."),
  429: errorBody("RATE_LIMITED, with Retry-After and RateLimit headers."),
  503: errorBody("SEARCH_UNAVAILABLE: the index cannot be searched."),
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

export function profileOf(claims: JwtClaims | undefined): ReaderProfile | null {
  if (!claims) return null;
  return {
    softwareBackground: claims.softwareBackground,
    hardwareBackground: claims.hardwareBackground,
    interestArea: claims.interestArea,
  };
}

/** Maps the domain's failures to the envelope; rethrows anything else. */
export function toHttpError(err: unknown): never {
  if (err instanceof RetrievalUnavailableError)
    throw new ApiError("SEARCH_UNAVAILABLE", undefined, { cause: err });
  throw err;
}

export const elapsedMs = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/** The headers of a Server-Sent Events response (as hono's streamSSE sets them), plus no proxy buffering. */
export const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "Transfer-Encoding": "chunked",
  // Reverse proxies (nginx) must pass events through as they come, not buffer the response.
  "X-Accel-Buffering": "no",
} as const;

/**
 * The body of a Server-Sent Events response, written by the route and read by the server. Events are
 * framed as hono's streamSSE frames them (`event:` line, one `data:` line, blank line), but each write costs
 * one string append instead of three web-stream hops: text written while the server is still sending the last
 * chunk is sent with the next one, so a stream that falls behind catches up in fewer, larger writes.
 * Nothing is held back when the server is waiting for data. Unbounded: meant for answers (a few KB).
 */
export class SseBody {
  readonly stream: ReadableStream<Uint8Array>;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #pending = "";
  /** The server asked for a chunk and none was ready. */
  #wanted = false;
  #ended = false;

  /** `onCancel` runs when the reader goes away (the client disconnected). */
  constructor(onCancel: () => void) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => {
          if (this.#pending) this.#flush();
          else this.#wanted = true;
        },
        cancel: () => {
          this.#ended = true;
          this.#pending = "";
          onCancel();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** True once the stream was ended or the reader cancelled it: later writes are dropped. */
  get ended(): boolean {
    return this.#ended;
  }

  /** One event; `data` must be a single line (JSON.stringify output is). */
  event(name: string, data: string): void {
    this.#write(`event: ${name}\ndata: ${data}\n\n`);
  }

  /** A comment line, which SSE clients ignore (keeps idle connections open through proxies). */
  comment(text: string): void {
    this.#write(`: ${text}\n\n`);
  }

  /** Sends what is pending and closes the body. */
  end(): void {
    if (this.#ended) return;
    if (this.#pending) this.#controller?.enqueue(Buffer.from(this.#pending));
    this.#pending = "";
    this.#ended = true;
    this.#controller?.close();
  }

  #write(text: string): void {
    if (this.#ended) return;
    this.#pending += text;
    if (this.#wanted) this.#flush();
  }

  #flush(): void {
    this.#wanted = false;
    const text = this.#pending;
    this.#pending = "";
    this.#controller?.enqueue(Buffer.from(text));
  }
}
