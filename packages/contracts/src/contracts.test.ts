// The shared contracts accept what the services produce and reject what they must refuse.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { chatRequestSchema, ERROR_CODES, errorEnvelopeSchema, jwtClaimsSchema } from "./index.ts";
import { readerProfileSchema } from "./profile.ts";

/** The claims schema as it was before roles and API keys (issue 14): a verifier that has not been upgraded. */
const claimsBeforeRoles = z
  .object({
    userId: z.string().min(1),
    email: z.string().email(),
    name: z.string(),
    emailVerified: z.boolean(),
    sid: z.string().min(1),
  })
  .extend(readerProfileSchema.shape)
  .extend({
    sub: z.string().min(1),
    jti: z.string().min(1),
    iat: z.number().int(),
    exp: z.number().int(),
    iss: z.literal("auth-service"),
    aud: z.literal("api-service"),
  });

const claims = {
  userId: "u1",
  sub: "u1",
  email: "ada@example.com",
  name: "Ada",
  emailVerified: false,
  softwareBackground: "Beginner",
  hardwareBackground: null,
  interestArea: "humanoids",
  sid: "s1",
  jti: "j1",
  iat: 1_700_000_000,
  exp: 1_700_604_800,
  iss: "auth-service",
  aud: "api-service",
};

describe("contracts", () => {
  it("every error code is UPPER_SNAKE with a 4xx/5xx status", () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(errorEnvelopeSchema.safeParse({ error: { code, message: "m", requestId: "r" } }).success).toBe(
        true,
      );
    }
  });

  it("JWT claims: accepts the architecture's payload, refuses a malformed issuer, audience or profile value", () => {
    expect(jwtClaimsSchema.parse(claims).userId).toBe("u1");
    // Which iss/aud are accepted is the verifier's configuration (JWT_ISSUER / JWT_AUDIENCE); the shape is the contract's.
    expect(jwtClaimsSchema.safeParse({ ...claims, iss: 42 }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, iss: "" }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, aud: [] }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, softwareBackground: "guru" }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, exp: "soon" }).success).toBe(false);
  });

  it("JWT claims are backward compatible both ways: old tokens read as reader, old verifiers accept new tokens", () => {
    // An old token (no role) parses, as a reader.
    expect(jwtClaimsSchema.parse(claims).role).toBe("reader");
    // New tokens (a role; a key's id and scopes) parse with the schema of before.
    const author = { ...claims, role: "author" };
    const keyToken = { ...claims, sid: "apikey:k1", role: "reader", keyId: "k1", scopes: ["search"] };
    expect(claimsBeforeRoles.parse(author).userId).toBe("u1");
    expect(claimsBeforeRoles.parse(keyToken).userId).toBe("u1");
    expect(jwtClaimsSchema.parse(author).role).toBe("author");
    expect(jwtClaimsSchema.parse(keyToken)).toMatchObject({ keyId: "k1", scopes: ["search"] });
  });

  it("preferredLanguage (issue 15): absent on old tokens, a language code or null on new ones", () => {
    expect(jwtClaimsSchema.parse(claims).preferredLanguage ?? null).toBeNull();
    expect(jwtClaimsSchema.parse({ ...claims, preferredLanguage: "ur" }).preferredLanguage).toBe("ur");
    expect(jwtClaimsSchema.parse({ ...claims, preferredLanguage: null }).preferredLanguage).toBeNull();
    expect(jwtClaimsSchema.parse({ ...claims, preferredLanguage: "pt-BR" }).preferredLanguage).toBe("pt-BR");
    for (const bad of ["Urdu", "u", "ur_PK", 42, "ur; drop"])
      expect(jwtClaimsSchema.safeParse({ ...claims, preferredLanguage: bad }).success, String(bad)).toBe(
        false,
      );
  });

  it("JWT claims: unknown roles and scopes are refused, keyId and scopes come together", () => {
    expect(jwtClaimsSchema.safeParse({ ...claims, role: "owner" }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, keyId: "k1", scopes: ["admin"] }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, keyId: "k1", scopes: [] }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, keyId: "k1" }).success).toBe(false);
    expect(jwtClaimsSchema.safeParse({ ...claims, scopes: ["chat"] }).success).toBe(false);
  });

  it("chat request: trims the message, refuses unknown fields and too much history", () => {
    expect(chatRequestSchema.parse({ message: "  what is ZMP?  " }).message).toBe("what is ZMP?");
    expect(chatRequestSchema.safeParse({ message: "hi", extra: 1 }).success).toBe(false);
    const turn = { role: "user", content: "x" };
    expect(chatRequestSchema.safeParse({ message: "hi", history: Array(21).fill(turn) }).success).toBe(false);
    expect(chatRequestSchema.safeParse({ message: "" }).success).toBe(false);
  });
});
