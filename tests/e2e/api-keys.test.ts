// API keys in real Chromium: a reader creates a key in the tutor's profile (shown once), a server uses it exactly as
// the docs' curl example does (exchange at the auth-service, then the api-service with the short JWT; fetch here),
// and revoking it in the profile stops the exchange and the token already exchanged (shared revocation file).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "@ai-book/testkit";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./browser.ts";
import { type Stack, stackMissing, startStack } from "./stack.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const missing = chromiumMissing() ?? stackMissing();
if (missing) console.warn(`[e2e] skipping the API-key walk: ${missing}`);

function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 30_000, interval: 100, ...options });
}

describe.skipIf(Boolean(missing))("API keys in Chromium, used by a server (real services)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let stack: Stack;
  let browser: BrowserContext;
  let page: Page;
  let key = "";
  let token = "";

  /** What a course platform's server does with the key: exchange it, then call the api-service. */
  async function exchange(apiKey: string) {
    const res = await fetch(`${stack.authUrl}/api/auth/api-key/exchange`, {
      method: "POST",
      headers: { "x-api-key": apiKey },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const callApi = (path: string, body: unknown, jwt: string) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    tmp = tempDir("ai-book-e2e-keys-");
    mkdirSync(ARTIFACTS, { recursive: true });
    // Both services on one revocation file: a revoked key's tokens reach the api-service without Redis.
    stack = await startStack(tmp.path, { env: { REVOCATION_DB_PATH: join(tmp.path, "revocations.sqlite") } });
    browser = await launchChromium(join(tmp.path, "chromium"));
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") console.warn(`[browser] ${m.text()}`);
    });
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    tmp?.cleanup();
  });

  it("creates a search key in the profile; the key is shown once and listed without its secret", async () => {
    await page.goto(`${stack.siteUrl}/docs/`);
    await page.getByTestId("tutor-launcher").click();
    await page.getByRole("button", { name: "Sign in or sign up" }).click();
    const form = page.getByTestId("tutor-sign-up");
    await form.getByLabel("Name").fill("Lena Platform");
    await form.getByLabel("Email").fill(`keys-${Date.now().toString(36)}@example.test`);
    await form.getByLabel(/^Password/).fill("correct horse battery");
    await form.getByLabel(/^Password/).press("Enter");
    const tab = page
      .getByRole("navigation", { name: "Tutor views" })
      .getByRole("button", { name: "Profile" });
    await eventually(() => tab.isVisible()).toBe(true);
    await tab.click();

    const keys = page.getByTestId("tutor-api-keys");
    await eventually(() => keys.isVisible()).toBe(true);
    await keys.getByLabel("Name").fill("course platform");
    // "search" is ticked by default; chat stays off.
    await expect(keys.getByRole("checkbox", { name: "search" }).isChecked()).resolves.toBe(true);
    await expect(keys.getByRole("checkbox", { name: "chat" }).isChecked()).resolves.toBe(false);
    await keys.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("tutor-api-key-value");
    await eventually(() => shown.isVisible())
      .toBe(true)
      .catch(async (err) => {
        await page.screenshot({ path: join(ARTIFACTS, "api-keys-failure.png") });
        throw err;
      });
    key = (await shown.textContent())?.trim() ?? "";
    expect(key).toMatch(/^aib_/);
    const list = page.getByTestId("tutor-api-key-list");
    await eventually(() => list.textContent()).toContain("course platform");
    expect(await list.textContent()).not.toContain(key);
    await keys.getByRole("button", { name: "I have stored it" }).click();
    await eventually(() => shown.count()).toBe(0);
  });

  it("a server exchanges the key and can search, not chat", async () => {
    const ex = await exchange(key);
    expect(ex.status).toBe(200);
    expect(Object.keys(ex.body).sort()).toEqual(["expiresAt", "token"]);
    token = String(ex.body.token);
    const search = await callApi("/v1/search", { query: "zero moment point", limit: 3 }, token);
    expect(search.status).toBe(200);
    expect(((await search.json()) as { results: unknown[] }).results.length).toBeGreaterThan(0);
    const chat = await callApi("/v1/chat", { message: "What is the zero moment point?" }, token);
    expect(chat.status).toBe(403);
    expect(((await chat.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN_SCOPE");
  });

  it("revoking it in the profile stops new exchanges and the token already exchanged", async () => {
    const list = page.getByTestId("tutor-api-key-list");
    await list.getByRole("button", { name: "Revoke" }).click();
    await eventually(() => list.getByRole("listitem").count()).toBe(0);
    const again = await exchange(key);
    expect(again.status).toBe(401);
    expect((again.body as { error: { code: string } }).error.code).toBe("API_KEY_INVALID");
    // The revocation is committed before the key's deletion answers; the api-service reads the file on every request.
    expect((await callApi("/v1/search", { query: "balance" }, token)).status).toBe(401);
  });
});
