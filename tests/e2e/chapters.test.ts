// "Personalize this chapter" / "Translate this chapter" in real Chromium, against the real book, auth- and
// api-service: once with a language model (the local OpenAI-protocol stub), once without one (the study guide).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type OpenAIStub,
  REPO_ROOT,
  type StubChatRequest,
  skipUnlessPresent,
  startOpenAIStub,
  tempDir,
} from "@ai-book/testkit";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "./browser.ts";
import { type Stack, stackMissing, startStack } from "./stack.ts";

const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const missing = chromiumMissing() ?? stackMissing();
const skip = skipUnlessPresent(missing && `skipping the chapter tools browser suite: ${missing}`);

/** A chapter with headings, a code block and math: book/docs/02-kinematics-dynamics/01-rigid-body-transforms.md. */
const CHAPTER = "/docs/kinematics-dynamics/rigid-body-transforms";
/** A later chapter with key terms and quiz questions, so its study guide has every kind of item. */
const GUIDED_CHAPTER = "/docs/actuators-control/pid-and-impedance-control";
const URDU_NOTE = "یہ حصہ اردو میں ہے۔";
const PERSONAL_NOTE = "(Said more simply for this reader.)";

/** expect.poll with room for a loaded 2-core machine: an upper bound, never a speed target. */
function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number } = {}) {
  return expect.poll(check, { timeout: 30_000, interval: 100, ...options });
}

/**
 * The stub "model": the section it was given (placeholders and all) with one sentence added, in Urdu when asked to
 * translate. Everything structural is the source's, as the api-service checks.
 */
function reply(request: StubChatRequest): string {
  const system = String(request.messages.find((m) => m.role === "system")?.content ?? "");
  const user = String(request.messages.findLast((m) => m.role === "user")?.content ?? "");
  const section = user.replace(/^Section of "[^\n]*":\n\n/, "");
  return `${section.trimEnd()}\n\n${/translate/i.test(system) ? URDU_NOTE : PERSONAL_NOTE}\n`;
}

interface Shape {
  ids: string[];
  code: string[];
}

/** Heading ids (document order) and code blocks' text of the chapter content shown now. */
function shapeOf(page: Page): Promise<Shape> {
  return page.locator(".theme-doc-markdown").evaluate((root) => ({
    ids: [...root.querySelectorAll("h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]")].map((h) => h.id),
    code: [...root.querySelectorAll("pre code")].map((c) => c.textContent ?? ""),
  }));
}

async function variantFinished(page: Page) {
  const tools = page.getByTestId("chapter-tools");
  await eventually(() => tools.getAttribute("data-status"), { timeout: 120_000 }).toMatch(/^(done|error)$/);
  expect(await tools.getAttribute("data-status"), (await tools.textContent()) ?? "").toBe("done");
}

/** Signs up in the tutor's account panel, which the chapter tools opened. */
async function signUpInPanel(page: Page, email: string) {
  const form = page.getByTestId("tutor-sign-up");
  await eventually(() => form.isVisible()).toBe(true);
  await form.getByLabel("Name").fill("Chapter Reader");
  await form.getByLabel("Email").fill(email);
  await form.getByLabel(/^Password/).fill("correct horse battery");
  await form.getByLabel("Software background").selectOption("Beginner");
  await form.getByLabel("Hardware background").selectOption("Advanced");
  await form.getByLabel("Interest area").fill("humanoid locomotion");
  await form.getByRole("button", { name: "Create account" }).click();
}

