// One error type, one envelope, produced in one place for every route of both services.
import { ERROR_CODES, type ErrorCode, type ErrorEnvelope } from "@ai-book/contracts";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env.ts";

/** Throw this from any handler or middleware; `onError` turns it into the envelope. */
export class ApiError extends Error {
  readonly code: ErrorCode | (string & {});
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message?: string,
    opts: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message ?? ERROR_CODES[code].message, { cause: opts.cause });
    this.name = "ApiError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.headers = opts.headers ?? {};
  }
}

export function envelope(code: string, message: string, requestId: string): ErrorEnvelope {
  return { error: { code, message, requestId } };
}

/** A JSON error response in the envelope, for code paths that return rather than throw. */
export function errorResponse(
  c: Context<AppEnv>,
  code: ErrorCode,
  message?: string,
  headers: Record<string, string> = {},
): Response {
  const status = ERROR_CODES[code].status as ContentfulStatusCode;
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json(
    envelope(code, message ?? ERROR_CODES[code].message, c.get("requestId") ?? "unknown"),
    status,
  );
}

/** The generic registry code for an HTTP status (for errors that arrive without one of ours). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return "RATE_LIMITED";
    case 503:
      return "SERVICE_UNAVAILABLE";
    default:
      return status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  }
}

/** app.onError(handleError): the only place an exception becomes a response. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) {
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(
      envelope(err.code, err.message, c.get("requestId") ?? "unknown"),
      err.status as ContentfulStatusCode,
    );
  }
  if (err instanceof HTTPException) {
    const code = codeForStatus(err.status);
    const message = err.status >= 500 ? ERROR_CODES[code].message : err.message || ERROR_CODES[code].message;
    return errorResponse(c, code, message);
  }
  if (err instanceof SyntaxError) return errorResponse(c, "INVALID_JSON");
  c.get("logger")?.error({ err, requestId: c.get("requestId") }, "unhandled error");
  return errorResponse(c, "INTERNAL_ERROR");
}

/** app.notFound(handleNotFound) */
export function handleNotFound(c: Context<AppEnv>): Response {
  return errorResponse(c, "NOT_FOUND", `No route for ${c.req.method} ${c.req.path}.`);
}
