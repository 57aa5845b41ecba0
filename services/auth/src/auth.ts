// Better Auth options of the auth-service: email/password, reader profile, sessions, rate limits, tokens, revocation.
import type { AsyncLocalStorage } from "node:async_hooks";
import {
  BACKGROUND_LEVELS,
  interestAreaSchema,
  JWT_CLOCK_TOLERANCE_S,
  languageCodeSchema,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from "@ai-book/contracts";
import type { Logger } from "@ai-book/http";
import { redisStorage } from "@better-auth/redis-storage";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createAuthMiddleware } from "better-auth/api";
import { admin, bearer, type JwtOptions, jwt } from "better-auth/plugins";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { AccessTokenSettings } from "./access-token.ts";
import { accountGuardsPlugin } from "./account-guards.ts";
import { accountFeatures } from "./accounts/options.ts";
import { antiAutomationPlugin } from "./anti-automation.ts";
import { apiKeyAccessPlugin, apiKeyPlugin, type VerifiedKey } from "./api-keys.ts";
import { auditHooksPlugin } from "./audit/audit-hooks.ts";
import type { AuditLog, AuditRequestContext } from "./audit/audit-log.ts";
import type { AuthConfig } from "./config.ts";
import type { AuthDb } from "./db/client.ts";
import { schema } from "./db/schema.ts";
import type { Mailer } from "./mail.ts";
import { passwordPolicyPlugin } from "./password-policy.ts";
import { refreshTokenPlugin } from "./refresh-tokens.ts";
import type { RevocationStore } from "./revocation.ts";
import { adminPluginOptions } from "./roles.ts";
import { accessTokenPlugin } from "./routes/jwt.ts";
import { safeError } from "./safe-error.ts";

/**
 * The one header Better Auth reads the client address from. Our route always overwrites it with the socket
 * address (or the trusted X-Forwarded-For hop), so a client cannot choose its rate-limit bucket.
 */
export const CLIENT_IP_HEADER = "x-ai-book-client-ip";

/** What the request pipeline learns inside Better Auth (for the access log), and where it came from (for the audit log). */
export interface RequestState extends AuditRequestContext {
  userId?: string;
}

export interface AuthDeps {
  config: AuthConfig;
  db: AuthDb;
  logger: Logger;
  requestState: AsyncLocalStorage<RequestState>;
  mailer: Mailer;
  /** Shared sessions, rate limits and revoked session ids; absent = in process. */
  redis?: Redis | undefined;
  /** Prefix of Better Auth's keys in Redis. @default "better-auth:" */
  redisKeyPrefix?: string | undefined;
  audit: AuditLog;
  /** Where ended sessions are listed for the api-service; absent only when configured off. */
  revocation?: RevocationStore | undefined;
}

/** Adapts a zod schema to the synchronous standard schema Better Auth validates additionalFields with. */
function fieldValidator(field: string, schema: z.ZodType) {
  return {
    "~standard": {
      version: 1 as const,
      vendor: "ai-book",
      validate(value: unknown) {
        const result = schema.safeParse(value);
        if (result.success) return { value: result.data };
        const issue = result.error.issues[0];
        return { issues: [{ message: `${field}: ${issue?.message ?? "invalid value"}` }] };
      },
    },
  };
}

const levelSchema = z
  .enum(BACKGROUND_LEVELS, { error: `must be one of ${BACKGROUND_LEVELS.join(", ")}` })
  .nullable();
const interestSchema = interestAreaSchema.nullable();

function profileField(field: string, validator: z.ZodType) {
  return {
    type: "string",
    required: false,
    input: true,
    returned: true,
    validator: { input: fieldValidator(field, validator) },
  } as const;
}

/** Options of Better Auth's jwt plugin for the asymmetric mode; `undefined` in HS256 mode. */
export function jwtPluginOptions(config: AuthConfig): JwtOptions | undefined {
  if (config.jwtAlgorithm === "HS256") return undefined;
  return {
    jwks: {
      keyPairConfig:
        config.jwtAlgorithm === "RS256"
          ? { alg: "RS256", modulusLength: 2048 }
          : { alg: "EdDSA", crv: "Ed25519" },
    },
    jwt: { issuer: config.jwtIssuer, audience: config.jwtAudience, expirationTime: config.jwtExpiresInS },
    // Our /jwt route and set-auth-jwt header carry the contract's token; the plugin's own never does.
    disableSettingJwtHeader: true,
  };
}

