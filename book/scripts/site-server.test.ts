// The book's start-up line names the address whose cookies work with the services (localhost), never a loopback IP.
import { describe, expect, it } from "vitest";
import { readerUrl } from "./site-server.ts";

describe("readerUrl", () => {
  it("tells readers localhost for a loopback IP, keeping the port", () => {
    expect(readerUrl("http://127.0.0.1:3000")).toBe("http://localhost:3000");
    expect(readerUrl("http://[::1]:3000")).toBe("http://localhost:3000");
  });

  it("keeps a real host name as it is", () => {
    expect(readerUrl("http://localhost:3000")).toBe("http://localhost:3000");
    expect(readerUrl("https://book.example.com")).toBe("https://book.example.com");
  });
});
