// Browser end-to-end test of stored conversations: ask, reload, resume, rate with a reason, follow a suggestion.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, skipUnlessPresent, tempDir } from "@ai-book/testkit";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./browser.ts";
import { type Stack, stackMissing, startStack } from "./stack.ts";

const missing = chromiumMissing() ?? stackMissing();
const skip = skipUnlessPresent(missing && `[e2e] skipping the conversations suite: ${missing}`);

/** expect.poll with room for a loaded 2-core machine. */
function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 30_000, interval: 100, ...options });
}

describe.skipIf(skip)("conversations in Chromium (real services, built site)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let stack: Stack;
  let browser: BrowserContext;
  let page: Page;
  const streamBodies: Array<{ message: string; conversationId?: string }> = [];
  const email = `history-${Date.now().toString(36)}@example.test`;
  const adminEmail = `history-admin-${Date.now().toString(36)}@example.test`;
  const authorEmail = `history-author-${Date.now().toString(36)}@example.test`;
  /** Off-book questions a reader asks: the gap cluster the author must see. */
  const OFF_BOOK = [
    "What is the best recipe for sourdough bread?",
    "How long should sourdough bread proof?",
    "Which flour makes the best sourdough bread?",
  ];

  /** Signs an account up through the auth-service's HTTP API (as the site would): its session token and user id. */
  async function signUpOverHttp(address: string, name: string) {
    const res = await fetch(`${stack.authUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: stack.siteUrl },
      body: JSON.stringify({ name, email: address, password: "correct horse battery" }),
    });
    const body = (await res.json()) as { token: string; user: { id: string } };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return { session: body.token, userId: body.user.id };
  }

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

  async function openTutor() {
    await page.getByTestId("tutor-launcher").click();
    await eventually(() => page.getByTestId("tutor-panel").isVisible()).toBe(true);
  }

  beforeAll(async () => {
    tmp = tempDir("ai-book-e2e-history-");
    // The admin account (ADMIN_EMAILS) makes another account an author, as a book's owner would.
    stack = await startStack(tmp.path, { env: { ADMIN_EMAILS: adminEmail } });
    browser = await launchChromium(join(tmp.path, "chromium"));
    page = await browser.newPage();
    page.on("request", (request) => {
      if (request.url().endsWith("/v1/chat/stream") && request.method() === "POST")
        streamBodies.push(request.postDataJSON() as { message: string; conversationId?: string });
    });
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    tmp?.cleanup();
  });

  it("asks twice, reloads, resumes the conversation, rates an answer down with a reason, follows a suggestion", async () => {
    await page.goto(`${stack.siteUrl}/docs/`);
    await openTutor();
    await page.getByRole("button", { name: "Sign in or sign up" }).click();
    const form = page.getByTestId("tutor-sign-up");
    await form.getByLabel("Name").fill("Hedy Reader");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel(/^Password/).fill("correct horse battery");
    await form.getByRole("button", { name: "Create account" }).click();
    await eventually(() => page.getByLabel("Your question").isVisible(), { timeout: 30_000 }).toBe(true);

    await ask("What does an IMU measure?");
    await ask("Why does a gyroscope drift?");
    expect(streamBodies).toHaveLength(2);
    expect(streamBodies[0]?.conversationId).toBeUndefined();
    const conversationId = streamBodies[1]?.conversationId;
    expect(conversationId).toMatch(/^[0-9a-f-]{36}$/);

    // A reload loses the page's state, not the conversation.
    await page.reload();
    await openTutor();
    await eventually(() => page.getByRole("button", { name: "History" }).isVisible()).toBe(true);
    expect(await page.getByTestId("tutor-answer").count()).toBe(0);
    await page.getByRole("button", { name: "History" }).click();
    const item = page.getByTestId("tutor-conversation");
    await eventually(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain("What does an IMU measure?");
    expect(await item.textContent()).toContain("2 questions");
    await item.getByRole("button", { name: "Resume" }).click();
    await eventually(() => page.getByTestId("tutor-answer").count()).toBe(2);
    expect(await page.getByTestId("tutor-question").first().textContent()).toContain(
      "What does an IMU measure?",
    );

    // Thumbs-down with a reason, stored on the server: it is still there after another reload.
    const second = page.getByTestId("tutor-answer").last();
    await second.getByRole("button", { name: "Not helpful" }).click();
    await second.getByLabel(/What was wrong/).selectOption("not_in_book");
    await second.getByLabel(/Comment/).fill("The drift figures are missing");
    await second.getByRole("button", { name: "Send feedback" }).click();
    await eventually(() => second.getByTestId("tutor-feedback-saved").textContent()).toBe(
      "Reported: Not in the book",
    );
    await page.reload();
    await openTutor();
    await page.getByRole("button", { name: "History" }).click();
    await page.getByTestId("tutor-conversation").getByRole("button", { name: "Resume" }).click();
    await eventually(() =>
      page.getByTestId("tutor-answer").last().getByTestId("tutor-feedback-saved").textContent(),
    ).toBe("Reported: Not in the book");

    // The resumed conversation goes on; a suggested follow-up (not stored: offered under fresh answers) is asked as
    // is, in the same conversation.
    await ask("Where is the IMU mounted on a humanoid robot?");
    expect(streamBodies.at(-1)).toMatchObject({ conversationId });
    expect(streamBodies.at(-1)?.conversationId).toBe(conversationId);
    const suggestion = page.getByTestId("tutor-suggestions").getByRole("button").first();
    await eventually(() => page.getByTestId("tutor-suggestions").count()).toBeGreaterThan(0);
    const askedFor = (await suggestion.textContent()) ?? "";
    expect(askedFor.length).toBeGreaterThan(5);
    await suggestion.click();
    await lastAnswerDone();
    expect(await page.getByTestId("tutor-question").last().textContent()).toBe(askedFor);
    expect(streamBodies.at(-1)).toMatchObject({ message: askedFor, conversationId });
    expect(await page.getByTestId("tutor-answer").count()).toBe(4);
  });

  it("shows a reader that insights are for authors (the API answers 403)", async () => {
    await page.goto(`${stack.siteUrl}/tutor/insights`);
    await eventually(() => page.getByTestId("insights-error").textContent()).toBe(
      "Insights are for the book's authors and admins.",
    );
  });

  it("as an author, opens the insights page and sees the gap cluster of off-book questions and the thumbs-down", async () => {
    // The reader asks the scripted off-book questions in the tutor.
    await page.goto(`${stack.siteUrl}/docs/`);
    await openTutor();
    for (const question of OFF_BOOK) {
      const answer = await ask(question);
      expect(await answer.textContent()).toMatch(/could not find this in the book/);
    }

    // An admin (ADMIN_EMAILS) makes a new account an author through the auth-service's admin API.
    const admin = await signUpOverHttp(adminEmail, "Ada Admin");
    const author = await signUpOverHttp(authorEmail, "Ann Author");
    const granted = await fetch(`${stack.authUrl}/api/auth/admin/set-role`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: stack.siteUrl,
        authorization: `Bearer ${admin.session}`,
      },
      body: JSON.stringify({ userId: author.userId, role: "author" }),
    });
    expect(granted.status, await granted.text()).toBe(200);

    // The author signs in in a browser of their own and opens the insights page.
    const device = await launchChromium(join(tmp.path, "chromium-author"));
    try {
      const authorPage = await device.newPage();
      await authorPage.goto(`${stack.siteUrl}/docs/`);
      await authorPage.getByTestId("tutor-launcher").click();
      await authorPage.getByRole("button", { name: "Sign in or sign up" }).click();
      await authorPage.getByRole("button", { name: "Sign in", exact: true }).click();
      const form = authorPage.getByTestId("tutor-sign-in");
      await form.getByLabel("Email").fill(authorEmail);
      await form.getByLabel("Password").fill("correct horse battery");
      await form.getByRole("button", { name: "Sign in" }).click();
      await eventually(() => authorPage.getByLabel("Your question").isVisible()).toBe(true);

      await authorPage.goto(`${stack.siteUrl}/tutor/insights`);
      const gaps = authorPage.getByTestId("insights-gaps");
      await eventually(() => gaps.isVisible()).toBe(true);
      // The off-book questions form one cluster of three, with their wordings as examples.
      const cluster = gaps.locator("tbody tr").filter({ hasText: "sourdough" });
      expect(await cluster.count()).toBe(1);
      expect(await cluster.locator("td").first().textContent()).toBe("3");
      const examples = await cluster.locator("td").nth(1).locator("li").allTextContents();
      expect(new Set(examples)).toEqual(new Set(OFF_BOOK));

      // The reader's thumbs-down, with its reason and comment (and no reader's name).
      const down = authorPage.getByTestId("insights-feedback").locator("tbody tr").filter({
        hasText: "Why does a gyroscope drift?",
      });
      expect(await down.count()).toBe(1);
      expect(await down.locator("td").allTextContents()).toEqual([
        "👎",
        "Not in the book",
        "Why does a gyroscope drift?",
        "The drift figures are missing",
      ]);
      expect(await authorPage.getByTestId("insights").textContent()).not.toContain("Hedy");
      mkdirSync(join(REPO_ROOT, "test-artifacts"), { recursive: true });
      await authorPage.screenshot({
        path: join(REPO_ROOT, "test-artifacts", "insights-author.png"),
        fullPage: true,
      });
    } finally {
      await device.close();
    }
  });
});
