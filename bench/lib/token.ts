// Mints an access token exactly as the contract says (the auth-service's claims, HS256) for load runs on both sides.
import { randomUUID } from "node:crypto";
import { JWT_AUDIENCE, JWT_ISSUER, type JwtClaims, jwtClaimsSchema } from "@ai-book/contracts";
import { SignJWT } from "jose";

export async function mintToken(
  secret: string,
  userId = "bench-reader",
  profile: Partial<Pick<JwtClaims, "softwareBackground" | "hardwareBackground" | "interestArea">> = {},
): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims = jwtClaimsSchema.parse({
    userId,
    email: `${userId}@example.com`,
    name: "Bench Reader",
    emailVerified: true,
    sid: `sid-${userId}`,
    softwareBackground: "Intermediate",
    hardwareBackground: "Beginner",
    interestArea: "humanoid locomotion",
    ...profile,
    sub: userId,
    jti: randomUUID(),
    iat,
    exp: iat + 3600,
    iss: JWT_ISSUER,
    aud: JWT_AUDIENCE,
  });
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(secret));
}
