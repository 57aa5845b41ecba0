// The book opened under another host name than its services (127.0.0.1 against localhost, and a real other site),
// and a hostile model answer rendered by the tutor, in Chromium against the real book, auth- and api-service (the LLM
// is the local OpenAI-protocol stub, driven by the api-service's real openai SDK).
import { join } from "node:path";
import { type OpenAIStub, skipUnlessPresent, startOpenAIStub, tempDir } from "@ai-book/testkit";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./browser.ts";
import { type Stack, stackMissing, startStack } from "./stack.ts";

const missing = chromiumMissing() ?? stackMissing();
const skip = skipUnlessPresent(missing && `[e2e] skipping the hosts and hostile-answer suite: ${missing}`);

/** A host name that is another site for the browser's cookies; Chromium resolves it to loopback. */
const OTHER_SITE = "book.test";
const EVIL = "evil.example";

/**
 * What a book page could make the model write (issue 19, finding 9): an image that would load by itself, a link to a
 * foreign site, a link posing as a citation, and one real `[1]` marker.
 */
const HOSTILE_ANSWER =
  `An IMU measures acceleration and angular velocity [1]. ![x](http://${EVIL}/p.png) ` +
  `Read the whole story in [the full guide](http://${EVIL}/phish). Also see [Source 1](http://${EVIL}).`;

function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 30_000, interval: 100, ...options });
}

/** Signs a new reader up from a signed-out state (the tests share one browser profile: its cookies are dropped). */
async function signUp(page: Page, email: string) {
  await page.context().clearCookies();
  await page.reload();
  await page.getByTestId("tutor-launcher").click();
  await eventually(() => page.getByTestId("tutor-signed-out").isVisible()).toBe(true);
  await page.getByRole("button", { name: "Sign in or sign up" }).click();
  const form = page.getByTestId("tutor-sign-up");
  await form.getByLabel("Name").fill("Host Reader");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel(/^Password/).fill("correct horse battery");
  await form.getByRole("button", { name: "Create account" }).click();
  return form;
}

describe.skipIf(skip)(
  "the book under other host names, and a hostile answer (Chromium, real services)",
  () => {
    let tmp: ReturnType<typeof tempDir>;
    let stub: OpenAIStub;
    let stack: Stack;
    let browser: BrowserContext;
    const evilRequests: string[] = [];

    beforeAll(async () => {
      tmp = tempDir("ai-book-e2e-hosts-");
      stub = await startOpenAIStub({ reply: () => HOSTILE_ANSWER });
      // The services published as `npm start` prints them (localhost); the site listens on 127.0.0.1.
      stack = await startStack(tmp.path, {
        serviceHost: "localhost",
        siteAliases: [OTHER_SITE],
        env: { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: "sk-test-stub", LLM_MAX_RETRIES: "0" },
      });
      browser = await launchChromium(join(tmp.path, "chromium"), [
        `--host-resolver-rules=MAP ${OTHER_SITE} 127.0.0.1`,
      ]);
      browser.on("request", (request) => {
        if (new URL(request.url()).hostname === EVIL) evilRequests.push(request.url());
      });
    }, 420_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.close();
      await stub?.close();
      tmp?.cleanup();
    });

    it("signs a reader up on a book opened at 127.0.0.1 while the services are published as localhost", async () => {
      expect(new URL(stack.siteUrl).hostname).toBe("127.0.0.1");
      expect(new URL(stack.authUrl).hostname).toBe("localhost");
      const page = await browser.newPage();
      await page.goto(`${stack.siteUrl}/docs/`);
      const form = await signUp(page, `loopback-${Date.now().toString(36)}@example.test`);
      await eventually(() => page.getByTestId("tutor-profile-line").isVisible()).toBe(true);
      expect(await form.count()).toBe(0);
      await page.close();
    });

    it("says which address to open when the book is on another site and the session cookie did not stick", async () => {
      const page = await browser.newPage();
      const siteUrl = new URL(stack.siteUrl);
      siteUrl.hostname = OTHER_SITE;
      await page.goto(`${siteUrl.origin}/docs/`);
      const form = await signUp(page, `other-site-${Date.now().toString(36)}@example.test`);
      const message = form.getByText(/did not keep the session/);
      await eventually(() => message.isVisible()).toBe(true);
      const text = (await message.textContent()) ?? "";
      expect(text).toContain(`this page is on ${OTHER_SITE} and the sign-in service on localhost`);
      expect(text).toContain(`Open the book at http://localhost:${siteUrl.port}/docs/`);
      expect(await page.getByTestId("tutor-profile-line").count()).toBe(0);
      await page.close();
    });

    it("sends img-src 'self' in the book's Content-Security-Policy", async () => {
      const page = await browser.newPage();
      const response = await page.goto(`${stack.siteUrl}/docs/`);
      expect(response?.headers()["content-security-policy"]).toMatch(/(^|;)\s*img-src 'self'/);
      await page.close();
    });

    it("renders no image, no foreign link and no fake citation from a hostile answer; [1] stays a citation", async () => {
      const page = await browser.newPage();
      await page.goto(`${stack.siteUrl}/docs/`);
      await signUp(page, `hostile-${Date.now().toString(36)}@example.test`);
      await eventually(() => page.getByTestId("tutor-profile-line").isVisible()).toBe(true);
      stub.reset();
      const input = page.getByLabel("Your question");
      await input.fill("What does an IMU measure?");
      await input.press("Enter");
      const answer = page.getByTestId("tutor-answer").last();
      await eventually(() => answer.getAttribute("data-status"), { timeout: 60_000 }).toMatch(
        /^(done|error)$/,
      );
      expect(await answer.getAttribute("data-status"), (await answer.textContent()) ?? "").toBe("done");
      // The answer came from the model (the stub), not the offline fallback.
      expect(stub.chatRequests().length).toBeGreaterThan(0);
      expect(await answer.getByTestId("tutor-extractive").count()).toBe(0);

      expect(await answer.locator("img").count()).toBe(0);
      expect(await answer.locator(`a[href*="${EVIL}"]`).count()).toBe(0);
      // The foreign link and the fake citation are plain text.
      expect(await answer.textContent()).toContain("the full guide");
      expect(await answer.locator("a", { hasText: "the full guide" }).count()).toBe(0);
      expect(await answer.locator("a", { hasText: "Source 1" }).count()).toBe(0);
      // The real marker is a citation to the first source, on the book's own origin.
      const citations = answer.locator('a[title^="Source "]');
      expect(await citations.count()).toBeGreaterThan(0);
      const href = (await citations.first().getAttribute("href")) ?? "";
      expect(href).toMatch(/^\/docs\/.+#.+/);
      // Nothing was fetched from the foreign site (the image was never requested).
      expect(evilRequests).toEqual([]);
      await page.close();
    });
  },
);
