// The tutor's AuthClient against the real auth-service (PGlite): API keys (create, shown once; list; revoke) and the
// answer language of the profile (issue 15) as the next JWT carries it.
import { closeAddressAgents } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN } from "../../../services/auth/test/client.ts";
import { type RunningAuth, startAuth, uniqueEmail } from "../../../services/auth/test/helpers.ts";
import { AuthClient } from "./auth-client.ts";
import { TutorError } from "./tutor-error.ts";

afterAll(closeAddressAgents);

let auth: RunningAuth;
beforeAll(async () => {
  auth = await startAuth({ variant: "pglite" });
});
afterAll(() => auth?.stop());

/** A browser's cookie jar and Origin, which Node's fetch does not have. */
function browserFetch(): typeof fetch {
  let cookie = "";
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("origin", ORIGIN);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(input, { ...init, headers });
    const set = res.headers.getSetCookie().map((c) => c.split(";")[0]);
    if (set.length) cookie = set.join("; ");
    return res;
  };
}

describe("AuthClient API keys", () => {
  it("creates a key with scopes and an expiry, shows it once, lists and revokes it", async () => {
    const client = new AuthClient(auth.url, browserFetch());
    await client.signUp({
      name: "Keys",
      email: uniqueEmail("keys"),
      password: "correct horse battery",
      softwareBackground: "Beginner",
      hardwareBackground: "Beginner",
      interestArea: "",
    });
    expect(await client.listApiKeys()).toEqual([]);
    const created = await client.createApiKey({ name: "lms", scopes: ["search"], expiresInDays: 30 });
    expect(created.key).toMatch(/^aib_/);
    expect(created.scopes).toEqual(["search"]);
    const days = (new Date(created.expiresAt ?? 0).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    const listed = await client.listApiKeys();
    expect(listed).toEqual([expect.objectContaining({ id: created.id, name: "lms", scopes: ["search"] })]);
    expect(JSON.stringify(listed)).not.toContain(created.key);

    await expect(client.createApiKey({ name: "none", scopes: [], expiresInDays: 30 })).rejects.toBeInstanceOf(
      TutorError,
    );
    await client.revokeApiKey(created.id);
    expect(await client.listApiKeys()).toEqual([]);
  });
});

/** The JWT's claims, as the api-service reads them. */
function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}

describe("AuthClient preferred language for answers", () => {
  it("sets it at sign-up, changes and clears it with the profile, the next JWT carrying it", async () => {
    const client = new AuthClient(auth.url, browserFetch());
    const profile = {
      softwareBackground: "Beginner",
      hardwareBackground: "Advanced",
      interestArea: "",
    } as const;
    await client.signUp({
      name: "Lang",
      email: uniqueEmail("lang"),
      password: "correct horse battery",
      ...profile,
      preferredLanguage: "ur",
    });
    let jwt = await client.fetchJwt();
    expect(jwt?.user.preferredLanguage).toBe("ur");
    expect(claims(jwt?.token ?? "").preferredLanguage).toBe("ur");

    await client.updateProfile({ ...profile, preferredLanguage: "hi" });
    jwt = await client.fetchJwt();
    expect(claims(jwt?.token ?? "").preferredLanguage).toBe("hi");

    // A profile form without the field leaves it alone; "" is "same as the book".
    await client.updateProfile({ ...profile, interestArea: "gait" });
    jwt = await client.fetchJwt();
    expect(claims(jwt?.token ?? "")).toMatchObject({ preferredLanguage: "hi", interestArea: "gait" });
    await client.updateProfile({ ...profile, preferredLanguage: "" });
    jwt = await client.fetchJwt();
    expect(jwt?.user.preferredLanguage ?? null).toBeNull();
    expect(claims(jwt?.token ?? "").preferredLanguage ?? null).toBeNull();

    await expect(
      client.updateProfile({ ...profile, preferredLanguage: "not a language" }),
    ).rejects.toBeInstanceOf(TutorError);
  });
});
