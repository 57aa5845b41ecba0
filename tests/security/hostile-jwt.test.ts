// The corpus itself: a strict reference verifier (jose + the contract) accepts the valid token and refuses every hostile one.
import { generateKeyPairSync } from "node:crypto";
import { JWT_AUDIENCE, JWT_CLOCK_TOLERANCE_S, JWT_ISSUER, jwtClaimsSchema } from "@ai-book/contracts";
import { errors, type JWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { buildHostileTokens, buildKeyConfusionTokens, signValid } from "./hostile-jwt.ts";

const SECRET = "s".repeat(24) + Math.random().toString(36).slice(2, 14);

/** What a correct api-service does, in a few lines: the bar the corpus is measured against. */
async function referenceVerify(authorization: string | null, key: Uint8Array | CryptoKey | JWK, alg: string) {
  const m = /^Bearer ([^\s]+)$/.exec(authorization ?? "");
  if (!m?.[1]) return "TOKEN_MISSING_OR_INVALID";
  try {
    const k = "kty" in (key as object) ? await (await import("jose")).importJWK(key as JWK, alg) : key;
    const { payload } = await jwtVerify(m[1], k as Uint8Array, {
      algorithms: [alg],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      requiredClaims: ["exp", "iat"],
      clockTolerance: JWT_CLOCK_TOLERANCE_S,
    });
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + JWT_CLOCK_TOLERANCE_S)
      return "IAT_FUTURE";
    if (!jwtClaimsSchema.safeParse(payload).success) return "CLAIMS";
    return "OK";
  } catch (err) {
    return err instanceof errors.JWTExpired ? "TOKEN_EXPIRED" : "TOKEN_INVALID";
  }
}

describe("hostile JWT corpus", () => {
  it("HS256: the valid token passes the reference verifier and every hostile token fails it", async () => {
    const key = new TextEncoder().encode(SECRET);
    expect(await referenceVerify(`Bearer ${await signValid(SECRET)}`, key, "HS256")).toBe("OK");
    const corpus = await buildHostileTokens(SECRET);
    const accepted: string[] = [];
    for (const c of corpus) {
      const r = await referenceVerify(c.authorization, key, "HS256");
      if (r === "OK") accepted.push(c.name);
      if (c.expect.length === 1 && c.expect[0] === "TOKEN_EXPIRED") expect(r, c.name).toBe("TOKEN_EXPIRED");
    }
    expect(accepted).toEqual([]);
    const categories = new Set(corpus.map((c) => c.category));
    console.log(
      `[security] hostile JWT corpus: ${corpus.length} HS256 tokens in ${categories.size} categories`,
    );
    expect(corpus.length).toBeGreaterThan(100);
  });

  it("RS256: key-confusion tokens all fail against the real public key", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = { ...(publicKey.export({ format: "jwk" }) as JWK), kid: "k1", alg: "RS256" };
    const { SignJWT } = await import("jose");
    const { validClaims } = await import("./hostile-jwt.ts");
    const good = await new SignJWT({ ...validClaims() })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(privateKey);
    expect(await referenceVerify(`Bearer ${good}`, jwk, "RS256")).toBe("OK");
    const corpus = await buildKeyConfusionTokens(jwk, SECRET);
    for (const c of corpus)
      expect(await referenceVerify(c.authorization, jwk, "RS256"), c.name).not.toBe("OK");
    console.log(`[security] key-confusion corpus: ${corpus.length} tokens`);
  });
});
