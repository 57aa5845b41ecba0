// The access token contract: what the auth-service signs and the api-service verifies.
import { z } from "zod";
import { readerProfileSchema } from "./profile.ts";

/** Default `iss`; set JWT_ISSUER per environment so staging and production tokens are not interchangeable. */
export const JWT_ISSUER = "auth-service";
/** Default `aud` (JWT_AUDIENCE). */
export const JWT_AUDIENCE = "api-service";
/** The `typ` header every access token carries and every verifier requires (RFC 8725, 3.11). */
export const JWT_TYPE = "JWT";
/** Default absolute session lifetime (SESSION_MAX_AGE): a session ends this long after sign-in, used or not. */
export const SESSION_DEFAULT_MAX_AGE = "7d";
/**
 * Access-token lifetime when JWT_EXPIRES_IN is unset. Short because the tutor refetches a token before it expires
 * and on a 401, so a reader never notices, while a token leaked or outliving a sign-out stays usable for minutes.
 */
export const JWT_DEFAULT_EXPIRES_IN = "15m";
/** Longest access-token lifetime production accepts without a revocation path (Redis or a shared revocation file). */
export const MAX_UNREVOKED_TOKEN_S = 15 * 60;
export const JWT_ALGORITHMS = ["HS256", "RS256", "EdDSA"] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** Largest clock skew a verifier accepts, in seconds. */
export const JWT_CLOCK_TOLERANCE_S = 30;
/** Redis key prefix of revoked session ids (value: "1", TTL: remaining token lifetime). */
export const REVOKED_SESSION_PREFIX = "revoked-sid:";
/** File name of the revocation store both services share without Redis (in DATA_DIR unless REVOCATION_DB_PATH). */
export const REVOCATION_DB_FILE = "revocations.sqlite";
/**
 * The shared revocation file's schema. `seq` only grows (AUTOINCREMENT), so a reader loads just the rows added since
 * its last look; `until_ms` is when every token of the session has expired anyway and the row may go.
 */
export const REVOCATION_DB_SCHEMA = `CREATE TABLE IF NOT EXISTS revoked_sessions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sid TEXT NOT NULL,
  until_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deleted_users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL
)`;
/**
 * The Redis stream of deleted accounts (field `user`): the auth-service appends one entry per deleted account and
 * every api-service instance purges that reader's rows from its own database (`deleted_users` in the shared file
 * without Redis). Entries are kept as long as the audit log (AUDIT_RETENTION_DAYS), so an api-service that was down
 * during the deletion still purges when it starts.
 */
export const DELETED_USERS_STREAM = "deleted-users";

/** Roles, least privileged first; a token without `role` (issued before roles existed) reads as `reader`. */
export const ROLES = ["reader", "author", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** What a token issued for an API key may do at the api-service; session tokens carry no scopes (everything a reader may). */
export const API_KEY_SCOPES = ["chat", "search"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES);

/**
 * `sid` of a token exchanged for an API key: the key's id behind this prefix, so revoking the key reaches the
 * api-service through the same revoked-session set as a signed-out session.
 */
export const API_KEY_SID_PREFIX = "apikey:";

/** The claims the auth-service puts in a token (before iat/exp/iss/aud/jti are stamped). */
export const tokenSubjectSchema = z
  .object({
    userId: z.string().min(1),
    email: z.string().email(),
    name: z.string(),
    emailVerified: z.boolean(),
    sid: z.string().min(1),
    role: roleSchema.default("reader"),
    /** Only on tokens exchanged for an API key (with `scopes`). */
    keyId: z.string().min(1).optional(),
    scopes: z.array(apiKeyScopeSchema).min(1).optional(),
  })
  .extend(readerProfileSchema.shape)
  .refine((c) => (c.keyId === undefined) === (c.scopes === undefined), {
    message: "keyId and scopes come together",
  });
export type TokenSubject = z.infer<typeof tokenSubjectSchema>;

/** The full payload of a verified access token. */
export const jwtClaimsSchema = tokenSubjectSchema.safeExtend({
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  // The verifiers pin the configured JWT_ISSUER / JWT_AUDIENCE; the contract only fixes the shape.
  iss: z.string().min(1),
  aud: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
});
export type JwtClaims = z.infer<typeof jwtClaimsSchema>;
