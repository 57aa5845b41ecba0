// Mounts Better Auth at /api/auth/*: pins the client address it rate-limits by, and puts its errors in our envelope.
import type { AsyncLocalStorage } from "node:async_hooks";
import { ApiError, type AppEnv } from "@ai-book/http";
import { Hono } from "hono";
import { type Auth, CLIENT_IP_HEADER, type RequestState } from "../auth.ts";
import { toEnvelopeResponse } from "../better-auth-errors.ts";
import { isUnavailable, safeError } from "../safe-error.ts";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;
/** No auth body is legitimately deeper than this; deeper ones are refused before Better Auth walks them. */
const MAX_JSON_DEPTH = 16;

/**
 * Why a parsed body cannot be accepted, or null. PostgreSQL text columns cannot hold NUL characters, and a
 * deeply nested value makes validators recurse: both are the client's error, not a 500.
 */
function bodyProblem(value: unknown, depth = 0): string | null {
  if (typeof value === "string")
    return value.includes("\u0000") ? "Text fields must not contain NUL characters." : null;
  if (value === null || typeof value !== "object") return null;
  if (depth >= MAX_JSON_DEPTH) return `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes("\u0000")) return "Field names must not contain NUL characters.";
    const problem = bodyProblem(child, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/**
 * Public paths served by an endpoint under another name. Better Auth's core owns POST /refresh-token (refreshing an
 * OAuth provider's token, which we do not expose); issue 14 names that path for our refresh-token rotation.
 */
const PATH_ALIASES: Record<string, string> = {
  "/api/auth/refresh-token": "/api/auth/refresh-token/rotate",
};

/**
 * An OAuth callback that fails (replayed or unknown state, provider error) redirects to Better Auth's own error page
 * when the client gave no errorCallbackURL; a client gets our envelope instead: 400 OAUTH_FAILED with the reason.
 */
function oauthFailure(res: Response, errorPage: string): string | null {
  const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
  if (!location?.startsWith(errorPage)) return null;
  const reason = new URL(location).searchParams.get("error") ?? "unknown";
  return `Sign-in with the provider failed (${reason.replace(/[^\w. -]/g, "").slice(0, 80)}); start again.`;
}

export function betterAuthRoutes(
  auth: Auth,
  requestState: AsyncLocalStorage<RequestState>,
  /** Better Auth's error page (`<baseURL>/api/auth/error`). */
  errorPage: string,
) {
  return new Hono<AppEnv>().on(["GET", "POST"], "/api/auth/*", async (c) => {
    const headers = new Headers(c.req.raw.headers);
    // Overwrite whatever the client sent: the address comes from the socket or a trusted proxy (clientIp()).
    headers.set(CLIENT_IP_HEADER, c.get("clientIp"));
    let body: string | undefined;
    if (c.req.method === "POST") {
      // Read within bodyLimit(); a JSON body that does not parse gets our INVALID_JSON, not Better Auth's message.
      body = await c.req.text();
      if (body && JSON_TYPE.test(c.req.header("content-type") ?? "")) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          throw new ApiError("INVALID_JSON");
        }
        const problem = bodyProblem(parsed);
        if (problem) throw new ApiError("VALIDATION_ERROR", problem);
      }
      headers.delete("content-length");
    }
    const url = new URL(c.req.url);
    const alias = PATH_ALIASES[url.pathname];
    if (alias) url.pathname = alias;
    const request = new Request(url, { method: c.req.method, headers, ...(body ? { body } : {}) });
    const state: RequestState = {
      ip: c.get("clientIp"),
      userAgent: c.req.header("user-agent"),
      requestId: c.get("requestId"),
    };
    let res: Response;
    try {
      res = await requestState.run(state, () => auth.handler(request));
    } catch (err) {
      // Only unexpected failures get here (onAPIError.throw); Better Auth's own 4xx come back as responses.
      const summary = safeError(err);
      const unavailable = isUnavailable(summary);
      c.get("logger")?.error({ err: summary }, "auth request failed");
      throw new ApiError(unavailable ? "SERVICE_UNAVAILABLE" : "INTERNAL_ERROR", undefined, {
        ...(unavailable ? { headers: { "retry-after": "5" } } : {}),
      });
    }
    if (state.userId) c.set("userId", state.userId);
    const failure = oauthFailure(res, errorPage);
    if (failure) throw new ApiError("OAUTH_FAILED", failure);
    if (res.status < 400) return res;
    return toEnvelopeResponse(res, c.get("requestId"));
  });
}
