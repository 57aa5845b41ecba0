// Better Auth plugin: GET /api/auth/jwt (access token for the signed-in reader) and the set-auth-jwt header on sign-in/up.
import { ERROR_CODES, type ErrorCode, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, createAuthMiddleware, sessionMiddleware } from "better-auth/api";
import {
  type AccessTokenSettings,
  type SessionLike,
  signAccessToken,
  toPublicUser,
} from "../access-token.ts";

/** Paths whose successful responses carry a fresh access token in `set-auth-jwt` (2FA: only the second step). */
const ISSUING_PATHS = new Set([
  "/sign-in/email",
  "/sign-up/email",
  "/two-factor/verify-totp",
  "/two-factor/verify-backup-code",
]);

export interface AccessTokenPluginSettings extends AccessTokenSettings {
  /** Why this signed-in reader gets no token yet (unverified email, missing profile), or undefined. */
  refuse?: (user: SessionLike["user"]) => ErrorCode | undefined;
}

export function accessTokenPlugin(settings: AccessTokenPluginSettings) {
  return {
    id: "ai-book-access-token",
    endpoints: {
      getAccessToken: createAuthEndpoint(
        "/jwt",
        { method: "GET", requireHeaders: true, use: [sessionMiddleware] },
        async (ctx) => {
          const current = ctx.context.session;
          const refused = settings.refuse?.(current.user);
          if (refused)
            throw new APIError("FORBIDDEN", { code: refused, message: ERROR_CODES[refused].message });
          const token = await signAccessToken(ctx, current, settings);
          ctx.setHeader("cache-control", "no-store");
          return ctx.json({ token, user: toPublicUser(current.user) });
        },
      ),
    },
    hooks: {
      after: [
        {
          matcher: (ctx) => ISSUING_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const created = ctx.context.newSession;
            if (!created || settings.refuse?.(created.user)) return;
            ctx.setHeader(SET_AUTH_JWT_HEADER, await signAccessToken(ctx, created, settings));
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