export function createAuth(deps: AuthDeps) {
  const { config, redis, logger } = deps;
  const production = config.nodeEnv === "production";
  const pluginOptions = jwtPluginOptions(config);
  const accessToken: AccessTokenSettings = {
    algorithm: config.jwtAlgorithm,
    secret: config.jwtSecret,
    expiresInS: config.jwtExpiresInS,
    parties: { issuer: config.jwtIssuer, audience: config.jwtAudience },
    ...(pluginOptions ? { jwtPluginOptions: pluginOptions } : {}),
  };
  const baLogger = logger.child({ component: "better-auth" });
  const { audit, revocation } = deps;
  // Any token naming a session lives at most this long, so its revocation entry need not outlive it.
  const longestTokenS = Math.max(config.jwtExpiresInS, config.accessTokenTtlS);
  // The api-key plugin's verifyApiKey is only reachable on the finished instance.
  const keys: { verify?: (key: string) => Promise<VerifiedKey> } = {};
  const accounts = accountFeatures(deps);

  const auth = betterAuth({
    appName: "ai-book",
    baseURL: config.baseUrl,
    basePath: "/api/auth",
    secret: config.betterAuthSecret,
    trustedOrigins: config.corsOrigins,
    // transaction: sign-up writes the user and its credential account together or not at all.
    database: drizzleAdapter(deps.db, { provider: "pg", schema, transaction: true }),
    ...(redis
      ? {
          secondaryStorage: redisStorage({ client: redis, keyPrefix: deps.redisKeyPrefix ?? "better-auth:" }),
        }
      : {}),
    emailAndPassword: {
      enabled: true,
      autoSignIn: true,
      minPasswordLength: PASSWORD_MIN,
      maxPasswordLength: PASSWORD_MAX,
      ...accounts.emailAndPassword,
    },
    emailVerification: accounts.emailVerification,
    account: accounts.account,
    socialProviders: accounts.socialProviders,
    user: {
      additionalFields: {
        softwareBackground: profileField("softwareBackground", levelSchema),
        hardwareBackground: profileField("hardwareBackground", levelSchema),
        interestArea: profileField("interestArea", interestSchema),
        preferredLanguage: profileField("preferredLanguage", languageCodeSchema.nullable()),
      },
      deleteUser: accounts.deleteUser,
    },
    session: {
      // With Redis as secondary storage Better Auth would otherwise keep sessions only there.
      storeSessionInDatabase: true,
      // Absolute lifetime (SESSION_MAX_AGE): no sliding renewal, so a session ends a fixed time after sign-in.
      expiresIn: config.sessionMaxAgeS,
      disableSessionRefresh: true,
    },
    rateLimit: {
      enabled: true,
      window: config.rateLimit.default.window,
      max: config.rateLimit.default.max,
      customRules: config.rateLimit.rules,
      storage: redis ? "secondary-storage" : "memory",
    },
    advanced: {
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      // Better Auth skips the Origin/CSRF check when NODE_ENV=test; we want tests to see production behaviour.
      disableOriginCheck: false,
      useSecureCookies: production,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", secure: production },
    },
    // Impersonation is not offered; API keys are changed only by delete + create (so revocation is one path).
    disabledPaths: [
      ...(pluginOptions ? ["/token"] : []),
      "/admin/impersonate-user",
      "/admin/stop-impersonating",
      "/api-key/update",
    ],
    plugins: [
      // twoFactor (in the account features) must come first: it withdraws a new session before any token is issued.
      ...accounts.plugins,
      bearer(),
      accessTokenPlugin({ ...accessToken, refuse: accounts.accessRefusal }),
      ...(pluginOptions ? [jwt(pluginOptions)] : []),
      admin(adminPluginOptions),
      apiKeyPlugin(),
      apiKeyAccessPlugin({
        db: deps.db,
        audit,
        revocation,
        settings: accessToken,
        tokenTtlS: config.accessTokenTtlS,
        verify: (key) => {
          if (!keys.verify) throw new Error("auth instance not ready");
          return keys.verify(key);
        },
      }),
      refreshTokenPlugin({ db: deps.db, audit, settings: accessToken, accessTtlS: config.accessTokenTtlS }),
      auditHooksPlugin(audit),
      passwordPolicyPlugin(),
      accountGuardsPlugin(),
      antiAutomationPlugin({
        redis,
        keyPrefix: deps.redisKeyPrefix ?? "better-auth:",
        secret: config.betterAuthSecret,
        signUpsPerHour: config.signUpsPerHour,
        logger: logger.child({ component: "anti-automation" }),
      }),
    ],
    databaseHooks: {
      user: {
        create: {
          // ADMIN_EMAILS: the first admin exists from sign-up on, without a CLI step.
          before: async (user) =>
            config.adminEmails.includes(user.email.toLowerCase())
              ? { data: { ...user, role: "admin" } }
              : undefined,
        },
        delete: {
          after: async (user) => {
            await audit.record({ type: "account_deleted", outcome: "success", subjectId: user.id });
          },
        },
      },
      account: {
        create: {
          after: async (account) => {
            if (account.providerId === "credential") return;
            await audit.record({
              type: "oauth_account_linked",
              outcome: "success",
              actorId: account.userId,
              subjectId: account.userId,
              reason: account.providerId,
            });
          },
        },
      },
      session: {
        delete: {
          // Tokens outlive sessions (sign-out, ban, refresh-token reuse): the api-service refuses their session id.
          after: async (session, context) => {
            await revocation?.revoke(session.id, Date.now() + (longestTokenS + JWT_CLOCK_TOLERANCE_S) * 1000);
            if (context?.path === "/sign-out")
              await audit.record({
                type: "sign_out",
                outcome: "success",
                actorId: session.userId,
                subjectId: session.userId,
              });
          },
        },
      },
    },
    hooks: {
      after: createAuthMiddleware(async (ctx) => {
        const known = ctx.context.session ?? ctx.context.newSession;
        const state = deps.requestState.getStore();
        if (known && state) state.userId = known.user.id;
      }),
    },
    logger: {
      level: "warn",
      log: (level, message, ...args) => {
        const err = args.find((a) => a instanceof Error);
        const line = message.split("\n")[0] ?? "";
        baLogger[level === "debug" ? "debug" : level]({ ...(err ? { err: safeError(err) } : {}) }, line);
      },
    },
    // Unexpected errors reach our route (which logs them without SQL parameters) instead of console.error.
    onAPIError: { throw: true },
    telemetry: { enabled: false },
  });
  keys.verify = async (key) => (await auth.api.verifyApiKey({ body: { key } })) as VerifiedKey;
  return auth;
}

export type Auth = ReturnType<typeof createAuth>;
