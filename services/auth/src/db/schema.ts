// Drizzle schema of the auth database: Better Auth's user/session/account/verification, the reader profile, JWKS.
import { BACKGROUND_LEVELS } from "@ai-book/contracts";
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

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
    // ── accounts (issue 13) ──
    /** Better Auth twoFactor plugin. */
    twoFactorEnabled: boolean("two_factor_enabled").default(false),
    /** Created by a provider sign-in and the reader profile not yet asked for (no access token until then). */
    profilePending: boolean("profile_pending").default(false).notNull(),
    // ── end accounts ──
  },
  (t) => [
    check("user_software_background_check", sql`${t.softwareBackground} IN (${levels})`),
    check("user_hardware_background_check", sql`${t.hardwareBackground} IN (${levels})`),
    check("user_interest_area_check", sql`char_length(${t.interestArea}) BETWEEN 1 AND 64`),
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

export const schema = { user, session, account, verification, jwks, twoFactor };
