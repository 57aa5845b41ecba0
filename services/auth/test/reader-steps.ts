// Steps of a signed-in reader that several suites take; each step asserts its answers as the suites did inline.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { expect } from "vitest";
import { call } from "./client.ts";
import type { RunningAuth } from "./helpers.ts";

/** Saves profile fields for the reader whose session is `cookie`, then returns the JWT minted after the change. */
export async function jwtAfterProfileUpdate(
  auth: RunningAuth,
  reader: { from: string; cookie: string },
  profile: Record<string, unknown>,
): Promise<string> {
  const update = await call(auth.url, "/api/auth/update-user", { ...reader, body: profile });
  expect(update.status).toBe(200);
  const jwt = await call(auth.url, "/api/auth/jwt", reader);
  expect(jwt.status).toBe(200);
  return jwt.json.token as string;
}

/** Asks for `path` in the reader's session with a wrong password, and expects the refusal: 400 INVALID_PASSWORD. */
export async function expectWrongPasswordRefused(
  auth: RunningAuth,
  reader: { from: string; cookie: string },
  path: string,
): Promise<void> {
  const res = await call(auth.url, path, { ...reader, body: { password: "not my password" } });
  expect(res.status).toBe(400);
  expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("INVALID_PASSWORD");
}
