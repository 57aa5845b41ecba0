// Loopback names for the services as the page uses them, and the message when the session cookie was not kept.
import { describe, expect, it } from "vitest";
import { cookieNotKeptError, sameLoopbackName } from "./session-host.ts";

describe("sameLoopbackName", () => {
  it("calls the services by the page's loopback name", () => {
    expect(sameLoopbackName("http://localhost:3001", "127.0.0.1")).toBe("http://127.0.0.1:3001");
    expect(sameLoopbackName("http://127.0.0.1:8000/", "localhost")).toBe("http://localhost:8000");
    expect(sameLoopbackName("http://localhost:3001/base", "[::1]")).toBe("http://[::1]:3001/base");
  });

  it("leaves every other combination as configured", () => {
    expect(sameLoopbackName("http://localhost:3001", "localhost")).toBe("http://localhost:3001");
    expect(sameLoopbackName("https://auth.example.com", "127.0.0.1")).toBe("https://auth.example.com");
    expect(sameLoopbackName("http://localhost:3001", "book.example.com")).toBe("http://localhost:3001");
    expect(sameLoopbackName("http://localhost:3001", undefined)).toBe("http://localhost:3001");
    expect(sameLoopbackName("not a url", "127.0.0.1")).toBe("not a url");
  });
});

describe("cookieNotKeptError", () => {
  it("names both hosts and the address to open when they differ", () => {
    const { info } = cookieNotKeptError("http://localhost:3001", "http://book.test:3000/docs/intro?x=1#h");
    expect(info.code).toBe("SESSION_COOKIE_NOT_KEPT");
    expect(info.message).toContain("this page is on book.test and the sign-in service on localhost");
    expect(info.message).toContain("Open the book at http://localhost:3000/docs/intro");
  });

  it("asks to allow cookies when the hosts are the same", () => {
    const { info } = cookieNotKeptError("https://book.example.com/auth", "https://book.example.com/docs/");
    expect(info.message).toMatch(/did not keep the session cookie\. Allow cookies/);
  });
});
