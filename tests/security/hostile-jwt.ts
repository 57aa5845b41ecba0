// The hostile-token corpus: every way we know to forge, bend or break a bearer JWT, each with the outcome it must get.
import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { JWT_AUDIENCE, JWT_ISSUER, type JwtClaims } from "@ai-book/contracts";
import { type JWK, SignJWT } from "jose";

/** What a protected route must answer: 401 with one of these codes. */
export type TokenErrorCode = "TOKEN_MISSING" | "TOKEN_INVALID" | "TOKEN_EXPIRED" | "TOKEN_REVOKED";

export interface HostileCase {
  /** Unique, human-readable: shows up in failure messages. */
  name: string;
  category:
    | "alg-none"
    | "signature"
    | "key-confusion"
    | "claims-time"
    | "claims-issuer"
    | "claims-type"
    | "tampered"
    | "crit"
    | "kid"
    | "format";
  /** The whole Authorization header value, or null to send none. */
  authorization: string | null;
  /** Acceptable reason codes. */
  expect: TokenErrorCode[];
  /** Node's HTTP parser may refuse the header before the app sees it (431); allowed only for oversized cases. */
  allowHeaderTooLarge?: boolean;
}

const b64u = (v: unknown): string =>
  Buffer.from(typeof v === "string" ? v : JSON.stringify(v), "utf8").toString("base64url");

const HMAC_HASH = { HS256: "sha256", HS384: "sha384", HS512: "sha512" } as const;

/** Hand-built JWS compact serialization (jose refuses to produce most of what we need). */
export function craft(
  header: unknown,
  payload: unknown,
  key: string | Buffer,
  alg: keyof typeof HMAC_HASH = "HS256",
): string {
  const input = `${typeof header === "string" ? header : b64u(header)}.${typeof payload === "string" ? payload : b64u(payload)}`;
  return `${input}.${createHmac(HMAC_HASH[alg], key).update(input).digest("base64url")}`;
}

/** A complete, valid claim set for a reader (what the auth-service would sign). */
export function validClaims(
  overrides: Partial<JwtClaims> = {},
  nowS = Math.floor(Date.now() / 1000),
): JwtClaims {
  const userId = overrides.userId ?? `user_${Math.random().toString(36).slice(2, 10)}`;
  return {
    userId,
    sub: userId,
    email: `${userId}@example.test`,
    name: "Ada Reader",
    emailVerified: false,
    softwareBackground: "Intermediate",
    hardwareBackground: "Beginner",
    interestArea: "humanoid locomotion",
    sid: `sid_${Math.random().toString(36).slice(2, 12)}`,
    jti: `jti_${Math.random().toString(36).slice(2, 12)}`,
    iat: nowS,
    exp: nowS + 3600,
    iss: JWT_ISSUER,
    aud: JWT_AUDIENCE,
    ...overrides,
    role: overrides.role ?? "reader",
  };
}

/** A valid HS256 token, signed with jose exactly as the contract says. */
export async function signValid(secret: string, claims: JwtClaims = validClaims()): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}

function attackerKeys() {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ed = generateKeyPairSync("ed25519");
  return { rsa, ec, ed };
}

async function signAsym(
  alg: "RS256" | "ES256" | "EdDSA",
  key: KeyObject,
  claims: object,
  extraHeader: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg, typ: "JWT", ...extraHeader }).sign(key);
}

const KID_INJECTIONS = [
  "../../../../../../dev/null",
  "/dev/null",
  "' UNION SELECT 'attacker' --",
  'x\'; DROP TABLE "user"; --',
  "| cat /etc/passwd",
  "$(id)",
  "http://127.0.0.1:1/attacker-key",
  "\u0000",
  "%00",
  "k".repeat(4096),
];

/**
 * The HS256-mode corpus (the default deployment). `secret` is the real JWT_SECRET: some cases are signed with
 * it on purpose, to prove the verifier checks more than the signature (claims, algorithm, crit).
 */
