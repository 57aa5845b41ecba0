// The account features as Better Auth options: email verification, password reset, deletion, account linking,
// Google/GitHub/OIDC sign-in and two-factor TOTP; auth.ts spreads them into its configuration.
import type { ErrorCode } from "@ai-book/contracts";
import type { BetterAuthOptions } from "better-auth";
import { genericOAuth, twoFactor } from "better-auth/plugins";
import type { Redis } from "ioredis";
import type { AuthConfig } from "../config.ts";
import type { AuthDb } from "../db/client.ts";
import type { Mailer } from "../mail.ts";
import { createEmailLimit } from "./email-limit.ts";
import { passwordResetMail, verificationMail } from "./mail-templates.ts";
import { accountsPlugin } from "./plugin.ts";
import { TOTP_DIGITS, TOTP_PERIOD_S, totpReplayPlugin } from "./totp-replay.ts";

/** How long a password-reset link works. */
export const RESET_LINK_TTL_S = 30 * 60;
/** How long an email-verification link works. */
export const VERIFY_LINK_TTL_S = 24 * 3600;
/** Mails per email address per 15 minutes, for each of reset and verification. */
export const MAILS_PER_ADDRESS = 3;

export interface AccountFeatureDeps {
  config: AuthConfig;
  db: AuthDb;
  mailer: Mailer;
  redis?: Redis | undefined;
  redisKeyPrefix?: string | undefined;
}

/**
 * Better Auth builds links that return to `callbackURL`; a client that gave none would land on the auth-service's
 * root. Send such readers to the book (the first CORS origin) instead.
 */
export function withBookCallback(link: string, bookOrigin: string): string {
  const url = new URL(link);
  const cb = url.searchParams.get("callbackURL");
  if (!cb || cb === "/") url.searchParams.set("callbackURL", `${bookOrigin}/`);
  return url.href;
}

/** Why a signed-in reader gets no access token, or undefined. */
export function accessRefusal(
  config: AuthConfig["accounts"],
  user: { emailVerified: boolean } & Record<string, unknown>,
): ErrorCode | undefined {
  if (config.requireEmailVerification && !user.emailVerified) return "EMAIL_NOT_VERIFIED";
  if (user.profilePending === true) return "PROFILE_REQUIRED";
  return undefined;
}

export function accountFeatures(deps: AccountFeatureDeps) {
  const { config, mailer } = deps;
  const accounts = config.accounts;
  const bookOrigin = config.corsOrigins[0] ?? config.baseUrl;
  const prefix = deps.redisKeyPrefix ?? "better-auth:";
  const limit = (name: string) =>
    createEmailLimit({
      points: MAILS_PER_ADDRESS,
      windowSeconds: 15 * 60,
      redis: deps.redis,
      keyPrefix: `${prefix}mail-limit:${name}`,
    });

  const emailAndPassword = {
    sendResetPassword: async ({ user, url }: { user: { email: string }; url: string }) => {
      mailer.queue(passwordResetMail(user.email, withBookCallback(url, bookOrigin), RESET_LINK_TTL_S / 60));
    },
    resetPasswordTokenExpiresIn: RESET_LINK_TTL_S,
    // Deletes every session of the reader; the session delete hook revokes their access tokens at the api-service.
    revokeSessionsOnPasswordReset: true,
  } satisfies Partial<NonNullable<BetterAuthOptions["emailAndPassword"]>>;

  const emailVerification = {
    sendOnSignUp: true,
    autoSignInAfterVerification: true,
    expiresIn: VERIFY_LINK_TTL_S,
    sendVerificationEmail: async ({ user, url }: { user: { email: string }; url: string }) => {
      mailer.queue(verificationMail(user.email, withBookCallback(url, bookOrigin)));
    },
  } satisfies BetterAuthOptions["emailVerification"];

  // Password or a fresh session (Better Auth's freshAge, 1 day); the plugin removes what no foreign key does.
  const deleteUser = { enabled: true } satisfies NonNullable<BetterAuthOptions["user"]>["deleteUser"];

  const socialProviders: NonNullable<BetterAuthOptions["socialProviders"]> = {
    ...(accounts.google
      ? {
          google: {
            ...accounts.google,
            // Better Auth asks for openid, email and profile; the redirect URI is <BETTER_AUTH_URL>/api/auth/callback/google.
            redirectURI: `${config.baseUrl}/api/auth/callback/google`,
            prompt: "select_account",
          },
        }
      : {}),
    ...(accounts.github
      ? {
          github: {
            ...accounts.github,
            // Better Auth asks for read:user and user:email.
            redirectURI: `${config.baseUrl}/api/auth/callback/github`,
          },
        }
      : {}),
  };

  const plugins = [
    // First: its sign-in hook withdraws the new session while the second step is pending, before any token is issued.
    twoFactor({
      issuer: "ai-book",
      totpOptions: { period: TOTP_PERIOD_S, digits: TOTP_DIGITS },
      backupCodeOptions: { amount: 10, length: 10 },
    }),
    // Each TOTP code once: Better Auth would accept the same code again until its window has passed.
    totpReplayPlugin({ db: deps.db }),
    ...(accounts.oidc
      ? [
          genericOAuth({
            config: [
              {
                providerId: "oidc",
                name: accounts.oidc.name,
                discoveryUrl: `${accounts.oidc.issuerUrl}/.well-known/openid-configuration`,
                clientId: accounts.oidc.clientId,
                clientSecret: accounts.oidc.clientSecret,
                scopes: ["openid", "email", "profile"],
                pkce: true,
              },
            ],
          }),
        ]
      : []),
    accountsPlugin({
      config: accounts,
      emailLimits: {
        "/request-password-reset": limit("reset"),
        "/send-verification-email": limit("verify"),
      },
    }),
  ];

  return {
    emailAndPassword,
    emailVerification,
    deleteUser,
    account: {
      // Linking by email only when both the provider and our own record say the address is verified.
      accountLinking: { enabled: true, requireLocalEmailVerified: true, trustedProviders: [] as string[] },
    },
    socialProviders,
    plugins,
    accessRefusal: (user: { emailVerified: boolean } & Record<string, unknown>) =>
      accessRefusal(accounts, user),
  };
}
