// Builds and signs the access token (the contracts' JWT claims) in HS256 or, in asymmetric mode, with the jwt plugin's keys.
import { randomUUID } from "node:crypto";
import {
  type ApiKeyScope,
  JWT_AUDIENCE,
  JWT_ISSUER,
  JWT_TYPE,
  type JwtAlgorithm,
  type JwtClaims,
  jwtClaimsSchema,
  type PublicUser,
  publicUserSchema,
  tokenSubjectSchema,
} from "@ai-book/contracts";
import type { GenericEndpointContext } from "better-auth";
import { type JwtOptions, signJWT } from "better-auth/plugins";
import { SignJWT } from "jose";

/** The user and session rows as Better Auth hands them to endpoints and hooks. */
export interface SessionLike {
  user: { id: string; email: string; name: string; emailVerified: boolean } & Record<string, unknown>;
  session: { id: string; expiresAt?: Date | string | undefined } & Record<string, unknown>;
}

/** Who the token is from and for (JWT_ISSUER / JWT_AUDIENCE). */
export interface TokenParties {
  issuer: string;
  audience: string;
}

export interface AccessTokenSettings {
  algorithm: JwtAlgorithm;
  /** HS256 key. */
  secret: string;
  expiresInS: number;
  /** @default { issuer: JWT_ISSUER, audience: JWT_AUDIENCE } */
  parties?: TokenParties;
  /** Options of the jwt plugin that owns the key pair (asymmetric mode only). */
  jwtPluginOptions?: JwtOptions;
}

/** What a token is for beyond its session: a shorter life (refresh flow), or an API key's id and scopes. */
export interface TokenOptions {
  /** Overrides the settings' lifetime. */
  expiresInS?: number;
  /** A token exchanged for an API key: its sid is the key's (see API_KEY_SID_PREFIX). */
  key?: { id: string; scopes: ApiKeyScope[] };
}

function profileValue(v: unknown): unknown {
  return v === undefined ? null : v;
}

/**
 * The payload of an access token: exactly the contract's claims. Built through the contracts' schemas,
 * which drop any key they do not list, so the token cannot drift from what the api-service parses.
 */
export function buildClaims(
  s: SessionLike,
  expiresInS: number,
  nowMs = Date.now(),
  key?: TokenOptions["key"],
  parties: TokenParties = { issuer: JWT_ISSUER, audience: JWT_AUDIENCE },
): JwtClaims {
  const subject = tokenSubjectSchema.parse({
    userId: s.user.id,
    email: s.user.email,
    name: s.user.name,
    emailVerified: s.user.emailVerified,
    sid: s.session.id,
    // The admin plugin's column; rows from before roles existed have none.
    // A key acts as a reader whatever its owner's role: a leaked server key never carries staff rights.
    role: key ? "reader" : (s.user.role ?? undefined),
    ...(key ? { keyId: key.id, scopes: key.scopes } : {}),
    softwareBackground: profileValue(s.user.softwareBackground),
    hardwareBackground: profileValue(s.user.hardwareBackground),
    interestArea: profileValue(s.user.interestArea),
    preferredLanguage: profileValue(s.user.preferredLanguage),
  });
  const iat = Math.floor(nowMs / 1000);
  // A token never outlives its session (RFC 8725 spirit, issue 19): the session's absolute end caps `exp`.
  const sessionEnd = s.session.expiresAt
    ? Math.floor(new Date(s.session.expiresAt).getTime() / 1000)
    : Number.NaN;
  const exp = Number.isFinite(sessionEnd)
    ? Math.min(iat + expiresInS, Math.max(iat + 1, sessionEnd))
    : iat + expiresInS;
  return jwtClaimsSchema.parse({
    ...subject,
    sub: subject.userId,
    jti: randomUUID(),
    iat,
    exp,
    iss: parties.issuer,
    aud: parties.audience,
  });
}

/** The user as /api/auth/jwt returns it. */
export function toPublicUser(user: SessionLike["user"]): PublicUser {
  return publicUserSchema.parse({
    ...user,
    softwareBackground: profileValue(user.softwareBackground),
    hardwareBackground: profileValue(user.hardwareBackground),
    interestArea: profileValue(user.interestArea),
    preferredLanguage: profileValue(user.preferredLanguage),
  });
}

export async function signAccessToken(
  ctx: GenericEndpointContext,
  s: SessionLike,
  settings: AccessTokenSettings,
  opts: TokenOptions = {},
): Promise<string> {
  const claims = buildClaims(
    s,
    opts.expiresInS ?? settings.expiresInS,
    Date.now(),
    opts.key,
    settings.parties,
  );
  if (settings.algorithm === "HS256") {
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", typ: JWT_TYPE })
      .sign(new TextEncoder().encode(settings.secret));
  }
  // The jwt plugin keeps the key pair in the database (private key encrypted), so every instance signs
  // with keys that GET /api/auth/jwks publishes.
  return signJWT(ctx, {
    options: settings.jwtPluginOptions,
    payload: { ...claims },
    header: { typ: JWT_TYPE },
  });
}
