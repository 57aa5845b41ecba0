// Tests of error mapping: envelope and Better Auth bodies, Retry-After and friendly messages.
import { describe, expect, it } from "vitest";
import { errorFromResponse, formatWait, parseRetryAfter } from "./tutor-error.ts";

const envelope = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message, requestId: "r1" } }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

describe("errorFromResponse", () => {
  it("maps a rate limit with its wait time", async () => {
    const error = await errorFromResponse(
      envelope(429, "RATE_LIMITED", "slow down", { "retry-after": "120" }),
    );
    expect(error.info).toMatchObject({ kind: "rate_limited", retryAfterS: 120, requestId: "r1" });
    expect(error.message).toBe("Too many requests. Try again in 2 minutes.");
  });

  it("recognises duplicate email, weak password and bad credentials", async () => {
    expect((await errorFromResponse(envelope(422, "USER_ALREADY_EXISTS", "exists"))).info.kind).toBe(
      "duplicate_email",
    );
    const weak = await errorFromResponse(envelope(400, "PASSWORD_TOO_SHORT", "Password too short"));
    expect(weak.info).toMatchObject({ kind: "weak_password", message: "Password too short" });
    expect(
      (await errorFromResponse(envelope(400, "VALIDATION_ERROR", "password: too small"))).info.kind,
    ).toBe("weak_password");
    expect((await errorFromResponse(envelope(401, "INVALID_EMAIL_OR_PASSWORD", "x"))).info.kind).toBe(
      "bad_credentials",
    );
  });

  it("reads Better Auth's flat body and survives a non-JSON body", async () => {
    const flat = new Response(
      JSON.stringify({ code: "USER_ALREADY_EXISTS", message: "User already exists" }),
      {
        status: 422,
      },
    );
    expect((await errorFromResponse(flat)).info.kind).toBe("duplicate_email");
    const html = await errorFromResponse(new Response("<h1>Bad gateway</h1>", { status: 502 }));
    expect(html.info).toMatchObject({ kind: "server", code: "HTTP_502", status: 502 });
  });

  it("shows a wrong or reused two-factor code as the server words it, not as an ended session", async () => {
    for (const code of ["INVALID_TWO_FACTOR_CODE", "TWO_FACTOR_CODE_REUSED"]) {
      const error = await errorFromResponse(envelope(401, code, "This code has already been used."));
      expect(error.info).toMatchObject({ kind: "validation", message: "This code has already been used." });
    }
  });

  it("treats other 401s as an ended session", async () => {
    expect((await errorFromResponse(envelope(401, "TOKEN_EXPIRED", "expired"))).info.kind).toBe(
      "unauthorized",
    );
  });
});

describe("Retry-After", () => {
  it("parses seconds and HTTP dates", () => {
    expect(parseRetryAfter("30")).toBe(30);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1_000)).toBe(60);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });

  it("formats waits for people", () => {
    expect(formatWait(1)).toBe("1 second");
    expect(formatWait(45)).toBe("45 seconds");
    expect(formatWait(900)).toBe("15 minutes");
  });
});
