// Issue 19, findings 10 and 13 (log identifiers) on the real auth-service: per-account failed sign-in throttle that reveals nothing, a global sign-up quota, no raw email in failure logs.
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
import { type Answer, envelopeCode, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const PASSWORD = "a long and unusual passphrase";
const QUOTA = 3;

describe("finding 10: anti-automation on the auth-service", () => {
  const dir = tempDir("ai-book-automation-");
  let auth: ServiceProcess;
  let next = 300;
  // A fresh address per request: the per-address limit (5 per 15 minutes) must not be what stops these.
  const from = () => fromAddress(clientAddress(next++));
  const signIn = (email: string, password: string) =>
    postJson(
      `${auth.url}/api/auth/sign-in/email`,
      { email, password },
      { headers: { origin: TRUSTED_ORIGIN }, dispatcher: from() },
    );
  const signUp = (email: string) =>
    postJson(
      `${auth.url}/api/auth/sign-up/email`,
      { name: "Reader", email, password: PASSWORD },
      { headers: { origin: TRUSTED_ORIGIN }, dispatcher: from() },
    );

  beforeAll(async () => {
    auth = await startAuthProcess({
      dataDir: `${dir.path}/auth`,
      jwtSecret: newSecret(),
      env: { SIGNUP_MAX_PER_HOUR: String(QUOTA) },
    });
  });
  afterAll(async () => {
    await auth?.stop();
    await closeAddressAgents();
    dir.cleanup();
  });

  const expectLocked = (a: Answer) => {
    expect(a.status, a.text).toBe(429);
    expect(envelopeCode(a)).toBe("RATE_LIMITED");
    expect(Number(a.headers.get("retry-after"))).toBeGreaterThan(0);
    return (a.json as { error: { message: string } }).error.message;
  };

  it("locks an account after 10 failed sign-ins from many addresses, even for the right password; an unknown email alike", async () => {
    const email = `victim-${newSecret().slice(0, 8).toLowerCase()}@example.test`;
    expect((await signUp(email)).status).toBe(200);
    const ghost = `ghost-${newSecret().slice(0, 8).toLowerCase()}@example.test`;
    for (let i = 0; i < 10; i++) {
      expect((await signIn(email, `wrong guess number ${i}`)).status).toBe(401);
      expect((await signIn(ghost, `wrong guess number ${i}`)).status).toBe(401);
    }
    const locked = expectLocked(await signIn(email, PASSWORD));
    const ghostLocked = expectLocked(await signIn(ghost, "whatever it may be"));
    // The lockout reads the same whether the account exists or not.
    expect(ghostLocked).toBe(locked);
    // Another account is not affected.
    const other = `other-${newSecret().slice(0, 8).toLowerCase()}@example.test`;
    expect((await signUp(other)).status).toBe(200);
    expect((await signIn(other, PASSWORD)).status).toBe(200);

    // ASVS 7.2.1: failures are logged with an account identifier that is not the email.
    const failures = auth.jsonLines().filter((l) => l.msg === "sign-in failed");
    expect(failures.length).toBeGreaterThanOrEqual(20);
    expect(typeof failures[0]?.account).toBe("string");
    expect(auth.output()).not.toContain(email);
    expect(auth.output()).not.toContain(ghost);
  });

  it(`refuses sign-ups beyond the hourly quota (${QUOTA}) from any address, with 429 and Retry-After`, async () => {
    // The first test used two of the quota.
    const answers: Answer[] = [];
    for (let i = 0; i < QUOTA; i++)
      answers.push(await signUp(`quota-${i}-${newSecret().slice(0, 6).toLowerCase()}@example.test`));
    expect(answers.map((a) => a.status)).toEqual([200, 429, 429]);
    expectLocked(answers[2] as Answer);
  });
});
