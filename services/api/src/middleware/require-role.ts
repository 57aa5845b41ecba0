// requireRole(...roles): lets a request through only when the verified token's role is one of `roles` (absent = reader).
import { ApiError } from "@ai-book/http";
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./auth.ts";

export type Role = "reader" | "author" | "admin";

export function roleOf(claims: { role?: Role } | undefined): Role {
  return claims?.role ?? "reader";
}

export function requireRole(...roles: Role[]): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!roles.includes(roleOf(c.get("claims")))) throw new ApiError("FORBIDDEN");
    await next();
  };
}