describe.skipIf(skip)("chapter tools in Chromium (LLM: the local OpenAI-protocol stub)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let stub: OpenAIStub;
  let stack: Stack;
  let browser: BrowserContext;
  let page: Page;
  let original: Shape;

  beforeAll(async () => {
    tmp = tempDir("ai-book-e2e-chapters-");
    mkdirSync(ARTIFACTS, { recursive: true });
    stub = await startOpenAIStub({ reply });
    const llm = { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: "sk-test-stub" };
    stack = await startStack(tmp.path, {
      ingestEnv: llm,
      apiEnv: { ...llm, TRANSLATION_LANGUAGES: "hi,ur", LLM_MAX_RETRIES: "0" },
    });
    browser = await launchChromium(join(tmp.path, "chromium"));
    page = await browser.newPage();
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await stub?.close();
    tmp?.cleanup();
  });

  it("asks a signed-out reader to sign in, then personalizes the chapter with the original's heading ids", async () => {
    await page.goto(`${stack.siteUrl}${CHAPTER}`);
    original = await shapeOf(page);
    expect(original.ids.length).toBeGreaterThan(2);
    expect(original.code.length).toBeGreaterThan(0);
    // Hydrated (the launcher is rendered in the browser only): the buttons answer from here on.
    await eventually(() => page.getByTestId("tutor-launcher").isVisible()).toBe(true);

    // Keyboard: the button is reachable and operable without a mouse.
    const personalize = page.getByTestId("chapter-personalize");
    await personalize.focus();
    await page.keyboard.press("Enter");
    await eventually(() => page.getByTestId("chapter-sign-in").isVisible()).toBe(true);
    await signUpInPanel(page, `chapters-${Date.now().toString(36)}@example.test`);

    // Signed in, the panel steps aside and the chapter the reader asked for is personalized without a second
    // click, the focus back on the button they pressed.
    await variantFinished(page);
    await eventually(() => page.getByTestId("tutor-panel").count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe(
      "chapter-personalize",
    );
    const variant = page.getByTestId("chapter-variant");
    expect(await variant.textContent()).toContain(PERSONAL_NOTE);
    expect(await page.getByTestId("chapter-note").textContent()).toContain(
      "Personalized for: software: Beginner · hardware: Advanced · interest: humanoid locomotion",
    );
    expect(await page.getByTestId("chapter-progress").textContent()).toMatch(/^(\d+) of \1 sections/);
    const personalized = await shapeOf(page);
    expect(personalized.ids).toEqual(original.ids);
    // One title, as on the original page.
    expect(await page.locator(".theme-doc-markdown h1").count()).toBe(1);
    expect(personalized.code).toEqual(original.code);
    expect(await page.locator(".theme-doc-markdown").count()).toBe(1);
    // The TOC's links still land on headings of the variant.
    const tocTarget = (await page.locator(".table-of-contents a").first().getAttribute("href")) ?? "";
    expect(await variant.locator(`[id="${decodeURIComponent(tocTarget.slice(1))}"]`).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, "chapters-personalized.png") });
  });

  it("goes back to the original with the same button, which keeps the focus", async () => {
    const toggle = page.getByTestId("chapter-toggle");
    await toggle.focus();
    await page.keyboard.press("Enter");
    await eventually(() => page.getByTestId("chapter-tools").getAttribute("data-showing")).toBe("original");
    expect(await page.getByTestId("chapter-variant").count()).toBe(0);
    expect(await shapeOf(page)).toEqual(original);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe(
      "chapter-toggle",
    );
    expect(await toggle.textContent()).toBe("Show the personalized version");
  });

  it("translates into Urdu right to left, with the code blocks byte for byte the original's", async () => {
    const picker = page.getByTestId("chapter-language");
    // Urdu first, whatever the order of TRANSLATION_LANGUAGES.
    expect(await picker.locator("option").first().getAttribute("value")).toBe("ur");
    await picker.selectOption("ur");
    await page.getByTestId("chapter-translate").click();
    await variantFinished(page);
    const variant = page.getByTestId("chapter-variant");
    expect(await variant.getAttribute("dir")).toBe("rtl");
    expect(await variant.getAttribute("lang")).toBe("ur");
    expect(await variant.textContent()).toContain(URDU_NOTE);
    expect(await page.getByTestId("chapter-note").textContent()).toContain("Machine translation (Urdu)");
    const translated = await shapeOf(page);
    expect(translated.ids).toEqual(original.ids);
    expect(translated.code).toEqual(original.code);
    expect(
      await variant
        .locator("pre")
        .first()
        .evaluate((pre) => getComputedStyle(pre).direction),
    ).toBe("ltr");
    // Formulas read left to right too.
    expect(
      await variant
        .locator(".katex")
        .first()
        .evaluate((k) => getComputedStyle(k).direction),
    ).toBe("ltr");
    // The Nastaliq face shipped with the plugin is used, and loads from the book's own origin.
    expect(await variant.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/Noto Nastaliq Urdu/);
    await eventually(() =>
      page.evaluate(() => document.fonts.check('16px "Noto Nastaliq Urdu"', "اردو")),
    ).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "chapters-urdu.png") });

    // The stub saw one translation prompt per section, into Urdu.
    const prompts = stub.chatRequests().filter((r) => /Urdu/.test(JSON.stringify(r.body)));
    expect(prompts.length).toBeGreaterThanOrEqual(translated.ids.length);
  });

  it("fits a phone's width and follows the dark theme", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await eventually(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    const box = await page.getByTestId("chapter-tools").boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(375);
    // Dark mode: the tools take the theme's colours (Docusaurus variables), not fixed ones.
    const colours = () =>
      page
        .getByTestId("chapter-tools")
        .evaluate((el) => `${getComputedStyle(el).backgroundColor} / ${getComputedStyle(el).color}`);
    const light = await colours();
    await page.evaluate(() => document.documentElement.setAttribute("data-theme", "dark"));
    await eventually(colours).not.toBe(light);
    await page.screenshot({ path: join(ARTIFACTS, "chapters-phone-dark.png") });
  });
});

