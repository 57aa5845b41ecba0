// Better Auth plugin: GET /api/auth/jwt (access token for the signed-in reader) and the set-auth-jwt header on sign-in/up.
import { SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import type { BetterAuthPlugin } from "better-auth";
import { createAuthEndpoint, createAuthMiddleware, sessionMiddleware } from "better-auth/api";
import { type AccessTokenSettings, signAccessToken, toPublicUser } from "../access-token.ts";

/** Paths whose successful responses carry a fresh access token in `set-auth-jwt`. */
const ISSUING_PATHS = new Set(["/sign-in/email", "/sign-up/email"]);

export function accessTokenPlugin(settings: AccessTokenSettings) {
  return {
    id: "ai-book-access-token",
    endpoints: {
      getAccessToken: createAuthEndpoint(
        "/jwt",
        { method: "GET", requireHeaders: true, use: [sessionMiddleware] },
        async (ctx) => {
          const current = ctx.context.session;
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
            if (!created) return;
            ctx.setHeader(SET_AUTH_JWT_HEADER, await signAccessToken(ctx, created, settings));
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
