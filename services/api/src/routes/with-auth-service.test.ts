// The whole reader flow with the real auth-service code: sign up with a profile, take the JWT it issues, ask the tutor.
import { chatResponseSchema, SET_AUTH_JWT_HEADER } from "@ai-book/contracts";
import { describe, expect, it } from "vitest";
import { AUTH_ORIGIN, authAndApiForFile, BOOK } from "../../test/harness.ts";

const file = authAndApiForFile();

async function signUp(email: string, profile: Record<string, string>): Promise<string> {
  const res = await fetch(`${file.authUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: AUTH_ORIGIN },
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
        await (
          await file.api.post("/v1/chat", { message: "How is an IMU mounted in a robot?" }, token)
        ).json(),
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
    const res = await fetch(`${file.authUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: AUTH_ORIGIN },
      body: JSON.stringify({ email: "third@example.com", password: "correct horse battery", name: "Third" }),
    });
    const { token: session } = (await res.json()) as { token: string };
    const jwt = await fetch(`${file.authUrl}/api/auth/jwt`, {
      headers: { authorization: `Bearer ${session}`, origin: AUTH_ORIGIN },
    });
    expect(jwt.status).toBe(200);
    const { token } = (await jwt.json()) as { token: string };
    const chat = await file.api.post("/v1/search", { query: "series elastic actuator" }, token);
    expect(chat.status).toBe(200);
  });
});