describe.skipIf(skip)("chapter tools in Chromium without a language model (the study guide)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let stack: Stack;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    tmp = tempDir("ai-book-e2e-chapters-offline-");
    stack = await startStack(tmp.path);
    browser = await launchChromium(join(tmp.path, "chromium"));
    page = await browser.newPage();
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    tmp?.cleanup();
  });

  it("personalizes into the study guide, every item a link, and shows translation off with its reason", async () => {
    await page.goto(`${stack.siteUrl}${GUIDED_CHAPTER}`);
    // The buttons are server-rendered: a click before React hydrates them does nothing, so wait for the tutor's
    // launcher (rendered in the browser only) before pressing one.
    await eventually(() => page.getByTestId("tutor-launcher").isVisible()).toBe(true);
    await page.getByTestId("chapter-personalize").click();
    await eventually(() => page.getByTestId("chapter-sign-in").isVisible()).toBe(true);
    await signUpInPanel(page, `offline-${Date.now().toString(36)}@example.test`);
    await variantFinished(page);
    expect(await page.getByTestId("chapter-tools").getAttribute("data-kind")).toBe("study-guide");
    expect(await page.getByTestId("chapter-note").textContent()).toMatch(
      /^Study guide for: software: Beginner/,
    );
    const items = page.getByTestId("chapter-variant").locator("li");
    expect(await items.count()).toBeGreaterThan(0);
    const unlinked = await items.evaluateAll((lis) =>
      lis.filter((li) => !li.querySelector("a[href]")).map((li) => li.textContent),
    );
    expect(unlinked).toEqual([]);
    // The guide's headings are not the chapter's: they claim none of its ids.
    expect((await shapeOf(page)).ids).toEqual([]);

    const translate = page.getByTestId("chapter-translate");
    await eventually(() => translate.isDisabled()).toBe(true);
    const reason = page.getByTestId("chapter-translate-reason");
    expect(await reason.textContent()).toMatch(/OPENAI_API_KEY/);
    expect(await translate.getAttribute("aria-describedby")).toBe(await reason.getAttribute("id"));
    await page.screenshot({ path: join(ARTIFACTS, "chapters-study-guide.png") });

    // A review question's link leads to its section of this chapter: the original comes back, at that heading.
    const question = page.getByTestId("chapter-variant").locator("ol li a").first();
    const href = (await question.getAttribute("href")) ?? "";
    expect(href).toMatch(new RegExp(`^${GUIDED_CHAPTER}#.+`));
    await question.click();
    await eventually(() => page.getByTestId("chapter-tools").getAttribute("data-showing")).toBe("original");
    const target = page.locator(`[id="${decodeURIComponent(href.split("#")[1] ?? "")}"]`);
    await eventually(() => target.count()).toBe(1);
    await eventually(() => target.evaluate((el) => el.getBoundingClientRect().top < window.innerHeight)).toBe(
      true,
    );
  });
});
