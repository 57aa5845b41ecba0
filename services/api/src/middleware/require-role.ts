// Roles and API-key scopes at the api-service: requireRole(...roles), the scope guard, and the one list of guarded routes.
import { type ApiKeyScope, ERROR_CODES, type ErrorCode, type JwtClaims, type Role } from "@ai-book/contracts";
import { envelope } from "@ai-book/http";
import type { Context, MiddlewareHandler } from "hono";
import type { ApiEnv } from "../env.ts";

/**
 * Every route that needs more than a reader, with the roles it admits. Routes apply `requireRole(...roles)` with
 * these roles and document them as `x-required-roles` in OpenAPI (a test checks both against this list).
 */
export const ROLE_ROUTES = {
  "GET /v1/author/index": ["author", "admin"],
  "GET /v1/insights/summary": ["author", "admin"],
  "GET /v1/insights/gaps": ["author", "admin"],
  "GET /v1/insights/feedback": ["author", "admin"],
} as const satisfies Record<string, readonly Role[]>;

/**
 * The scope an API-key token needs per route (session tokens carry no scopes and pass). A key token on a /v1 route
 * not listed here is refused: a new route is closed to keys until it is listed.
 */
export const ROUTE_SCOPES: Record<string, ApiKeyScope> = {
  "POST /v1/chat": "chat",
  "POST /v1/chat/stream": "chat",
  "POST /v1/search": "search",
};

function refuse(
  c: Context<ApiEnv>,
  code: Extract<ErrorCode, "FORBIDDEN_ROLE" | "FORBIDDEN_SCOPE">,
  message?: string,
) {
  return c.json(envelope(code, message ?? ERROR_CODES[code].message, c.get("requestId") ?? "unknown"), 403);
}

/** The token's role; tokens from before roles existed have none and read as reader (the claims schema's default). */
export function roleOf(claims: JwtClaims | undefined): Role {
  return claims?.role ?? "reader";
}

/**
 * Admits only tokens whose role is one of `roles`; others get 403 FORBIDDEN_ROLE. Runs after jwtAuth. A role
 * change reaches here with the user's next token (at most the token lifetime later).
 */
export function requireRole(...roles: Role[]): MiddlewareHandler<ApiEnv> {
  const admitted = new Set<Role>(roles);
  const list = roles.join(" or ");
  return async (c, next) => {
    if (!admitted.has(roleOf(c.get("claims"))))
      return refuse(c, "FORBIDDEN_ROLE", `This route needs the ${list} role.`);
    await next();
  };
}

/** Refuses API-key tokens whose scopes do not cover the route (403 FORBIDDEN_SCOPE); session tokens pass. */
export function requireScope(scopes: Record<string, ApiKeyScope> = ROUTE_SCOPES): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const granted = c.get("claims")?.scopes;
    if (granted) {
      const needed = scopes[`${c.req.method} ${c.req.path}`];
      if (!needed || !granted.includes(needed))
        return refuse(
          c,
          "FORBIDDEN_SCOPE",
          needed ? `This API key lacks the "${needed}" scope.` : "API keys cannot call this route.",
        );
    }
    await next();
  };
}
