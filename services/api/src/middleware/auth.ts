// JWT guard: verifies the auth-service's access token locally (pinned algorithm), parses its claims, checks revocation.
import {
  ERROR_CODES,
  type ErrorCode,
  JWT_AUDIENCE,
  JWT_CLOCK_TOLERANCE_S,
  JWT_ISSUER,
  JWT_TYPE,
  type JwtAlgorithm,
  type JwtClaims,
  jwtClaimsSchema,
} from "@ai-book/contracts";
import { ApiError, envelope } from "@ai-book/http";
import { createVerifier, TokenError as FastJwtError } from "fast-jwt";
import type { MiddlewareHandler } from "hono";
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { ApiEnv } from "../env.ts";

export type TokenFailure = Extract<
  ErrorCode,
  "TOKEN_MISSING" | "TOKEN_EXPIRED" | "TOKEN_INVALID" | "TOKEN_REVOKED"
>;

/** Larger tokens are refused before any parsing (ours are well under 2 KB). */
export const MAX_TOKEN_LENGTH = 8192;

/** The auth-service's list of ended sessions (Redis, or the revocation file both services share on one host). */
export interface RevocationList {
  /** Whether the session has ended; throws when the list cannot be read. A local list answers synchronously. */
  isRevoked(sid: string): boolean | Promise<boolean>;
}

export interface JwtAuthOptions {
  /** Only this algorithm is accepted. */
  algorithm: JwtAlgorithm;
  /** The HS256 shared secret. */
  secret?: string;
  /** The auth-service's JWKS, for RS256 / EdDSA. */
  jwksUrl?: string;
  /** The only accepted `iss` (JWT_ISSUER). @default JWT_ISSUER */
  issuer?: string;
  /** The required `aud` (JWT_AUDIENCE). @default JWT_AUDIENCE */
  audience?: string;
  /** The auth-service's revoked session ids; absent only when configured off. */
  revocation?: RevocationList;
  /** Every refusal, for metrics. */
  onFailure?: (reason: TokenFailure) => void;
  /** A revocation check failed (the request goes on: fail open). */
  onRevocationError?: (err: unknown) => void;
}

class TokenError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(reason);
  }
}

/** Claims every token must carry, whatever the algorithm. */
const REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud"];

/** Valid HS256 tokens remembered (by their SHA-256) until they expire, so a reader's next request skips the HMAC. */
const HS256_CACHE_SIZE = 1000;

/**
 * HS256 with node:crypto, synchronously (fast-jwt). jose would verify through WebCrypto, whose every call goes through
 * the libuv thread pool and costs about ten times the HMAC itself.
 */
function hs256Payload(secret: string, issuer: string, audience: string): (token: string) => object {
  const verify = createVerifier({
    key: secret,
    // Pinned: none, HS384/HS512 and the asymmetric algorithms are refused before the signature is looked at.
    algorithms: ["HS256"],
    // RFC 8725 3.11: only our access tokens' type, so no other JWT signed with the same key passes as one.
    checkTyp: JWT_TYPE,
    allowedIss: issuer,
    allowedAud: audience,
    clockTolerance: JWT_CLOCK_TOLERANCE_S * 1000,
    requiredClaims: REQUIRED_CLAIMS,
    cache: HS256_CACHE_SIZE,
  });
  return (token) => {
    try {
      // fast-jwt refuses any payload that is not a JSON object.
      return verify(token) as object;
    } catch (err) {
      if (err instanceof FastJwtError && err.code === FastJwtError.codes.expired)
        throw new TokenError("TOKEN_EXPIRED");
      // Nothing here reaches the network: any failure is the token's.
      throw new TokenError("TOKEN_INVALID");
    }
  };
}

