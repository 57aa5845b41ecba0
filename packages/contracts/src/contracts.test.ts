// The shared contracts accept what the services produce and reject what they must refuse.
import { describe, expect, it } from "vitest";
import { chatRequestSchema, ERROR_CODES, errorEnvelopeSchema, jwtClaimsSchema } from "./index.ts";

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

  it("chat request: trims the message, refuses unknown fields and too much history", () => {
    expect(chatRequestSchema.parse({ message: "  what is ZMP?  " }).message).toBe("what is ZMP?");
    expect(chatRequestSchema.safeParse({ message: "hi", extra: 1 }).success).toBe(false);
    const turn = { role: "user", content: "x" };
    expect(chatRequestSchema.safeParse({ message: "hi", history: Array(21).fill(turn) }).success).toBe(false);
    expect(chatRequestSchema.safeParse({ message: "" }).success).toBe(false);
  });
});
