// The access token contract: what the auth-service signs and the api-service verifies.
import { z } from "zod";
import { readerProfileSchema } from "./profile.ts";

export const JWT_ISSUER = "auth-service";
export const JWT_AUDIENCE = "api-service";
export const JWT_DEFAULT_EXPIRES_IN = "7d";
export const JWT_ALGORITHMS = ["HS256", "RS256", "EdDSA"] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** Largest clock skew a verifier accepts, in seconds. */
export const JWT_CLOCK_TOLERANCE_S = 30;
/** Redis key prefix of revoked session ids (value: "1", TTL: remaining token lifetime). */
export const REVOKED_SESSION_PREFIX = "revoked-sid:";

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
  iss: z.literal(JWT_ISSUER),
  aud: z.union([z.literal(JWT_AUDIENCE), z.array(z.string()).refine((a) => a.includes(JWT_AUDIENCE))]),
});
export type JwtClaims = z.infer<typeof jwtClaimsSchema>;
