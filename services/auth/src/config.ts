// The auth-service configuration: one zod schema over the environment, parsed once at start-up.
import { resolve } from "node:path";
import {
  JWT_ALGORITHMS,
  JWT_AUDIENCE,
  JWT_DEFAULT_EXPIRES_IN,
  JWT_ISSUER,
  MAX_UNREVOKED_TOKEN_S,
  REVOCATION_DB_FILE,
  SESSION_DEFAULT_MAX_AGE,
} from "@ai-book/contracts";
import { ConfigError, loadOrCreateDevSecrets, parseEnv, sharedEnvShape } from "@ai-book/runtime";
import { toExpJWT } from "better-auth/plugins";
import { z } from "zod";

/** Shortest secret accepted in production. */
export const SECRET_MIN_LENGTH = 32;

/** Converts "7d", "12h", "900s", "3600" to seconds (the jwt plugin's parser, so both modes agree). */
export function durationToSeconds(value: string): number {
  const trimmed = value.trim();
  const seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : toExpJWT(trimmed, 0);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`not a positive duration: ${value}`);
  return seconds;
}

/** A duration variable ("7d", "15m", "3600"), checked with the same parser that reads it. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (v) => {
        try {
          durationToSeconds(v);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be a duration such as "7d", "15m" or "3600"' },
    );

export const envSchema = z.object({
  ...sharedEnvShape,
  AUTH_SERVER_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  AUTH_SERVER_HOST: z.string().default("0.0.0.0"),
  /** postgres://… ; unset = embedded PGlite under DATA_DIR/auth. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  BETTER_AUTH_SECRET: z.string().optional(),
  BETTER_AUTH_URL: z.url().optional(),
  JWT_SECRET: z.string().optional(),
  JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default("HS256"),
  JWT_EXPIRES_IN: duration(JWT_DEFAULT_EXPIRES_IN),
  /** `iss` of access tokens; give each environment its own. @default "auth-service" */
  JWT_ISSUER: z.string().min(1).default(JWT_ISSUER),
  /** `aud` of access tokens; give each environment its own. @default "api-service" */
  JWT_AUDIENCE: z.string().min(1).default(JWT_AUDIENCE),
  /** Absolute session lifetime: a session ends this long after sign-in, however active. @default "7d" */
  SESSION_MAX_AGE: duration(SESSION_DEFAULT_MAX_AGE),
  /** Lifetime of access tokens handed out with refresh tokens and for API keys. */
  ACCESS_TOKEN_TTL: duration("15m"),
  /** Accounts made admins at start-up and at sign-up (comma-separated). */
  ADMIN_EMAILS: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.email())),
  /** Audit events older than this many days are pruned (hourly). */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  // ── accounts (issue 13): mail, verification, OAuth providers ──
  /** smtp://user:pass@host:587 or smtps://…; unset = mail written as .eml files under DATA_DIR/mail. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  MAIL_FROM: z.string().min(3).default("ai-book <no-reply@localhost>"),
  REQUIRE_EMAIL_VERIFICATION: z.stringbool().default(false),
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GITHUB_CLIENT_ID: z.string().min(1).optional(),
  GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  /** Issuer of a school's own OpenID Connect provider (its /.well-known/openid-configuration is read). */
  OIDC_ISSUER_URL: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().min(1).max(64).default("School account"),
  /**
   * The revocation file both services share when REDIS_URL is unset; "off" = none.
   * @default "<DATA_DIR>/revocations.sqlite"
   */
  REVOCATION_DB_PATH: z.string().min(1).optional(),
  /** Sign-ups per hour for the whole service (anti-automation); 0 = no quota. @default 1000 */
  SIGNUP_MAX_PER_HOUR: z.coerce.number().int().min(0).default(1000),
});
export type AuthEnv = z.output<typeof envSchema>;

/** Rate-limit rule: at most `max` requests per `window` seconds per client address and path. */
export interface RateLimitRule {
  window: number;
  max: number;
}