/** RS256 / EdDSA against the auth-service's JWKS (jose): fetched, cached and refreshed on an unknown kid. */
function jwksPayload(
  algorithm: JwtAlgorithm,
  jwksUrl: string,
  issuer: string,
  audience: string,
): (token: string) => Promise<unknown> {
  const keys = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  const verifyOpts = {
    algorithms: [algorithm],
    typ: JWT_TYPE,
    issuer,
    audience,
    clockTolerance: JWT_CLOCK_TOLERANCE_S,
    requiredClaims: REQUIRED_CLAIMS,
  };
  return async (token) => {
    try {
      return (await jwtVerify(token, keys, verifyOpts)).payload;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new TokenError("TOKEN_EXPIRED");
      if (err instanceof errors.JOSEError && !(err instanceof errors.JWKSTimeout))
        throw new TokenError("TOKEN_INVALID");
      // The JWKS could not be fetched: not the caller's fault.
      throw err;
    }
  };
}

/** The verified payload's claims, through the contract's schema. */
function parseClaims(payload: unknown): JwtClaims {
  const parsed = jwtClaimsSchema.safeParse(payload);
  if (!parsed.success) throw new TokenError("TOKEN_INVALID");
  return parsed.data;
}

/** The libraries check iat only against a maximum age; a token "issued" in the future is forged or from a broken clock. */
function notIssuedInTheFuture(claims: JwtClaims): JwtClaims {
  if (claims.iat > Date.now() / 1000 + JWT_CLOCK_TOLERANCE_S) throw new TokenError("TOKEN_INVALID");
  return claims;
}

/**
 * Verifies a compact JWT and returns its claims; throws TokenError with the reason. A symmetric secret never
 * verifies an asymmetric token, nor the reverse. Synchronous for HS256 (a plain value), a promise for the JWKS modes.
 */
export function tokenVerifier(opts: JwtAuthOptions): (token: string) => JwtClaims | Promise<JwtClaims> {
  if (opts.algorithm === "HS256") {
    if (!opts.secret) throw new Error("jwtAuth: HS256 needs a secret");
    const payloadOf = hs256Payload(opts.secret, opts.issuer ?? JWT_ISSUER, opts.audience ?? JWT_AUDIENCE);
    // A remembered token comes back as the same payload object: its parse is kept with it, and goes when it is evicted.
    const parsed = new WeakMap<object, JwtClaims>();
    return (token) => {
      if (token.length > MAX_TOKEN_LENGTH) throw new TokenError("TOKEN_INVALID");
      const payload = payloadOf(token);
      let claims = parsed.get(payload);
      if (!claims) {
        // Frozen: one object may now serve many requests.
        claims = Object.freeze(parseClaims(payload));
        parsed.set(payload, claims);
      }
      return notIssuedInTheFuture(claims);
    };
  }
  if (!opts.jwksUrl) throw new Error(`jwtAuth: ${opts.algorithm} needs the auth-service's JWKS URL`);
  const payloadOf = jwksPayload(
    opts.algorithm,
    opts.jwksUrl,
    opts.issuer ?? JWT_ISSUER,
    opts.audience ?? JWT_AUDIENCE,
  );
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenError("TOKEN_INVALID");
    return notIssuedInTheFuture(parseClaims(await payloadOf(token)));
  };
}

/** Refuses every request without a valid `Authorization: Bearer <jwt>`; sets `claims` and `userId`. */
export function jwtAuth(opts: JwtAuthOptions): MiddlewareHandler<ApiEnv> {
  const verify = tokenVerifier(opts);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    try {
      if (!match?.[1]) throw new TokenError("TOKEN_MISSING");
      const claims = await verify(match[1]);
      if (opts.revocation) {
        let revoked = false;
        try {
          revoked = await opts.revocation.isRevoked(claims.sid);
        } catch (err) {
          opts.onRevocationError?.(err);
        }
        if (revoked) throw new TokenError("TOKEN_REVOKED");
      }
      c.set("claims", claims);
      c.set("userId", claims.userId);
    } catch (err) {
      if (!(err instanceof TokenError))
        throw new ApiError("SERVICE_UNAVAILABLE", "The signing keys could not be fetched; retry later.", {
          cause: err,
        });
      opts.onFailure?.(err.reason);
      c.header("WWW-Authenticate", 'Bearer error="invalid_token"');
      return c.json(
        envelope(err.reason, ERROR_CODES[err.reason].message, c.get("requestId") ?? "unknown"),
        401,
      );
    }
    await next();
  };
}
