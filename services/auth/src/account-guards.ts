// Better Auth plugin for account input and sign-up privacy: display name a string of capped length, and an existing email answered as slowly as a new one.
import { NAME_MAX } from "@ai-book/contracts";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";

/** Paths whose body may set the display name. */
const NAME_PATHS = new Set(["/sign-up/email", "/update-user"]);

/** Better Auth's answer to a sign-up for an email that has an account (without email verification). */
const DUPLICATE_CODES = new Set(["USER_ALREADY_EXISTS", "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"]);

export function accountGuardsPlugin() {
  return {
    id: "ai-book-account-guards",
    hooks: {
      before: [
        {
          // A 12,000-character name made a 16,600-character JWT the api-service refused with 431.
          matcher: (ctx) => NAME_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const name = (ctx.body as { name?: unknown } | undefined)?.name;
            // update-user took {"name":{"a":1}}, ["x"] or 42 with 200 (its body schema lets any field through).
            if (name !== undefined && typeof name !== "string")
              throw APIError.from("BAD_REQUEST", {
                code: "VALIDATION_ERROR",
                message: "name: must be a string",
              });
            if (name !== undefined && name.length > NAME_MAX)
              throw APIError.from("BAD_REQUEST", {
                code: "VALIDATION_ERROR",
                message: `name: must be at most ${NAME_MAX} characters`,
              });
          }),
        },
      ],
      after: [
        {
          // Better Auth refuses a known email before hashing the password (10-19 ms against 111-190 ms for a new
          // one). Hashing here too makes the duplicate as slow as a real sign-up. With requireEmailVerification
          // Better Auth answers both alike (a generic 200 after hashing), and this hook sees no error.
          matcher: (ctx) => ctx.path === "/sign-up/email",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (!isAPIError(returned) || !DUPLICATE_CODES.has(String(returned.body?.code))) return;
            const password = (ctx.body as { password?: unknown } | undefined)?.password;
            if (typeof password !== "string") return;
            // The policy check may refuse it (a cheap throw): the real sign-up would have refused it as quickly.
            await ctx.context.password.hash(password).catch(() => undefined);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