export interface RateLimitConfig {
  /** Every Better Auth path not listed in `rules`. @default { window: 60, max: 100 } */
  default: RateLimitRule;
  /** Per path below /api/auth (Better Auth's path syntax, `*` wildcards allowed). */
  rules: Record<string, RateLimitRule>;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  default: { window: 60, max: 100 },
  rules: {
    "/sign-in/email": { window: 15 * 60, max: 5 },
    "/sign-up/email": { window: 10 * 60, max: 20 },
    "/change-password": { window: 15 * 60, max: 5 },
    "/update-user": { window: 60, max: 20 },
    // Per client address; accounts/email-limit.ts adds the per-email-address limit of the same routes.
    "/request-password-reset": { window: 15 * 60, max: 5 },
    "/send-verification-email": { window: 15 * 60, max: 5 },
    "/reset-password": { window: 15 * 60, max: 10 },
    "/two-factor/*": { window: 15 * 60, max: 10 },
    "/delete-user": { window: 15 * 60, max: 5 },
  },
};

export interface AuthConfig {
  nodeEnv: "development" | "production" | "test";
  port: number;
  host: string;
  /** postgres://… or undefined for PGlite in `pgliteDir`. */
  databaseUrl: string | undefined;
  /** Where PGlite keeps its files; `undefined` keeps it in memory. */
  pgliteDir: string | undefined;
  dataDir: string;
  betterAuthSecret: string;
  /** Public base URL of this service (Better Auth's baseURL). */
  baseUrl: string;
  jwtSecret: string;
  jwtAlgorithm: (typeof JWT_ALGORITHMS)[number];
  /** Access-token lifetime in seconds. */
  jwtExpiresInS: number;
  /** Lifetime of access tokens from the refresh flow and API-key exchanges, seconds (ACCESS_TOKEN_TTL). */
  accessTokenTtlS: number;
  /** Lower-cased emails that are admins (ADMIN_EMAILS). */
  adminEmails: string[];
  /** Audit retention in days (AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
  /** `iss` and `aud` of access tokens. */
  jwtIssuer: string;
  jwtAudience: string;
  /** Absolute session lifetime in seconds. */
  sessionMaxAgeS: number;
  corsOrigins: string[];
  redisUrl: string | undefined;
  /** The shared revocation file (used without Redis); undefined = configured off. */
  revocationDbPath: string | undefined;
  /** Reverse proxies to trust for X-Forwarded-For; 0 = use the socket address only. */
  trustProxy: number;
  logLevel: string;
  rateLimit: RateLimitConfig;
  /** Sign-ups per hour, service-wide; 0 = no quota. */
  signUpsPerHour: number;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number;
  /** Problems worth a warning at start-up (never secret values). */
  warnings: string[];
  /** Mail, email verification and sign-in providers (issue 13). */
  accounts: AccountsConfig;
}

/** An OAuth app registered with a provider. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface AccountsConfig {
  /** SMTP server URL; undefined = write .eml files into `mailDir` and log the link. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Where mail goes when there is no SMTP server. */
  mailDir: string;
  /** Unverified readers get no access token (403 EMAIL_NOT_VERIFIED). @default false */
  requireEmailVerification: boolean;
  google: OAuthClient | undefined;
  github: OAuthClient | undefined;
  /** A generic OpenID Connect provider (provider id "oidc"). */
  oidc: (OAuthClient & { issuerUrl: string; name: string }) | undefined;
}

/** Both halves of an OAuth client, or neither: half a configuration is a mistake worth stopping for. */
function oauthClient(name: string, id: string | undefined, secret: string | undefined) {
  if (!id && !secret) return undefined;
  if (!id || !secret)
    throw new ConfigError(
      `Invalid configuration: ${name}_CLIENT_ID and ${name}_CLIENT_SECRET must be set together`,
    );
  return { clientId: id, clientSecret: secret };
}

