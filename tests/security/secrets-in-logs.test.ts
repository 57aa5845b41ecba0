// A full reader flow at debug log level, then a search of every log line and response body for secrets, passwords, cookies and tokens.
import { newSecret, type RunningSystem, startSystem, TRUSTED_ORIGIN } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Answer, call, figure, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

describe("no secret in logs or error messages", () => {
  const jwtSecret = newSecret();
  const betterAuthSecret = newSecret();
  let system: RunningSystem;

  beforeAll(async () => {
    // The reader flow is the test itself, so no reader is signed up before it.
    system = await startSystem({
      tempPrefix: "ai-book-logs-",
      jwtSecret,
      logLevel: "debug",
      readers: 0,
      auth: { betterAuthSecret },
      api: { rateLimitPerMinute: 1000 },
    });
  });
  afterAll(() => system?.stop());

  it("logs none of them through sign-up, sign-in, tokens, profile and password changes, chat, errors and sign-out", async () => {
    const { auth, api } = system;
    const email = `logs-${Date.now().toString(36)}@example.test`;
    const password = `Pw-${newSecret().slice(0, 20)}`;
    const newPassword = `Pw2-${newSecret().slice(0, 20)}`;
    const answers: Answer[] = [];
    const a = async (p: Promise<Answer>) => {
      const r = await p;
      answers.push(r);
      return r;
    };
    const origin = { origin: TRUSTED_ORIGIN };

    const up = await a(
      postJson(
        `${auth.url}/api/auth/sign-up/email`,
        { name: "Log Reader", email, password },
        { headers: origin },
      ),
    );
    expect(up.status, up.text).toBe(200);
    const signedIn = await a(
      postJson(`${auth.url}/api/auth/sign-in/email`, { email, password }, { headers: origin }),
    );
    expect(signedIn.status, signedIn.text).toBe(200);
    const sessionToken = (signedIn.json as { token: string }).token;
    const cookies = signedIn.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    const cookieHeader = cookies.map((c) => c.split(";")[0]).join("; ");
    const cookieValues = cookies.map((c) =>
      decodeURIComponent(c.split(";")[0]!.split("=").slice(1).join("=")),
    );
    const headerJwt = signedIn.headers.get("set-auth-jwt") ?? "";

    const bySession = { authorization: `Bearer ${sessionToken}`, ...origin };
    await a(call(`${auth.url}/api/auth/get-session`, { headers: { cookie: cookieHeader } }));
    const jwtRes = await a(call(`${auth.url}/api/auth/jwt`, { headers: { cookie: cookieHeader } }));
    expect(jwtRes.status, jwtRes.text).toBe(200);
    const jwt = (jwtRes.json as { token: string }).token;
    await a(
      postJson(
        `${auth.url}/api/auth/update-user`,
        { interestArea: "balance control" },
        { headers: bySession },
      ),
    );
    const changed = await a(
      postJson(
        `${auth.url}/api/auth/change-password`,
        { currentPassword: password, newPassword },
        { headers: bySession },
      ),
    );
    expect(changed.status, changed.text).toBe(200);
    // Failures are where secrets leak: wrong password, wrong current password, a bad token, malformed JSON.
    await a(
      postJson(
        `${auth.url}/api/auth/sign-in/email`,
        { email, password: `${password}-wrong` },
        { headers: origin },
      ),
    );
    await a(
      postJson(
        `${auth.url}/api/auth/change-password`,
        { currentPassword: password, newPassword: password },
        { headers: bySession },
      ),
    );
    await a(
      postJson(`${auth.url}/api/auth/sign-up/email`, `{"email":"${email}","password":"${password}"`, {
        headers: origin,
      }),
    );
    await a(call(`${auth.url}/api/auth/jwt`, { headers: { authorization: `Bearer ${sessionToken}x` } }));

    const bearer = { authorization: `Bearer ${jwt}` };
    expect(
      (await a(postJson(`${api.url}/v1/chat`, { message: "What is an IMU?" }, { headers: bearer }))).status,
    ).toBe(200);
    await a(
      call(`${api.url}/v1/chat/stream`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: '{"message":"imu"}',
      }),
    );
    await a(
      postJson(
        `${api.url}/v1/search`,
        { query: "imu" },
        { headers: { authorization: `Bearer ${jwt.slice(0, -3)}abc` } },
      ),
    );
    await a(
      postJson(
        `${api.url}/v1/search`,
        { query: "imu" },
        { headers: { authorization: `Bearer ${jwt}`, "x-debug": jwtSecret } },
      ),
    );
    await a(postJson(`${api.url}/v1/search`, `{"query": "${password}"`, { headers: bearer }));
    await a(postJson(`${auth.url}/api/auth/sign-out`, {}, { headers: { cookie: cookieHeader, ...origin } }));

    const secrets: Record<string, string> = {
      JWT_SECRET: jwtSecret,
      BETTER_AUTH_SECRET: betterAuthSecret,
      password,
      newPassword,
      "session token": sessionToken,
      "session token id part": sessionToken.split(".")[0]!,
      "access JWT": jwt,
      "access JWT signature": jwt.split(".")[2]!,
      "set-auth-jwt": headerJwt,
      ...Object.fromEntries(cookieValues.map((v, i) => [`cookie ${i}`, v])),
    };
    const logs = `${auth.output()}\n${api.output()}`;
    const leaks = Object.entries(secrets)
      .filter(([, v]) => v && v.length >= 8 && logs.includes(v))
      .map(([name]) => name);
    // Response bodies may carry the reader's own tokens (that is their job), never secrets or passwords.
    const bodies = answers.map((r) => r.text).join("\n");
    const echoed = ["JWT_SECRET", "BETTER_AUTH_SECRET", "password", "newPassword"].filter((k) =>
      bodies.includes(secrets[k]!),
    );
    figure(
      "security",
      `log leak search: ${Object.keys(secrets).length} secret values × ${auth.lines.length + api.lines.length} log lines and ${answers.length} response bodies`,
    );
    expect(leaks, "found in logs").toEqual([]);
    expect(echoed, "echoed in responses").toEqual([]);
    expect(auth.lines.length + api.lines.length).toBeGreaterThan(10);
  });
});
