// The whole reader flow with the real auth-service code: sign up with a profile, take the JWT it issues, ask the tutor.
import { chatResponseSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { startServer } from "@ai-book/http";
import { tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthService } from "../../../auth/src/app.ts";
import { loadConfig as loadAuthConfig } from "../../../auth/src/config.ts";
import { BOOK, startTestApi, TEST_SECRET, type TestApi } from "../../test/harness.ts";

const ORIGIN = "http://localhost:3000";
let api: TestApi;
let auth: Awaited<ReturnType<typeof createAuthService>>;
let authServer: Awaited<ReturnType<typeof startServer>>;
const dir = tempDir("ai-book-auth-");

beforeAll(async () => {
  auth = await createAuthService(
    loadAuthConfig({
      NODE_ENV: "test",
      DATA_DIR: dir.path,
      JWT_SECRET: TEST_SECRET,
      BETTER_AUTH_SECRET: "better-auth-secret-for-tests-0123456789abcdef",
      CORS_ORIGINS: ORIGIN,
      LOG_LEVEL: "silent",
    }),
  );
  authServer = await startServer(auth.app, { port: 0 });
  api = await startTestApi({ RATE_LIMIT_PER_MINUTE: "1000" });
});
afterAll(async () => {
  await api.stop();
  await authServer.close(1000);
  await auth.close();
  dir.cleanup();
});

async function signUp(email: string, profile: Record<string, string>): Promise<string> {
  const res = await fetch(`${authServer.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN },
    body: JSON.stringify({ email, password: "correct horse battery", name: "Reader", ...profile }),
  });
  expect(res.status).toBe(200);
  const token = res.headers.get(SET_AUTH_JWT_HEADER);
  expect(token).toBeTruthy();
  return token ?? "";
}

describe("reader flow with the real auth-service", () => {
  it("a JWT from sign-up gets cited answers, personalised by the profile it carries", async () => {
    const beginner = await signUp("beginner@example.com", {
      softwareBackground: "Beginner",
      hardwareBackground: "Beginner",
      interestArea: "agriculture",
    });
    const expert = await signUp("expert@example.com", {
      softwareBackground: "Advanced",
      hardwareBackground: "Advanced",
    });
    const ask = async (token: string) =>
      chatResponseSchema.parse(
        await (await api.post("/v1/chat", { message: "How is an IMU mounted in a robot?" }, token)).json(),
      );
    const b = await ask(beginner);
    const e = await ask(expert);
    expect(b.grounded).toBe(true);
    expect(b.sources[0]?.url).toBe(`${BOOK}/docs/sensors/imu#placement`);
    expect(b.response).toMatch(/\[1\]/);
    expect(b.response).toMatch(/basic idea/);
    expect(b.response.length).toBeGreaterThan(e.response.length);
  });

  it("GET /api/auth/jwt's token is accepted too", async () => {
    const res = await fetch(`${authServer.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ email: "third@example.com", password: "correct horse battery", name: "Third" }),
    });
    const { token: session } = (await res.json()) as { token: string };
    const jwt = await fetch(`${authServer.url}/api/auth/jwt`, {
      headers: { authorization: `Bearer ${session}`, origin: ORIGIN },
    });
    expect(jwt.status).toBe(200);
    const { token } = (await jwt.json()) as { token: string };
    const chat = await api.post("/v1/search", { query: "series elastic actuator" }, token);
    expect(chat.status).toBe(200);
  });
});
