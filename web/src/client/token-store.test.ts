// Tests of the in-memory JWT store: reuse while valid, refetch near expiry, one request for concurrent callers.
import type { JwtResponse } from "@ai-book/contracts";
import { describe, expect, it } from "vitest";
import { readTokenExpiry, TokenStore } from "./token-store.ts";

const tokenWithExp = (exp: number) =>
  `e30.${Buffer.from(JSON.stringify({ sub: "u", exp })).toString("base64url")}.sig`;
const response = (token: string) => ({ token, user: {} }) as unknown as JwtResponse;

describe("TokenStore", () => {
  it("reuses a token until a minute before it expires, then fetches a new one", async () => {
    let now = 1_000_000_000_000;
    const issued: string[] = [];
    const store = new TokenStore(
      async () => {
        const token = tokenWithExp(now / 1000 + 600);
        issued.push(token);
        return response(token);
      },
      () => now,
    );
    const first = await store.get();
    expect(await store.get()).toBe(first);
    now += 541_000;
    const second = await store.get();
    expect(second?.token).not.toBe(first?.token);
    expect(issued).toHaveLength(2);
  });

  it("shares one request between concurrent refreshes and forgets the token on clear", async () => {
    let calls = 0;
    const store = new TokenStore(async () => {
      calls += 1;
      return response(tokenWithExp(Date.now() / 1000 + 3600));
    });
    await Promise.all([store.refresh(), store.refresh(), store.get()]);
    expect(calls).toBe(1);
    store.clear();
    await store.get();
    expect(calls).toBe(2);
  });

  it("returns null when signed out", async () => {
    expect(await new TokenStore(async () => null).get()).toBeNull();
  });
});

describe("readTokenExpiry", () => {
  it("reads exp and tolerates garbage", () => {
    expect(readTokenExpiry(tokenWithExp(1234))).toBe(1234);
    expect(readTokenExpiry("not-a-jwt")).toBeUndefined();
    expect(readTokenExpiry("a.%%%.c")).toBeUndefined();
  });
});
