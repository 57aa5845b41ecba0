// The book's static server: its Content-Security-Policy (issue 19, finding 9) and the address its start-up line names.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, readerUrl, startSiteServer } from "./site-server.ts";

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

describe("site server", () => {
  const dir = { path: mkdtempSync(join(tmpdir(), "ai-book-site-")) };
  afterAll(() => rmSync(dir.path, { recursive: true, force: true }));

  it("sends img-src 'self' on pages and on the runtime config", async () => {
    mkdirSync(join(dir.path, "docs"), { recursive: true });
    writeFileSync(join(dir.path, "index.html"), "<!doctype html><title>book</title>");
    const site = await startSiteServer({
      dir: dir.path,
      port: 0,
      host: "127.0.0.1",
      urls: { authUrl: "http://127.0.0.1:1", apiUrl: "http://127.0.0.1:2" },
    });
    try {
      for (const path of ["/", "/tutor-config.js", "/missing"]) {
        const res = await fetch(`${site.url}${path}`);
        await res.text();
        expect(res.headers.get("content-security-policy"), path).toBe(CONTENT_SECURITY_POLICY);
      }
      expect(CONTENT_SECURITY_POLICY).toMatch(/img-src 'self'/);
    } finally {
      await site.close();
    }
  });

  it("asks a function for the service URLs at each request, so it can listen before the services have ports", async () => {
    writeFileSync(join(dir.path, "tutor-config.js"), "/* the build's own */");
    let urls: { authUrl: string; apiUrl: string } | undefined;
    const site = await startSiteServer({ dir: dir.path, port: 0, host: "127.0.0.1", urls: () => urls });
    try {
      expect(await (await fetch(`${site.url}/tutor-config.js`)).text()).toContain("the build's own");
      urls = { authUrl: "http://127.0.0.1:4101", apiUrl: "http://127.0.0.1:4102" };
      const config = await (await fetch(`${site.url}/tutor-config.js`)).text();
      expect(config).toContain("http://127.0.0.1:4101");
      expect(config).toContain("http://127.0.0.1:4102");
    } finally {
      await site.close();
    }
  });
});
