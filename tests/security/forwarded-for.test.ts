// Issue 19, finding 11: with TRUST_PROXY=2, a request whose X-Forwarded-For chain is shorter than two hops is counted by its socket address, so rotating the header does not escape the sign-in limit.
import {
  clientAddress,
  closeAddressAgents,
  fromAddress,
  newSecret,
  type ServiceProcess,
  startAuthProcess,
  TRUSTED_ORIGIN,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

describe("finding 11: a short X-Forwarded-For chain falls back to the socket address", () => {
  const dir = tempDir("ai-book-xff-");
  let auth: ServiceProcess;
  beforeAll(async () => {
    auth = await startAuthProcess({ dataDir: `${dir.path}/auth`, jwtSecret: newSecret(), trustProxy: 2 });
  });
  afterAll(async () => {
    await auth?.stop();
    await closeAddressAgents();
    dir.cleanup();
  });

  it("a client rotating a one-entry X-Forwarded-For is still limited to 5 sign-in attempts", async () => {
    const socket = fromAddress(clientAddress(77));
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const a = await postJson(
        `${auth.url}/api/auth/sign-in/email`,
        { email: "nobody@example.test", password: "not the password at all" },
        { headers: { origin: TRUSTED_ORIGIN, "x-forwarded-for": `6.6.${i}.6` }, dispatcher: socket },
      );
      statuses.push(a.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });
});
