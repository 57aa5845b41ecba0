// The tutor's AuthClient managing API keys against the real auth-service (PGlite): create (shown once), list, revoke.
import { closeAddressAgents } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORIGIN, type RunningAuth, startAuth, uniqueEmail } from "../../../services/auth/test/helpers.ts";
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
