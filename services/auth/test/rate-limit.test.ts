// Rate limits per client address: 5 sign-ins per 15 minutes, 429 in our envelope, buckets by socket (or trusted proxy).
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { closeAddressAgents } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER } from "../src/auth.ts";
import { call } from "./client.ts";
import { type RunningAuth, startAuth, uniqueEmail } from "./helpers.ts";

afterAll(closeAddressAgents);

function signIn(auth: RunningAuth, from: string, email: string, headers: Record<string, string> = {}) {
  return call(auth.url, "/api/auth/sign-in/email", {
    from,
    headers,
    body: { email, password: "certainly not the password" },
  });
}

function expect429(res: { status: number; json: unknown; headers: Headers }) {
  expect(res.status).toBe(429);
  expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("RATE_LIMITED");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
}

describe("sign-in rate limit", () => {
  let auth: RunningAuth;
  /** A second instance on the same database, configured to sit behind one trusted proxy. */
  let proxied: RunningAuth;
  beforeAll(async () => {
    auth = await startAuth();
    proxied = await startAuth({ env: { TRUST_PROXY: "1" }, shareDatabaseOf: auth });
  });
  afterAll(async () => {
    await proxied?.stop();
    await auth?.stop();
  });

  it("answers the sixth sign-in within 15 minutes with 429 + Retry-After, per socket address", async () => {
    const email = uniqueEmail("limited");
    const a = "127.0.21.1";
    const b = "127.0.21.2";
    for (let i = 0; i < 5; i++) expect((await signIn(auth, a, email)).status).toBe(401);
    expect429(await signIn(auth, a, email));
    // Headers cannot move a client to another bucket when no proxy is trusted.
    expect429(await signIn(auth, a, email, { "x-forwarded-for": "203.0.113.9" }));
    expect429(await signIn(auth, a, email, { [CLIENT_IP_HEADER]: "203.0.113.10" }));
    // Another client (another socket address) is not affected.
    expect((await signIn(auth, b, email)).status).toBe(401);
    // Other endpoints keep their own budget.
    expect((await call(auth.url, "/api/auth/get-session", { from: a })).status).toBe(200);
  });

  it("buckets by the X-Forwarded-For client when TRUST_PROXY=1", async () => {
    const email = uniqueEmail("proxied");
    const proxy = "127.0.22.1";
    const alice = { "x-forwarded-for": "198.51.100.1" };
    const bob = { "x-forwarded-for": "198.51.100.2" };
    for (let i = 0; i < 5; i++) expect((await signIn(proxied, proxy, email, alice)).status).toBe(401);
    expect429(await signIn(proxied, proxy, email, alice));
    expect((await signIn(proxied, proxy, email, bob)).status).toBe(401);
  });
});
