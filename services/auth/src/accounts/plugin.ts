// Better Auth plugin of the account features: which sign-in methods exist, "download my data", the profile step
// after a first provider sign-in, and the per-email limits of the routes that send mail.
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, createAuthMiddleware, sessionMiddleware } from "better-auth/api";
import { verifyJWT } from "better-auth/crypto";
import type { AccountsConfig } from "../config.ts";
import type { EmailLimit } from "./email-limit.ts";

/** Paths that create a user from a provider's profile, who must then fill in the reader profile. */
export const PROVIDER_SIGN_UP = /^\/callback\/|^\/sign-in\/social$/;

/** Where the rest of a reader's data is: the export says so, since this service does not hold it. */
export const CONVERSATIONS_NOTE =
  "Your conversations with the tutor and your ratings of its answers are kept by the tutor (the api-service), not " +
  "here: export them from the tutor's history (GET /v1/conversations/{id}/export). Deleting this account deletes " +
  "them too.";

export interface ProvidersResponse {
  emailPassword: true;
  /** Configured social providers, in the order the tutor shows their buttons. */
  social: ("google" | "github")[];
  /** A school's OpenID Connect provider: POST /sign-in/social with `provider` set to this providerId. */
  oidc: { providerId: "oidc"; name: string } | null;
  requireEmailVerification: boolean;
}

export function providersOf(config: AccountsConfig): ProvidersResponse {
  return {
    emailPassword: true,
    social: [
      ...(config.google ? (["google"] as const) : []),
      ...(config.github ? (["github"] as const) : []),
    ],
    oidc: config.oidc ? { providerId: "oidc", name: config.oidc.name } : null,
    requireEmailVerification: config.requireEmailVerification,
  };
}

export interface AccountsPluginOptions {
  config: AccountsConfig;
  /** Per-email-address limits, by the path they guard. */
  emailLimits: Record<"/request-password-reset" | "/send-verification-email", EmailLimit>;
}

export function accountsPlugin(opts: AccountsPluginOptions) {
  const providers = providersOf(opts.config);
  return {
    id: "ai-book-accounts",
    schema: {
      user: {
        fields: {
          // Set for readers created by a provider sign-in; cleared by their first update-user (the profile form).
          profilePending: { type: "boolean", required: false, defaultValue: false, input: false },
        },
      },
    },
    init() {
      return {
        options: {
          databaseHooks: {
            user: {
              create: {
                before: async (user, ctx) => {
                  if (!PROVIDER_SIGN_UP.test(ctx?.path ?? "")) return;
                  return { data: { ...user, profilePending: true } };
                },
              },
              update: {
                before: async (data, ctx) => {
                  if (ctx?.path !== "/update-user") return;
                  return { data: { ...data, profilePending: false } };
                },
              },
              delete: {
                // Reset links, 2FA sign-in attempts and trusted devices name the user only in `value`.
                after: async (user, ctx) => {
                  // With Redis (secondary storage) they live there, expiring on their own (a reset link within 30
                  // minutes), and the table is not in the schema: deleting from it failed the deletion with a 500.
                  if (!ctx || ctx.context.options.secondaryStorage) return;
                  await ctx.context.adapter.deleteMany({
                    model: "verification",
                    where: [{ field: "value", value: user.id }],
                  });
                },
              },
            },
          },
        },
      };
    },
    endpoints: {
      listProviders: createAuthEndpoint("/providers", { method: "GET" }, async (ctx) => {
        ctx.setHeader("cache-control", "public, max-age=60");
        return ctx.json(providers);
      }),
      exportData: createAuthEndpoint(
        "/export-data",
        { method: "GET", requireHeaders: true, use: [sessionMiddleware] },
        async (ctx) => {
          const { user } = ctx.context.session;
          const [accounts, sessions] = await Promise.all([
            ctx.context.internalAdapter.findAccounts(user.id),
            ctx.context.internalAdapter.listSessions(user.id),
          ]);
          ctx.setHeader("cache-control", "no-store");
          ctx.setHeader("content-disposition", 'attachment; filename="ai-book-my-data.json"');
          // Everything we hold about the reader except credentials (password hash, provider and session tokens).
          return ctx.json({
            exportedAt: new Date().toISOString(),
            conversations: CONVERSATIONS_NOTE,
            user,
            accounts: accounts.map((a) => ({
              providerId: a.providerId,
              accountId: a.accountId,
              scope: a.scope ?? null,
              createdAt: a.createdAt,
              updatedAt: a.updatedAt,
            })),
            sessions: sessions.map((s) => ({
              id: s.id,
              createdAt: s.createdAt,
              expiresAt: s.expiresAt,
              ipAddress: s.ipAddress ?? null,
              userAgent: s.userAgent ?? null,
            })),
          });
        },
      ),
    },
    hooks: {
      before: [
        {
          // Better Auth answers a verification link followed again with 200 (it changes nothing). A client is told
          // it was used; a browser (callbackURL, as in every mail) still lands on the book, whose reader is verified.
          matcher: (ctx) => ctx.path === "/verify-email" && !ctx.query?.callbackURL,
          handler: createAuthMiddleware(async (ctx) => {
            const token = ctx.query?.token;
            if (typeof token !== "string" || !token) return;
            const claims = await verifyJWT<{ email?: unknown; updateTo?: unknown }>(
              token,
              ctx.context.secret,
            );
            if (!claims || typeof claims.email !== "string" || claims.updateTo) return;
            const found = await ctx.context.internalAdapter.findUserByEmail(claims.email);
            if (found?.user.emailVerified)
              throw APIError.from("BAD_REQUEST", {
                code: "INVALID_LINK",
                message: "This link was already used: the email address is verified.",
              });
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/request-password-reset" || ctx.path === "/send-verification-email",
          handler: createAuthMiddleware(async (ctx) => {
            const email = (ctx.body as { email?: unknown } | undefined)?.email;
            const limit = opts.emailLimits[ctx.path as keyof AccountsPluginOptions["emailLimits"]];
            // Counted whether or not the address has an account, so the 429 reveals nothing either.
            if (typeof email === "string" && limit) await limit.consume(email);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
