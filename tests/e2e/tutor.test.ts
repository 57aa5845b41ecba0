// Browser end-to-end test of the book and its tutor in real Chromium against the real book, auth- and api-service.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { PASSWORD_MIN } from "@ai-book/contracts";
import { REPO_ROOT, skipUnlessPresent, tempDir } from "@ai-book/testkit";
import type { BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./browser.ts";
import { type Stack, stackMissing, startStack } from "./stack.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const missing = chromiumMissing() ?? stackMissing();
const skip = skipUnlessPresent(missing && `skipping the browser suite: ${missing}`);

/** expect.poll with room for a loaded 2-core machine (its default gives up after one second). */
function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 20_000, interval: 100, ...options });
}

interface ChatCall {
  body: { message: string; history?: unknown[]; selectedText?: string };
  claims: Record<string, unknown>;
}

function claimsOf(request: Request): Record<string, unknown> {
  const token = request.headers().authorization?.replace(/^Bearer /, "") ?? "";
  const payload = token.split(".")[1];
  if (!payload) return {};
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe.skipIf(skip)("book + tutor in Chromium (real auth-service, api-service and built site)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let stack: Stack;
  let browser: BrowserContext;
  let page: Page;
  const chatCalls: ChatCall[] = [];
  const email = `reader-${Date.now().toString(36)}@example.test`;
  const password = "correct horse battery";

  /** Waits for the newest answer to finish and returns its locator. */
  async function lastAnswerDone() {
    const answer = page.getByTestId("tutor-answer").last();
    await eventually(async () => answer.getAttribute("data-status"), { timeout: 60_000 }).toMatch(
      /^(done|error)$/,
    );
    expect(await answer.getAttribute("data-status"), (await answer.textContent()) ?? "").toBe("done");
    return answer;
  }

  async function ask(question: string) {
    const input = page.getByLabel("Your question");
    await input.fill(question);
    await input.press("Enter");
    return lastAnswerDone();
  }

  beforeAll(async () => {
    tmp = tempDir("ai-book-e2e-");
    mkdirSync(ARTIFACTS, { recursive: true });
    // Five questions a minute: the flow asks four, so the rate-limit step below meets the limit.
    stack = await startStack(tmp.path, { rateLimitPerMinute: 5 });
    browser = await launchChromium(join(tmp.path, "chromium"));
    page = await browser.newPage();
    page.on("request", (request) => {
      if (request.url().endsWith("/v1/chat/stream") && request.method() === "POST") {
        chatCalls.push({ body: request.postDataJSON() as ChatCall["body"], claims: claimsOf(request) });
      }
    });
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    tmp?.cleanup();
  });

  it("shows inline errors for a weak password and a duplicate email", async () => {
    // An existing account with the email the second attempt reuses.
    const existing = `taken-${Date.now().toString(36)}@example.test`;
    const res = await fetch(`${stack.authUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: stack.siteUrl },
      body: JSON.stringify({ name: "Taken", email: existing, password }),
    });
    expect(res.status).toBe(200);

    await page.goto(`${stack.siteUrl}/docs/`);
    await page.getByTestId("tutor-launcher").click();
    await eventually(() => page.getByTestId("tutor-signed-out").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Sign in or sign up" }).click();

    const form = page.getByTestId("tutor-sign-up");
    await form.getByLabel("Name").fill("Ada Reader");
    await form.getByLabel("Email").fill(existing);
    await form.getByLabel(/^Password/).fill("short");
    await form.getByRole("button", { name: "Create account" }).click();
    await eventually(() => form.getByText(`Use at least ${PASSWORD_MIN} characters.`).isVisible()).toBe(true);

    await form.getByLabel(/^Password/).fill(password);
    await form.getByRole("button", { name: "Create account" }).click();
    await eventually(() => form.getByText(/already exists/).isVisible(), { timeout: 30_000 }).toBe(true);
  });

  it("signs up with a profile and gets a streamed answer with citations", async () => {
    const form = page.getByTestId("tutor-sign-up");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Software background").selectOption("Beginner");
    await form.getByLabel("Hardware background").selectOption("Advanced");
    await form.getByLabel("Interest area").fill("humanoid locomotion");
    await form.getByRole("button", { name: "Create account" }).click();

    const profileLine = page.getByTestId("tutor-profile-line");
    await eventually(() => profileLine.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await profileLine.textContent()).toContain("software: Beginner");

    const answer = await ask("What does an IMU measure?");
    const text = (await answer.textContent()) ?? "";
    expect(text.length).toBeGreaterThan(40);
    const citations = answer.locator('a[title^="Source "]');
    expect(await citations.count()).toBeGreaterThan(0);
    const sourceLinks = answer.locator("details ol li a");
    expect(await sourceLinks.count()).toBeGreaterThan(0);
    expect(await sourceLinks.first().getAttribute("href")).toMatch(/^\/docs\/.+#.+/);

    const call = chatCalls.at(-1);
    expect(call?.body.message).toBe("What does an IMU measure?");
    expect(call?.claims).toMatchObject({
      softwareBackground: "Beginner",
      hardwareBackground: "Advanced",
      interestArea: "humanoid locomotion",
    });
    // No OPENAI_API_KEY in this stack: the answer is the offline extractive one, and says so.
    expect(await answer.getByTestId("tutor-extractive").isVisible()).toBe(true);
    await page.getByTestId("tutor-panel").screenshot({ path: join(ARTIFACTS, "tutor-chat-answer.png") });
    await page.screenshot({ path: join(ARTIFACTS, "tutor-page.png") });
  });

  it("says so when the book does not cover the question", async () => {
    const answer = await ask("Who won the 1966 FIFA World Cup final at Wembley?");
    expect(await answer.getByTestId("tutor-not-covered").isVisible()).toBe(true);
    expect(await answer.locator('a[title^="Source "]').count()).toBe(0);
  });

  it("follows a source link to the Docusaurus page and its anchored heading", async () => {
    const link = page.getByTestId("tutor-answer").first().locator("details ol li a").first();
    const href = (await link.getAttribute("href")) ?? "";
    const [path, hash] = href.split("#") as [string, string];
    await link.click();
    await eventually(() => new URL(page.url()).pathname).toBe(path);
    expect(new URL(page.url()).hash).toBe(`#${hash}`);
    const heading = page.locator(`[id="${decodeURIComponent(hash)}"]`);
    await eventually(() => heading.count()).toBe(1);
    expect(await heading.evaluate((el) => /^H[1-6]$/.test(el.tagName))).toBe(true);
    expect(await page.locator(".theme-doc-markdown").count()).toBe(1);
    // The conversation survives the navigation.
    expect(await page.getByTestId("tutor-answer").count()).toBe(2);
  });

  it("asks about a passage selected in the chapter", async () => {
    const selected = await page.evaluate(() => {
      const paragraph = [...document.querySelectorAll(".theme-doc-markdown p")].find(
        (p) => (p.textContent ?? "").length > 80,
      );
      if (!paragraph?.firstChild) throw new Error("no paragraph to select");
      const range = document.createRange();
      range.selectNodeContents(paragraph);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      return selection?.toString().replace(/\s+/g, " ").trim() ?? "";
    });
    await page.getByTestId("tutor-ask-selection").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "tutor-selection-button.png") });
    await page.getByTestId("tutor-ask-selection").click();
    await eventually(() => page.getByTestId("tutor-selection").isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "tutor-ask-selection.png") });
    await page.getByRole("button", { name: "Send" }).click();
    const answer = await lastAnswerDone();
    expect(((await answer.textContent()) ?? "").length).toBeGreaterThan(20);
    const call = chatCalls.at(-1);
    expect(call?.body.selectedText).toBe(selected);
    expect(call?.body.message).toBe("Explain this passage.");
    expect(call?.body.history?.length).toBe(4);
    expect(await page.getByTestId("tutor-question").last().locator("blockquote").textContent()).toBe(
      selected,
    );
  });

  it("uses a changed profile for the next question", async () => {
    await page.getByRole("button", { name: "Profile" }).click();
    const profile = page.getByTestId("tutor-profile");
    await profile.getByLabel("Software background").selectOption("Advanced");
    await profile.getByLabel("Interest area").fill("dexterous manipulation");
    // Issue 15: answers in Urdu; the picker shows each language by its own name.
    const language = profile.getByLabel("Preferred language for answers");
    expect(await language.inputValue()).toBe("");
    expect(await language.locator("option[value='ur']").textContent()).toBe("اردو (Urdu)");
    await language.selectOption("ur");
    const refreshed = page.waitForResponse((r) => r.url().includes("/api/auth/jwt") && r.ok());
    await profile.getByRole("button", { name: "Save profile" }).click();
    await eventually(() => profile.getByText("Saved.").isVisible(), { timeout: 30_000 }).toBe(true);
    // The access token the page received after the change carries the language.
    const { token } = (await (await refreshed).json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    expect(claims.preferredLanguage).toBe("ur");

    await page.getByRole("button", { name: "Chat" }).click();
    const line = await page.getByTestId("tutor-profile-line").textContent();
    expect(line).toContain("software: Advanced");
    expect(line).toContain("in اردو (Urdu)");
    await ask("How does a Kalman filter combine a prediction with a measurement?");
    expect(chatCalls.at(-1)?.claims).toMatchObject({
      softwareBackground: "Advanced",
      hardwareBackground: "Advanced",
      interestArea: "dexterous manipulation",
      preferredLanguage: "ur",
    });
    expect(chatCalls.at(-1)?.body.history?.length).toBe(6);
  });

  it("renders usable on a phone in dark mode", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await page.getByTestId("tutor-launcher").click();
    await eventually(() => page.getByTestId("tutor-profile-line").isVisible(), { timeout: 30_000 }).toBe(
      true,
    );
    await ask("What is sim-to-real transfer?");
    const box = await page.getByTestId("tutor-panel").boundingBox();
    expect(box?.width).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.screenshot({ path: join(ARTIFACTS, "tutor-phone-dark.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("opens and closes with the keyboard, focus following", async () => {
    await page.getByTestId("tutor-launcher").click();
    await eventually(() => page.getByTestId("tutor-panel").count()).toBe(0);
    await page.getByTestId("tutor-launcher").focus();
    await page.keyboard.press("Enter");
    await eventually(() => page.evaluate(() => document.activeElement?.tagName)).toBe("TEXTAREA");
    await page.keyboard.press("Escape");
    await eventually(() => page.getByTestId("tutor-panel").count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe(
      "tutor-launcher",
    );
    await page.keyboard.press("Enter");
    await eventually(() => page.getByTestId("tutor-panel").count()).toBe(1);

    // Alt+A asks about a selection made from the keyboard's side too.
    await page.evaluate(() => {
      const heading = document.querySelector(".theme-doc-markdown h2");
      if (!heading) throw new Error("no heading to select");
      const range = document.createRange();
      range.selectNodeContents(heading);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
    });
    await page.getByTestId("tutor-ask-selection").waitFor();
    await page.keyboard.press("Alt+A");
    await eventually(() => page.getByTestId("tutor-selection").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Remove the selected passage" }).click();
    await eventually(() => page.getByTestId("tutor-selection").count()).toBe(0);
  });

  it("shows the rate limit with the wait time", async () => {
    const input = page.getByLabel("Your question");
    let kind: string | null = null;
    for (let attempt = 0; attempt < 12 && kind !== "rate_limited"; attempt += 1) {
      await input.fill(`What is a PID controller? (${attempt})`);
      await input.press("Enter");
      const answer = page.getByTestId("tutor-answer").last();
      await eventually(async () => answer.getAttribute("data-status"), { timeout: 60_000 }).toMatch(
        /^(done|error)$/,
      );
      kind = await page
        .getByTestId("tutor-answer")
        .last()
        .getByTestId("tutor-error")
        .getAttribute("data-kind", { timeout: 100 })
        .catch(() => null);
    }
    expect(kind).toBe("rate_limited");
    const message = await page.getByTestId("tutor-error").last().textContent();
    expect(message).toMatch(/Try again in \d+ (second|minute)s?\./);
  });

  it("signs out, and then the tutor refuses to chat", async () => {
    await page.getByRole("button", { name: "Profile" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Chat" }).click();
    await eventually(() => page.getByTestId("tutor-signed-out").isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByLabel("Your question").count()).toBe(0);

    const refused = await page.evaluate(
      async ({ authUrl, apiUrl }) => {
        const jwt = await fetch(`${authUrl}/api/auth/jwt`, { credentials: "include" });
        const chat = await fetch(`${apiUrl}/v1/chat/stream`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ message: "still there?" }),
        });
        return { jwt: jwt.status, chat: chat.status };
      },
      { authUrl: stack.authUrl, apiUrl: stack.apiUrl },
    );
    expect(refused).toEqual({ jwt: 401, chat: 401 });
  });

  it("signs back in with the same account and keeps the saved profile", async () => {
    await page.getByRole("button", { name: "Sign in or sign up" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const form = page.getByTestId("tutor-sign-in");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Password").fill("wrong password!");
    await form.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => form.getByText("Invalid email or password.").isVisible(), {
      timeout: 30_000,
    }).toBe(true);
    await form.getByLabel("Password").fill(password);
    await form.getByRole("button", { name: "Sign in" }).click();
    const profileLine = page.getByTestId("tutor-profile-line");
    await eventually(() => profileLine.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await profileLine.textContent()).toContain("interest: dexterous manipulation");
  });
});
