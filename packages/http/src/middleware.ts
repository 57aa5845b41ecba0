// Middleware both services mount first: request id, client address, access log, body limit.
import { REQUEST_ID_HEADER } from "@ai-book/contracts";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { requestId as honoRequestId } from "hono/request-id";
import type { Logger } from "pino";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";

/** Reuses a well-formed incoming X-Request-Id (at most 128 word characters, `-` or `=`), else makes a UUID. */
export const requestId = (): MiddlewareHandler<AppEnv> =>
  honoRequestId({ headerName: REQUEST_ID_HEADER, limitLength: 128 });

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

/**
 * Refuses bodies over `maxBytes` with 413 in the envelope (on Content-Length, else while reading the stream). The
 * connection is closed after it: the rest of a refused body may still be arriving, and no request may follow it.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler<AppEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      errorResponse(c, "PAYLOAD_TOO_LARGE", `The request body exceeds ${maxBytes} bytes.`, {
        Connection: "close",
      }),
  });
}

/**
 * What every request passes first, in this order: its id, the caller's address, then the access log (which logs
 * both). Both services mount these before anything else: `app.use(...requestBasics({ logger, trustProxy }))`.
 */
export function requestBasics(
  opts: { logger: Logger } & ClientIpOptions,
): [MiddlewareHandler<AppEnv>, MiddlewareHandler<AppEnv>, MiddlewareHandler<AppEnv>] {
  return [requestId(), clientIp({ trustProxy: opts.trustProxy }), accessLog(opts.logger)];
}
