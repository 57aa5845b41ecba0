// Browser walk of the account features in real Chromium: sign up → mail file → verify → 2FA on → sign out → sign in
// with a TOTP code → reset the password from the mail → the old session's token refused by the api-service.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, skipUnlessPresent, tempDir } from "@ai-book/testkit";
import { Redis } from "ioredis";
import { simpleParser } from "mailparser";
import { TOTP } from "otpauth";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./browser.ts";
import { type Stack, stackMissing, startStack } from "./stack.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
// The api-service learns of the reset's revoked sessions through Redis when REDIS_URL is set, else through the
// SQLite file both services share (REVOCATION_DB_PATH).
const REDIS_URL = process.env.REDIS_URL || undefined;
const missing = chromiumMissing() ?? stackMissing();
const skip = skipUnlessPresent(missing && `[e2e] skipping the accounts walk: ${missing}`);

function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 30_000, interval: 100, ...options });
}

/** A Redis database of its own, so the services' default key prefix meets no other suite's keys. */
function isolatedRedis(url: string): string {
  const u = new URL(url);
  u.pathname = "/11";
  return u.href;
}

describe.skipIf(skip)(
  `accounts in Chromium (real services, mail as .eml files, revocation via ${REDIS_URL ? "Redis" : "a SQLite file"})`,
  () => {
    let tmp: ReturnType<typeof tempDir>;
    let stack: Stack;
    let browser: BrowserContext;
    let page: Page;
    let mailDir: string;
    const email = `acct-${Date.now().toString(36)}@example.test`;
    const password = "correct horse battery";
    const newPassword = "a fresh new passphrase";
    let totp: TOTP;
    /** Every access token the page received, newest last. */
    const tokens: string[] = [];

    /** The newest mail to the reader whose subject matches, parsed from the auth-service's mail folder. */
    async function mailLink(subject: RegExp, after: Set<string>): Promise<{ link: string; file: string }> {
      let found: { link: string; file: string } | undefined;
      await eventually(async () => {
        const files = readdirSync(mailDir).filter((f) => f.endsWith(".eml") && !after.has(f));
        for (const file of files.sort()) {
          const parsed = await simpleParser(readFileSync(join(mailDir, file)));
          const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
          if (to?.includes(email) && subject.test(parsed.subject ?? "")) {
            found = { link: parsed.text?.match(/https?:\/\/\S+/)?.[0] ?? "", file };
          }
        }
        return Boolean(found);
      }).toBe(true);
      return found!;
    }

    const seenMail = () => new Set(readdirSync(mailDir));

    /** Opens the signed-in reader's profile view (the tutor returns to the chat after every sign-in). */
    async function openProfile() {
      const panel = page.getByTestId("tutor-panel");
      if (!(await panel.isVisible())) await page.getByTestId("tutor-launcher").click();
      const tab = page
        .getByRole("navigation", { name: "Tutor views" })
        .getByRole("button", { name: "Profile" });
      await eventually(() => tab.isVisible()).toBe(true);
      await tab.click();
      await eventually(() => page.getByTestId("tutor-profile").isVisible()).toBe(true);
    }

    beforeAll(async () => {
      tmp = tempDir("ai-book-e2e-accounts-");
      mkdirSync(ARTIFACTS, { recursive: true });
      let env: Record<string, string>;
      if (REDIS_URL) {
        // Rate-limit counters of an earlier run must not carry over into this one.
        const redis = new Redis(isolatedRedis(REDIS_URL));
        await redis.flushdb();
        await redis.quit();
        env = { REDIS_URL: isolatedRedis(REDIS_URL) };
      } else {
        env = { REVOCATION_DB_PATH: join(tmp.path, "revocations.sqlite") };
      }
      stack = await startStack(tmp.path, { env });
      mailDir = join(tmp.path, "auth", "mail");
      mkdirSync(mailDir, { recursive: true });
      browser = await launchChromium(join(tmp.path, "chromium"));
      page = await browser.newPage();
      // Expected 401s (the signed-out session check) show up here too; anything else helps when a step fails.
      page.on("console", (m) => {
        if (m.type() === "error") console.warn(`[browser] ${m.text()}`);
      });
      page.on("requestfailed", (r) =>
        console.warn(`[browser] request failed ${r.url()} ${r.failure()?.errorText}`),
      );
      page.on("response", (r) => {
        if (r.url().includes("/api/auth/"))
          console.warn(`[browser] ${r.status()} ${r.request().method()} ${r.url()}`);
      });
      page.on("response", async (response) => {
        const header = response.headers()["set-auth-jwt"];
        if (header) tokens.push(header);
        if (response.url().endsWith("/api/auth/jwt") && response.status() === 200) {
          const body = (await response.json().catch(() => null)) as { token?: string } | null;
          if (body?.token) tokens.push(body.token);
        }
      });
    }, 420_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.close();
      tmp?.cleanup();
    });

    it("signs up, opens the mailed link and is verified", async () => {
      const before = seenMail();
      await page.goto(`${stack.siteUrl}/docs/`);
      await page.getByTestId("tutor-launcher").click();
      await page.getByRole("button", { name: "Sign in or sign up" }).click();
      const form = page.getByTestId("tutor-sign-up");
      await form.getByLabel("Name").fill("Ada Account");
      await form.getByLabel("Email").fill(email);
      await form.getByLabel(/^Password/).fill(password);
      // The keyboard submits the form.
      await form.getByLabel(/^Password/).press("Enter");
      await openProfile();
      const banner = page.getByTestId("tutor-verify-banner");
      await eventually(() => banner.isVisible())
        .toBe(true)
        .catch(async (err) => {
          await page.screenshot({ path: join(ARTIFACTS, "accounts-failure.png") });
          throw err;
        });

      const { link } = await mailLink(/verify your email/i, before);
      expect(link).toContain(`${stack.authUrl}/api/auth/verify-email?token=`);
      await page.goto(link);
      await eventually(() => page.url()).toContain(stack.siteUrl);
      await eventually(() => page.getByText("Your email address is verified.").isVisible()).toBe(true);
      expect(await banner.isVisible()).toBe(false);
      expect(new URL(page.url()).searchParams.get("tutor")).toBeNull();
    });

    it("turns on two-factor authentication with the QR code's key and a computed code", async () => {
      const settings = page.getByTestId("tutor-2fa-settings");
      await settings.getByLabel("Your password").fill(password);
      await settings.getByRole("button", { name: "Set up two-factor" }).click();
      await eventually(() => settings.getByRole("img", { name: /QR code/ }).isVisible()).toBe(true);
      expect(await settings.getByTestId("tutor-backup-codes").locator("li").count()).toBe(10);
      const secret = (await settings.getByTestId("tutor-2fa-secret").textContent()) ?? "";
      totp = new TOTP({ secret, issuer: "ai-book", label: email });
      await settings.getByLabel("Code from the app").fill(totp.generate());
      await settings.getByRole("button", { name: "Turn on two-factor authentication" }).click();
      await eventually(() => settings.getByText("Two-factor authentication is on.").isVisible()).toBe(true);
      await page.getByTestId("tutor-2fa-settings").screenshot({ path: join(ARTIFACTS, "tutor-2fa-on.png") });
    });

    it("signs out, and signs in again with the password and a TOTP code", async () => {
      await page.getByRole("button", { name: "Sign out" }).first().click();
      await eventually(() => page.getByTestId("tutor-sign-up").isVisible()).toBe(true);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      const form = page.getByTestId("tutor-sign-in");
      await form.getByLabel("Email").fill(email);
      await form.getByLabel("Password").fill(password);
      await form.getByLabel("Password").press("Enter");
      const challenge = page.getByTestId("tutor-2fa");
      await eventually(() => challenge.isVisible()).toBe(true);
      // The enrolment used this step's code and each code works once: the app's next code, as a reader would wait for.
      await challenge
        .getByLabel("Authentication code")
        .fill(totp.generate({ timestamp: Date.now() + 30_000 }));
      await challenge.getByLabel("Authentication code").press("Enter");
      await openProfile();
      await eventually(() => page.getByTestId("tutor-profile").isVisible()).toBe(true);
    });

    it("resets the password from the mail, and the api-service refuses the old session's token", async () => {
      const oldToken = tokens.at(-1)!;
      const search = () =>
        fetch(`${stack.apiUrl}/v1/search`, {
          method: "POST",
          headers: { authorization: `Bearer ${oldToken}`, "content-type": "application/json" },
          body: JSON.stringify({ query: "balance" }),
        });
      expect((await search()).status).toBe(200);

      // "Forgot password?" on a second device (a browser profile of its own, signed out).
      const before = seenMail();
      const device = await launchChromium(join(tmp.path, "chromium-2"));
      try {
        const other = await device.newPage();
        await other.goto(`${stack.siteUrl}/docs/`);
        await other.getByTestId("tutor-launcher").click();
        await other.getByRole("navigation", { name: "Tutor views" }).getByRole("button").nth(1).click();
        await other.getByRole("button", { name: "Sign in", exact: true }).click();
        await other.getByRole("button", { name: "Forgot password?" }).click();
        const forgot = other.getByTestId("tutor-forgot");
        await forgot.getByLabel("Email").fill(email);
        await forgot.getByLabel("Email").press("Enter");
        await eventually(() => forgot.getByText(/a reset link is on its way/).isVisible()).toBe(true);
      } finally {
        await device.close();
      }
      const { link } = await mailLink(/reset your password/i, before);
      await page.goto(link);
      const form = page.getByTestId("tutor-reset");
      await eventually(() => form.isVisible()).toBe(true);
      await form.getByLabel(/^New password/).fill(newPassword);
      await form.getByLabel(/^New password/).press("Enter");
      await eventually(() => page.getByTestId("tutor-reset-done").isVisible()).toBe(true);

      const refused = await search();
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("TOKEN_REVOKED");
      // And the page's own session is gone.
      const jwt = await page.evaluate(
        async (authUrl) => (await fetch(`${authUrl}/api/auth/jwt`, { credentials: "include" })).status,
        stack.authUrl,
      );
      expect(jwt).toBe(401);
    });
  },
);
