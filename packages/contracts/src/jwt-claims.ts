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

/** The claims the auth-service puts in a token (before iat/exp/iss/aud/jti are stamped). */
export const tokenSubjectSchema = z
  .object({
    userId: z.string().min(1),
    email: z.string().email(),
    name: z.string(),
    emailVerified: z.boolean(),
    sid: z.string().min(1),
    /** Absent in tokens issued before roles existed: a reader. */
    role: z.enum(["reader", "author", "admin"]).optional(),
  })
  .extend(readerProfileSchema.shape);
export type TokenSubject = z.infer<typeof tokenSubjectSchema>;

/** The full payload of a verified access token. */
export const jwtClaimsSchema = tokenSubjectSchema.extend({
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  iss: z.literal(JWT_ISSUER),
  aud: z.union([z.literal(JWT_AUDIENCE), z.array(z.string()).refine((a) => a.includes(JWT_AUDIENCE))]),
});
export type JwtClaims = z.infer<typeof jwtClaimsSchema>;