export async function buildHostileTokens(secret: string): Promise<HostileCase[]> {
  const now = Math.floor(Date.now() / 1000);
  const claims = validClaims({}, now);
  const valid = await signValid(secret, claims);
  const [vh, vp, vs] = valid.split(".") as [string, string, string];
  const hs = { alg: "HS256", typ: "JWT" };
  const keys = attackerKeys();
  const cases: HostileCase[] = [];
  const add = (
    category: HostileCase["category"],
    name: string,
    token: string | null,
    expect: TokenErrorCode[] = ["TOKEN_INVALID"],
    extra: Partial<HostileCase> = {},
  ) =>
    cases.push({
      category,
      name,
      authorization: token === null ? null : `Bearer ${token}`,
      expect,
      ...extra,
    });
  const withClaims = (patch: Record<string, unknown>, drop: string[] = []) => {
    const c: Record<string, unknown> = { ...claims, ...patch };
    for (const k of drop) delete c[k];
    return craft(hs, c, secret);
  };

  // alg: none and friends
  for (const alg of ["none", "None", "NONE", "nOnE", "noNe "]) {
    add("alg-none", `alg "${alg}", empty signature`, `${b64u({ alg, typ: "JWT" })}.${vp}.`);
    add("alg-none", `alg "${alg}", no signature segment`, `${b64u({ alg, typ: "JWT" })}.${vp}`);
  }
  add(
    "alg-none",
    'alg "none" with the genuine signature kept',
    `${b64u({ alg: "none", typ: "JWT" })}.${vp}.${vs}`,
  );
  add(
    "alg-none",
    "no alg in the header (signed with the real secret)",
    craft({ typ: "JWT" }, claims, secret),
  );
  add("alg-none", 'alg "" (signed with the real secret)', craft({ alg: "", typ: "JWT" }, claims, secret));
  add("alg-none", "alg null", craft({ alg: null, typ: "JWT" }, claims, secret));
  add("alg-none", "HS256 with the signature stripped", `${vh}.${vp}.`);

  // signatures that are not ours
  add("signature", "HS256 signed with a wrong secret", craft(hs, claims, `${secret}x`));
  add("signature", "HS256 signed with an empty secret", craft(hs, claims, ""));
  add("signature", "HS256 signed with a guessable secret", craft(hs, claims, "secret"));
  add(
    "signature",
    "HS384 signed with the real secret (algorithm not pinned)",
    craft({ alg: "HS384", typ: "JWT" }, claims, secret, "HS384"),
  );
  add(
    "signature",
    "HS512 signed with the real secret (algorithm not pinned)",
    craft({ alg: "HS512", typ: "JWT" }, claims, secret, "HS512"),
  );
  add(
    "signature",
    'alg "hs256" (lower case) signed with the real secret',
    craft({ alg: "hs256", typ: "JWT" }, claims, secret),
  );
  add("signature", "RS256 signed with an attacker key", await signAsym("RS256", keys.rsa.privateKey, claims));
  add("signature", "ES256 signed with an attacker key", await signAsym("ES256", keys.ec.privateKey, claims));
  add("signature", "EdDSA signed with an attacker key", await signAsym("EdDSA", keys.ed.privateKey, claims));
  add(
    "signature",
    "RS256 with the attacker's public key embedded as jwk header",
    await signAsym("RS256", keys.rsa.privateKey, claims, {
      jwk: keys.rsa.publicKey.export({ format: "jwk" }) as JWK,
    }),
  );
  add(
    "signature",
    "RS256 with a jku header pointing at an attacker JWKS",
    await signAsym("RS256", keys.rsa.privateKey, claims, { jku: "http://127.0.0.1:1/.well-known/jwks.json" }),
  );
  add(
    "signature",
    "RS256 with an x5u header pointing at an attacker certificate",
    await signAsym("RS256", keys.rsa.privateKey, claims, { x5u: "http://127.0.0.1:1/cert.pem" }),
  );
  const other = await signValid(secret, validClaims({ userId: "someone_else" }, now));
  add("signature", "signature taken from another valid token", `${vh}.${vp}.${other.split(".")[2]}`);
  add("signature", "signature truncated", `${vh}.${vp}.${vs.slice(0, -4)}`);
  const flipped = Buffer.from(vs, "base64url");
  flipped[0] = (flipped[0] ?? 0) ^ 0x01;
  add("signature", "signature with one bit flipped", `${vh}.${vp}.${flipped.toString("base64url")}`);
  add(
    "signature",
    "signature of the payload only",
    `${vh}.${vp}.${createHmac("sha256", secret).update(vp).digest("base64url")}`,
  );

  // time claims
  add(
    "claims-time",
    "expired an hour ago",
    craft(hs, { ...claims, iat: now - 7200, exp: now - 3600 }, secret),
    ["TOKEN_EXPIRED"],
  );
  add(
    "claims-time",
    "expired 2 minutes ago (beyond the 30 s tolerance)",
    craft(hs, { ...claims, exp: now - 120 }, secret),
    ["TOKEN_EXPIRED"],
  );
  add("claims-time", "exp = 0", craft(hs, { ...claims, exp: 0 }, secret), ["TOKEN_EXPIRED", "TOKEN_INVALID"]);
  add("claims-time", "nbf an hour in the future", withClaims({ nbf: now + 3600 }));
  add("claims-time", "iat an hour in the future", withClaims({ iat: now + 3600 }));
  add(
    "claims-time",
    "iat a day in the future and exp accordingly later",
    withClaims({ iat: now + 86_400, exp: now + 90_000 }),
  );
  add("claims-time", "exp missing", withClaims({}, ["exp"]));
  add("claims-time", "exp as a string", withClaims({ exp: String(now + 3600) }));
  add("claims-time", "exp as a float", withClaims({ exp: now + 3600.5 }));
  add("claims-time", "exp null", withClaims({ exp: null }));
  add("claims-time", "iat as a string", withClaims({ iat: String(now) }));
  add("claims-time", "nbf as a string", withClaims({ nbf: "yesterday" }));

  // issuer / audience
  add("claims-issuer", "wrong iss", withClaims({ iss: "evil-service" }));
  add("claims-issuer", "iss missing", withClaims({}, ["iss"]));
  add("claims-issuer", "iss with a trailing space", withClaims({ iss: `${JWT_ISSUER} ` }));
  add("claims-issuer", "iss as an array", withClaims({ iss: [JWT_ISSUER] }));
  add("claims-issuer", "wrong aud", withClaims({ aud: "other-service" }));
  add("claims-issuer", "aud missing", withClaims({}, ["aud"]));
  add("claims-issuer", "aud array without api-service", withClaims({ aud: ["auth-service", "web"] }));
  add("claims-issuer", "aud as a number", withClaims({ aud: 1 }));
  add("claims-issuer", "aud upper-cased", withClaims({ aud: JWT_AUDIENCE.toUpperCase() }));

  // the reader claims the api-service relies on, with the wrong type or missing (all signed with the real secret)
  add("claims-type", "userId as a number", withClaims({ userId: 42 }));
  add("claims-type", "userId missing", withClaims({}, ["userId"]));
  add("claims-type", "userId empty", withClaims({ userId: "" }));
  add("claims-type", "userId as an object", withClaims({ userId: { $ne: null } }));
  add("claims-type", "sub missing", withClaims({}, ["sub"]));
  add("claims-type", "sid missing", withClaims({}, ["sid"]));
  add("claims-type", "jti missing", withClaims({}, ["jti"]));
  add("claims-type", "email not an email", withClaims({ email: "not-an-email" }));
  add("claims-type", "emailVerified as a string", withClaims({ emailVerified: "true" }));
  add("claims-type", "softwareBackground outside the enum", withClaims({ softwareBackground: "Guru" }));
  add("claims-type", "hardwareBackground as a number", withClaims({ hardwareBackground: 3 }));
  add("claims-type", "interestArea of 10 000 characters", withClaims({ interestArea: "x".repeat(10_000) }));
  add("claims-type", "payload is a JSON array", craft(hs, [claims], secret));
  add("claims-type", "payload is JSON null", craft(hs, "null", secret));
  add("claims-type", "payload is a JSON string", craft(hs, JSON.stringify("claims"), secret));
  add("claims-type", "payload is not JSON", craft(hs, b64u("{not json"), secret));
  add(
    "claims-type",
    "payload with a __proto__ key",
    craft(hs, b64u(`{"__proto__":{"iss":"${JWT_ISSUER}"},"userId":"x"}`), secret),
  );
  add("claims-type", "header is not JSON", craft(b64u("{alg:HS256}"), claims, secret));
  add("claims-type", "header is a JSON array", craft(b64u('["HS256"]'), claims, secret));

  // payload or header edited after signing
  const edit = (patch: Record<string, unknown>) => `${vh}.${b64u({ ...claims, ...patch })}.${vs}`;
  add("tampered", "userId changed, old signature", edit({ userId: "admin", sub: "admin" }));
  add("tampered", "exp pushed a year out, old signature", edit({ exp: now + 365 * 86_400 }));
  add("tampered", "profile upgraded, old signature", edit({ softwareBackground: "Advanced" }));
  add(
    "tampered",
    "typ changed in the header, old signature",
    `${b64u({ alg: "HS256", typ: "at+jwt" })}.${vp}.${vs}`,
  );
  add("tampered", "header with an added kid, old signature", `${b64u({ ...hs, kid: "1" })}.${vp}.${vs}`);
  add("tampered", "payload re-encoded with base64 padding", `${vh}.${vp}==.${vs}`);

  // crit
  add(
    "crit",
    "crit names an unknown extension (signed with the real secret)",
    craft({ ...hs, crit: ["x-unknown"], "x-unknown": 1 }, claims, secret),
  );
  add("crit", "crit is an empty array", craft({ ...hs, crit: [] }, claims, secret));
  add("crit", "crit is not an array", craft({ ...hs, crit: "exp" }, claims, secret));
  add(
    "crit",
    "unencoded payload (b64: false) declared critical",
    craft({ ...hs, b64: false, crit: ["b64"] }, claims, secret),
  );

  // kid injection: the classic attacks sign with the content the kid would select (empty file, SQL result)
  for (const kid of KID_INJECTIONS) {
    const label = JSON.stringify(kid.length > 40 ? `${kid.slice(0, 12)}…(${kid.length})` : kid);
    add("kid", `kid ${label} signed with an empty key`, craft({ ...hs, kid }, claims, ""));
    add("kid", `kid ${label} signed with "attacker"`, craft({ ...hs, kid }, claims, "attacker"));
  }
  add("kid", "kid as a number", craft({ ...hs, kid: 0 }, claims, ""));
  add("kid", "kid as an object", craft({ ...hs, kid: { $gt: "" } }, claims, ""));

  // malformed strings
  add("format", "no Authorization header", null, ["TOKEN_MISSING"]);
  cases.push({
    category: "format",
    name: 'Authorization "Bearer" without a token',
    authorization: "Bearer",
    expect: ["TOKEN_MISSING", "TOKEN_INVALID"],
  });
  cases.push({
    category: "format",
    name: 'Authorization "Bearer " with only spaces',
    authorization: "Bearer    ",
    expect: ["TOKEN_MISSING", "TOKEN_INVALID"],
  });
  cases.push({
    category: "format",
    name: "Basic scheme carrying a valid JWT",
    authorization: `Basic ${valid}`,
    expect: ["TOKEN_MISSING", "TOKEN_INVALID"],
  });
  cases.push({
    category: "format",
    name: "the valid JWT without any scheme",
    authorization: valid,
    expect: ["TOKEN_MISSING", "TOKEN_INVALID"],
  });
  cases.push({
    category: "format",
    name: "Bearer Bearer <valid>",
    authorization: `Bearer Bearer ${valid}`,
    expect: ["TOKEN_MISSING", "TOKEN_INVALID"],
  });
  cases.push({
    category: "format",
    name: "two tokens after Bearer",
    authorization: `Bearer ${valid} ${valid}`,
    expect: ["TOKEN_MISSING", "TOKEN_INVALID"],
  });
  add("format", "one segment", "abc");
  add("format", "two segments", `${vh}.${vp}`);
  add("format", "four segments", `${valid}.${vs}`);
  add(
    "format",
    "five segments (JWE shaped, alg dir)",
    `${b64u({ alg: "dir", enc: "A256GCM" })}..${b64u("iv")}.${b64u("ciphertext")}.${b64u("tag")}`,
  );
  add("format", "three empty segments", "..");
  add("format", "non-base64url characters", "!!!.@@@.###");
  add(
    "format",
    "standard base64 with + / =",
    `${Buffer.from(JSON.stringify(hs)).toString("base64")}+/=.${vp}.${vs}`,
  );
  add("format", "non-ASCII letters", "ünï.cödé.tökën");
  add("format", "valid token with a space inside", `${vh}.${vp.slice(0, 10)} ${vp.slice(10)}.${vs}`, [
    "TOKEN_MISSING",
    "TOKEN_INVALID",
  ]);
  add("format", "a 100-character random string", "x".repeat(100));
  add(
    "format",
    "oversized: 10 KB payload, bad signature",
    `${vh}.${b64u({ ...claims, pad: "p".repeat(7_500) })}.${vs}`,
  );
  add("format", "oversized: 60 KB of dots", ".".repeat(60_000), ["TOKEN_INVALID"], {
    allowHeaderTooLarge: true,
  });
  add("format", "oversized: 40 KB single segment", "A".repeat(40_000), ["TOKEN_INVALID"], {
    allowHeaderTooLarge: true,
  });

  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate hostile case name: ${c.name}`);
    names.add(c.name);
  }
  return cases;
}

/**
 * Key-confusion cases for the asymmetric mode (RS256 / EdDSA with the auth-service's JWKS): HS256 tokens whose
 * HMAC key is the public key in every encoding an unwary verifier might use, plus tokens from a foreign key pair
 * carrying the real `kid`. `hsSecret`, when given, is a shared secret the verifier also knows (must not be accepted
 * once the algorithm is pinned to the asymmetric one).
 */
export async function buildKeyConfusionTokens(publicJwk: JWK, hsSecret?: string): Promise<HostileCase[]> {
  const { createPublicKey } = await import("node:crypto");
  const claims = validClaims();
  const pub = createPublicKey({ key: publicJwk as import("node:crypto").JsonWebKey, format: "jwk" });
  const pem = pub.export({ type: "spki", format: "pem" }).toString();
  const der = pub.export({ type: "spki", format: "der" });
  const kid = publicJwk.kid;
  const hs = { alg: "HS256", typ: "JWT", ...(kid ? { kid } : {}) };
  const keys = attackerKeys();
  const cases: HostileCase[] = [];
  const add = (name: string, token: string) =>
    cases.push({
      category: "key-confusion",
      name,
      authorization: `Bearer ${token}`,
      expect: ["TOKEN_INVALID"],
    });
  add("HS256 keyed with the public key PEM", craft(hs, claims, pem));
  add("HS256 keyed with the public key PEM without trailing newline", craft(hs, claims, pem.trim()));
  add("HS256 keyed with the public key DER", craft(hs, claims, der));
  add("HS256 keyed with the public JWK JSON", craft(hs, claims, JSON.stringify(publicJwk)));
  if (publicJwk.n)
    add("HS256 keyed with the RSA modulus", craft(hs, claims, Buffer.from(publicJwk.n, "base64url")));
  if (publicJwk.x)
    add("HS256 keyed with the OKP/EC x coordinate", craft(hs, claims, Buffer.from(publicJwk.x, "base64url")));
  add("HS384 keyed with the public key PEM", craft({ ...hs, alg: "HS384" }, claims, pem, "HS384"));
  if (hsSecret)
    add("HS256 signed with the shared JWT_SECRET while asymmetric is pinned", craft(hs, claims, hsSecret));
  add(
    "RS256 from a foreign key pair with the real kid",
    await signAsym("RS256", keys.rsa.privateKey, claims, kid ? { kid } : {}),
  );
  add(
    "EdDSA from a foreign key pair with the real kid",
    await signAsym("EdDSA", keys.ed.privateKey, claims, kid ? { kid } : {}),
  );
  add(
    "ES256 from a foreign key pair with the real kid",
    await signAsym("ES256", keys.ec.privateKey, claims, kid ? { kid } : {}),
  );
  add(
    "foreign RS256 key embedded as jwk header with the real kid",
    await signAsym("RS256", keys.rsa.privateKey, claims, {
      ...(kid ? { kid } : {}),
      jwk: keys.rsa.publicKey.export({ format: "jwk" }) as JWK,
    }),
  );
  add("alg none with the real kid", `${b64u({ alg: "none", ...(kid ? { kid } : {}) })}.${b64u(claims)}.`);
  add("unknown kid", await signAsym("RS256", keys.rsa.privateKey, claims, { kid: "no-such-key" }));
  return cases;
}
