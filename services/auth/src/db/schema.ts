// Drizzle schema of the auth database: Better Auth's user/session/account/verification, the reader profile, JWKS.
import { BACKGROUND_LEVELS } from "@ai-book/contracts";
import { sql } from "drizzle-orm";
import { bigserial, boolean, check, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// Instants, not wall-clock times: the server's TZ must not change what a row means.
const TZ = { withTimezone: true } as const;
const levels = sql.raw(BACKGROUND_LEVELS.map((l) => `'${l}'`).join(", "));

export const user = pgTable(
  "user",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull().unique(),
    emailVerified: boolean("email_verified").default(false).notNull(),
    image: text("image"),
    createdAt: timestamp("created_at", TZ).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", TZ)
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
    // The reader profile (validated by Better Auth's additionalFields; the checks are the last line of defence).
    softwareBackground: text("software_background"),
    hardwareBackground: text("hardware_background"),
    interestArea: text("interest_area"),
    /** Issue 15: the language chat answers come in (a BCP 47 tag); null = the book's. */
    preferredLanguage: text("preferred_language"),
    // --- issue 14 (access): Better Auth admin plugin ---
    role: text("role").default("reader").notNull(),
    banned: boolean("banned").default(false),
    banReason: text("ban_reason"),
    banExpires: timestamp("ban_expires", TZ),
    // --- end issue 14 ---
    // ── accounts (issue 13) ──
    /** Better Auth twoFactor plugin. */
    twoFactorEnabled: boolean("two_factor_enabled").default(false),
    /** Created by a provider sign-in and the reader profile not yet asked for (no access token until then). */
    profilePending: boolean("profile_pending").default(false).notNull(),
    // ── end accounts ──
  },
  (t) => [
    check("user_role_check", sql`${t.role} IN ('reader', 'author', 'admin')`),
    check("user_software_background_check", sql`${t.softwareBackground} IN (${levels})`),
    check("user_hardware_background_check", sql`${t.hardwareBackground} IN (${levels})`),
    check("user_interest_area_check", sql`char_length(${t.interestArea}) BETWEEN 1 AND 64`),
    check("user_preferred_language_check", sql`char_length(${t.preferredLanguage}) BETWEEN 2 AND 35`),
  ],
);

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestamp("expires_at", TZ).notNull(),
    token: text("token").notNull().unique(),
    createdAt: timestamp("created_at", TZ).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", TZ)
      .$onUpdate(() => new Date())
      .notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    // issue 14 (access): the admin plugin's column (impersonation is not offered; Better Auth still reads it).
    impersonatedBy: text("impersonated_by"),
  },
  (t) => [index("session_user_id_idx").on(t.userId)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", TZ),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", TZ),
    scope: text("scope"),
    password: text("password"),
    createdAt: timestamp("created_at", TZ).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", TZ)
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [index("account_user_id_idx").on(t.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamp("expires_at", TZ).notNull(),
    createdAt: timestamp("created_at", TZ).defaultNow().notNull(),
    updatedAt: timestamp("updated_at", TZ)
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [index("verification_identifier_idx").on(t.identifier)],
);

/** Key pairs of the asymmetric mode (Better Auth's jwt plugin); private keys are encrypted with BETTER_AUTH_SECRET. */
export const jwks = pgTable("jwks", {
  id: text("id").primaryKey(),
  publicKey: text("public_key").notNull(),
  privateKey: text("private_key").notNull(),
  createdAt: timestamp("created_at", TZ).notNull(),
  expiresAt: timestamp("expires_at", TZ),
  alg: text("alg"),
  crv: text("crv"),
});

// ===== issue 14 (access): API keys, refresh tokens, audit log — one block, merged with issue 13's at merge time =====

/** API keys of the @better-auth/api-key plugin: only the SHA-256 of a key is stored (`key`), plus its first characters. */
export const apikey = pgTable(
  "apikey",
  {
    id: text("id").primaryKey(),
    configId: text("config_id").default("default").notNull(),
    name: text("name"),
    start: text("start"),
    referenceId: text("reference_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    prefix: text("prefix"),
    key: text("key").notNull(),
    refillInterval: integer("refill_interval"),
    refillAmount: integer("refill_amount"),
    lastRefillAt: timestamp("last_refill_at", TZ),
    enabled: boolean("enabled").default(true),
    rateLimitEnabled: boolean("rate_limit_enabled").default(true),
    rateLimitTimeWindow: integer("rate_limit_time_window"),
    rateLimitMax: integer("rate_limit_max"),
    requestCount: integer("request_count").default(0),
    remaining: integer("remaining"),
    lastRequest: timestamp("last_request", TZ),
    expiresAt: timestamp("expires_at", TZ),
    createdAt: timestamp("created_at", TZ).notNull(),
    updatedAt: timestamp("updated_at", TZ).notNull(),
    permissions: text("permissions"),
    metadata: text("metadata"),
  },
  (t) => [
    index("apikey_key_idx").on(t.key),
    index("apikey_reference_id_idx").on(t.referenceId),
    index("apikey_config_id_idx").on(t.configId),
  ],
);

/**
 * Refresh tokens (opaque; only their SHA-256 is stored). One family per issue: each rotation retires the presented
 * token and adds its successor; presenting a retired one revokes the family and ends its session.
 */
export const refreshToken = pgTable(
  "refresh_token",
  {
    id: text("id").primaryKey(),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    sessionId: text("session_id")
      .notNull()
      .references(() => session.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", TZ).defaultNow().notNull(),
    expiresAt: timestamp("expires_at", TZ).notNull(),
    /** Set when this token was exchanged for its successor. */
    retiredAt: timestamp("retired_at", TZ),
    /** Set on every token of a family revoked after reuse. */
    revokedAt: timestamp("revoked_at", TZ),
  },
  (t) => [
    index("refresh_token_family_idx").on(t.familyId),
    index("refresh_token_session_idx").on(t.sessionId),
  ],
);

/**
 * The append-only security log. A trigger (migration 0002) refuses UPDATE, and DELETE outside the retention job.
 * No foreign keys: an entry outlives the account it names (until retention prunes it).
 */
export const auditEvent = pgTable(
  "audit_event",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", TZ).defaultNow().notNull(),
    type: text("type").notNull(),
    actorId: text("actor_id"),
    subjectId: text("subject_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    outcome: text("outcome").notNull(),
    /** Why a failure failed (an error code such as INVALID_EMAIL_OR_PASSWORD), or what changed (a role name). */
    reason: text("reason"),
  },
  (t) => [
    check("audit_event_outcome_check", sql`${t.outcome} IN ('success', 'failure')`),
    index("audit_event_at_idx").on(t.at),
    index("audit_event_subject_idx").on(t.subjectId, t.id),
    index("audit_event_actor_idx").on(t.actorId, t.id),
    index("audit_event_type_idx").on(t.type, t.id),
  ],
);
// ===== end issue 14 =====

// ── accounts (issue 13) ──
/** TOTP secret and backup codes of the twoFactor plugin (both encrypted with BETTER_AUTH_SECRET). */
export const twoFactor = pgTable(
  "two_factor",
  {
    id: text("id").primaryKey(),
    secret: text("secret").notNull(),
    backupCodes: text("backup_codes").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    verified: boolean("verified").default(true),
    failedVerificationCount: integer("failed_verification_count").default(0),
    lockedUntil: timestamp("locked_until", TZ),
  },
  (t) => [index("two_factor_user_id_idx").on(t.userId), index("two_factor_secret_idx").on(t.secret)],
);
// ── end accounts ──

export const schema = {
  user,
  session,
  account,
  verification,
  jwks,
  apikey,
  refreshToken,
  auditEvent,
  twoFactor,
};