/** Parses the environment; throws ConfigError with one line naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined>): AuthConfig {
  const e = parseEnv(envSchema, env);
  const warnings: string[] = [];
  const secrets = { BETTER_AUTH_SECRET: e.BETTER_AUTH_SECRET, JWT_SECRET: e.JWT_SECRET };
  const dataDir = resolve(e.DATA_DIR);
  for (const name of ["BETTER_AUTH_SECRET", "JWT_SECRET"] as const) {
    const value = secrets[name];
    if (e.NODE_ENV === "production") {
      if (!value) throw new ConfigError(`Invalid configuration: ${name}: required in production`);
      if (value.length < SECRET_MIN_LENGTH)
        throw new ConfigError(
          `Invalid configuration: ${name}: must be at least ${SECRET_MIN_LENGTH} characters in production`,
        );
    } else if (!value) {
      const dev = loadOrCreateDevSecrets(dataDir);
      secrets[name] = dev[name];
      warnings.push(
        `${name} is not set: using the development secret kept in ${dataDir} (never do this in production)`,
      );
    } else if (value.length < SECRET_MIN_LENGTH) {
      warnings.push(
        `${name} is only ${value.length} characters: production refuses fewer than ${SECRET_MIN_LENGTH}; an HS256 key this short can be brute-forced offline from one token`,
      );
    }
  }
  if (e.NODE_ENV === "production" && secrets.JWT_SECRET === secrets.BETTER_AUTH_SECRET)
    throw new ConfigError(
      "Invalid configuration: JWT_SECRET: must differ from BETTER_AUTH_SECRET in production (a leak of one must not give the other)",
    );
  const jwtExpiresInS = durationToSeconds(e.JWT_EXPIRES_IN);
  const revocationDbPath =
    e.REVOCATION_DB_PATH === "off"
      ? undefined
      : resolve(e.REVOCATION_DB_PATH ?? resolve(dataDir, REVOCATION_DB_FILE));
  // In production the default file proves nothing (the api-service may run elsewhere and never read it): only Redis
  // or a file the operator named for both services counts as a way for a sign-out to reach the api-service.
  const revocationPath =
    Boolean(e.REDIS_URL) || (revocationDbPath !== undefined && e.REVOCATION_DB_PATH !== undefined);
  if (e.NODE_ENV === "production" && !revocationPath && jwtExpiresInS > MAX_UNREVOKED_TOKEN_S)
    throw new ConfigError(
      `Invalid configuration: JWT_EXPIRES_IN: access tokens living longer than ${MAX_UNREVOKED_TOKEN_S / 60} minutes ` +
        "need a revocation path, or a sign-out never reaches the api-service: set REDIS_URL, or REVOCATION_DB_PATH " +
        `to a file both services share, or JWT_EXPIRES_IN to ${MAX_UNREVOKED_TOKEN_S / 60}m or less`,
    );
  if (e.NODE_ENV === "production" && !e.SMTP_URL)
    warnings.push("SMTP_URL is not set: verification and reset mails are only written to DATA_DIR/mail");
  const port = e.AUTH_SERVER_PORT;
  return {
    nodeEnv: e.NODE_ENV,
    port,
    host: e.AUTH_SERVER_HOST,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.DATABASE_URL ? undefined : resolve(dataDir, "auth"),
    dataDir,
    betterAuthSecret: secrets.BETTER_AUTH_SECRET!,
    baseUrl: (e.BETTER_AUTH_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
    jwtSecret: secrets.JWT_SECRET!,
    jwtAlgorithm: e.JWT_ALGORITHM,
    jwtExpiresInS,
    jwtIssuer: e.JWT_ISSUER,
    jwtAudience: e.JWT_AUDIENCE,
    sessionMaxAgeS: durationToSeconds(e.SESSION_MAX_AGE),
    accessTokenTtlS: durationToSeconds(e.ACCESS_TOKEN_TTL),
    adminEmails: e.ADMIN_EMAILS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    corsOrigins: e.CORS_ORIGINS,
    redisUrl: e.REDIS_URL,
    revocationDbPath,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    rateLimit: DEFAULT_RATE_LIMITS,
    signUpsPerHour: e.SIGNUP_MAX_PER_HOUR,
    bodyLimitBytes: 64 * 1024,
    warnings,
    accounts: accountsConfig(e, dataDir),
  };
}

function accountsConfig(e: AuthEnv, dataDir: string): AccountsConfig {
  const oidc = oauthClient("OIDC", e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET);
  if (oidc && !e.OIDC_ISSUER_URL)
    throw new ConfigError("Invalid configuration: OIDC_ISSUER_URL: required with OIDC_CLIENT_ID");
  return {
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailDir: resolve(dataDir, "mail"),
    requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION,
    google: oauthClient("GOOGLE", e.GOOGLE_CLIENT_ID, e.GOOGLE_CLIENT_SECRET),
    github: oauthClient("GITHUB", e.GITHUB_CLIENT_ID, e.GITHUB_CLIENT_SECRET),
    oidc:
      oidc && e.OIDC_ISSUER_URL
        ? { ...oidc, issuerUrl: e.OIDC_ISSUER_URL.replace(/\/+$/, ""), name: e.OIDC_NAME }
        : undefined,
  };
}
