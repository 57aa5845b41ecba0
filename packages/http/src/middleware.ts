// Middleware both services mount first: request id, client address, access log, body limit.
import { REQUEST_ID_HEADER } from "@ai-book/contracts";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a well-formed incoming X-Request-Id, else makes one; echoes it on the response. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", id);
    c.header(REQUEST_ID_HEADER, id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}

export interface ClientIpOptions {
  /**
   * How many reverse proxies in front of us to trust. 0 ignores X-Forwarded-For (a client could forge it);
   * N takes the N-th address from the right of X-Forwarded-For; a shorter chain means the request did not come
   * through all N proxies, so the socket address is used (never the client-written leftmost entry).
   * @default 0
   */
  trustProxy?: number;
}

/** Resolves the caller's address once per request, from the socket unless a proxy is trusted. */
export function clientIp(opts: ClientIpOptions = {}): MiddlewareHandler<AppEnv> {
  const hops = opts.trustProxy ?? 0;
  return async (c, next) => {
    let ip: string | undefined;
    if (hops > 0) {
      const chain = (c.req.header("x-forwarded-for") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (chain.length >= hops) ip = chain[chain.length - hops];
    }
    if (!ip) {
      try {
        ip = getConnInfo(c).remote.address;
      } catch {
        // app.request() in tests has no socket
      }
    }
    c.set("clientIp", ip ?? "unknown");
    await next();
  };
}

/** One JSON access-log line per request, after the response is known. */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set("logger", logger.child({ requestId: c.get("requestId") }));
    await next();
    const status = c.res.status;
    const line = {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      clientIp: c.get("clientIp"),
      userId: c.get("userId"),
    };
    if (status >= 500) logger.error(line, "request");
    else logger.info(line, "request");
  };
}

/** Refuses bodies over `maxBytes` with 413 in the envelope (checked on Content-Length and on the stream). */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  const onError = () => {
    throw new ApiError("PAYLOAD_TOO_LARGE", `The request body exceeds ${maxBytes} bytes.`);
  };
  const streamed = honoBodyLimit({ maxSize: maxBytes, onError });
  return async (c, next) => {
    // A plain Content-Length is enough: Node's parser never delivers more bytes than it announces. Deciding from
    // the header also leaves the body unread, so the JSON parser can take it straight from the socket (asking for
    // `c.req.raw.body` makes the Node adapter build a whole web Request first).
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (!/^\d+$/.test(length)) throw new ApiError("VALIDATION_ERROR", "Content-Length is not a number.");
      return Number(length) > maxBytes ? onError() : next();
    }
    return streamed(c, next);
  };
}
