// Proof on a book we did not write: a fresh Docusaurus 3 site + the packed plugin + `ai-book serve`, in Chromium.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, REPO_ROOT, skipUnlessPresent, tempDir } from "@ai-book/testkit";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSite, startSiteServer } from "../../book/scripts/site-server.ts";
import { packPlugin } from "../../web/test/pack.ts";
import { chromiumMissing, launchChromium } from "./browser.ts";
import {
  createOwnBookSite,
  firstQuestion,
  OWN_BOOK_DOCS,
  type OwnBookSite,
  ROUTE_BASE_PATH,
} from "./own-book-site.ts";

const AI_BOOK_BIN = join(REPO_ROOT, "packages/cli/bin/ai-book.js");
const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const SERVE_READY_TIMEOUT_MS = 300_000;

const missing =
  (existsSync(OWN_BOOK_DOCS) ? undefined : `the shared corpus is absent (${OWN_BOOK_DOCS})`) ??
  chromiumMissing();
// CI must prove this; a developer's machine without ../shared or Chromium skips it and says why.
const skip = skipUnlessPresent(missing && `[e2e] skipping the own-book test: ${missing}`);

function eventually<T>(check: () => Promise<T> | T, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(check, { timeout: 20_000, interval: 100, ...options });
}

/** Starts `ai-book serve` and resolves once it printed the plugin line (the services are healthy by then). */
async function startServe(
  args: string[],
  dataDir: string,
): Promise<{ child: ChildProcess; output: string[] }> {
  const output: string[] = [];
  const child = spawn(process.execPath, [AI_BOOK_BIN, "serve", ...args], {
    cwd: dataDir,
    // Anything beyond the options comes from the environment, as for an author: here room for the polling below
    // (the default is 10 chat/search requests per reader and minute).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "600" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(
      () => reject(new Error(`ai-book serve not ready after 300 s:\n${output.join("")}`)),
      SERVE_READY_TIMEOUT_MS,
    );
    const check = () => {
      if (output.join("").includes("Press Ctrl-C to stop.")) {
        clearTimeout(guard);
        resolve();
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(guard);
      reject(new Error(`ai-book serve exited with ${code}:\n${output.join("")}`));
    });
  });
  return { child, output };
}

async function stopServe(child: ChildProcess | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await exited;
  clearTimeout(guard);
  return code;
}

describe.skipIf(skip)("an author's own Docusaurus book with the packed plugin and ai-book serve", () => {
  let tmp: ReturnType<typeof tempDir>;
  let site: OwnBookSite;
  let server: RunningSite;
  let serve: { child: ChildProcess; output: string[] } | undefined;
  let browser: BrowserContext;
  let page: Page;
  let authUrl: string;
  let apiUrl: string;

  beforeAll(async () => {
    tmp = tempDir("ai-book-own-book-");
    mkdirSync(ARTIFACTS, { recursive: true });
    const packed = await packPlugin(tmp.path);
    mkdirSync(join(tmp.path, "site"));
    site = await createOwnBookSite(join(tmp.path, "site"), packed);
    console.info(`[e2e] own-book site ${site.built ? "built" : "taken from the build cache"}`);

    const [authPort, apiPort] = [await freePort(), await freePort()];
    authUrl = `http://127.0.0.1:${authPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    server = await startSiteServer({
      dir: site.buildDir,
      port: 0,
      host: "127.0.0.1",
      urls: { authUrl, apiUrl },
    });
    const dataDir = join(tmp.path, "data");
    mkdirSync(dataDir);
    serve = await startServe(
      [
        "--docs",
        site.docsDir,
        "--route-base-path",
        ROUTE_BASE_PATH,
        "--book-url",
        server.url,
        "--auth-port",
        String(authPort),
        "--api-port",
        String(apiPort),
        "--data-dir",
        dataDir,
      ],
      dataDir,
    );
    browser = await launchChromium(join(tmp.path, "chromium"));
    page = await browser.newPage();
  }, 1_200_000);

  afterAll(async () => {
    await browser?.close();
    await stopServe(serve?.child);
    await server?.close();
    tmp?.cleanup();
  });

  it("prints the plugin line for this book's services", () => {
    const printed = serve?.output.join("") ?? "";
    expect(printed).toContain(
      `plugins: [["@ai-book/docusaurus-tutor", { authUrl: "${authUrl}", apiUrl: "http://127.0.0.1:`,
    );
  });

  it("shows the tutor, signs a reader up, and answers a question from that book with working citations", async () => {
    const { question } = firstQuestion();
    await page.goto(`${server.url}${ROUTE_BASE_PATH}/`);
    await page.getByTestId("tutor-launcher").click();
    await eventually(() => page.getByTestId("tutor-signed-out").isVisible()).toBe(true);
    await page.getByRole("button", { name: "Sign in or sign up" }).click();
    const form = page.getByTestId("tutor-sign-up");
    await form.getByLabel("Name").fill("Outside Reader");
    await form.getByLabel("Email").fill(`outside-${Date.now().toString(36)}@example.test`);
    await form.getByLabel(/^Password/).fill("correct horse battery");
    await form.getByRole("button", { name: "Create account" }).click();
    await eventually(() => page.getByTestId("tutor-profile-line").isVisible(), { timeout: 30_000 }).toBe(
      true,
    );

    const input = page.getByLabel("Your question");
    await input.fill(question);
    await input.press("Enter");
    const answer = page.getByTestId("tutor-answer").last();
    await eventually(() => answer.getAttribute("data-status"), { timeout: 60_000 }).toMatch(/^(done|error)$/);
    expect(await answer.getAttribute("data-status"), (await answer.textContent()) ?? "").toBe("done");
    expect(await answer.locator('a[title^="Source "]').count()).toBeGreaterThan(0);
    await page.getByTestId("tutor-panel").screenshot({ path: join(ARTIFACTS, "own-book-answer.png") });

    const hrefs = await answer
      // The inline [n] citations and the sources list under the answer.
      .locator('a[title^="Source "], details ol li a')
      .evaluateAll((links) => [...new Set(links.map((a) => a.getAttribute("href") ?? ""))]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) {
      const url = new URL(href, server.url);
      expect(url.origin, href).toBe(new URL(server.url).origin);
      expect(url.pathname.startsWith(`${ROUTE_BASE_PATH}/`), href).toBe(true);
      // From a blank page, so a link into the page already open is a real load, not a same-document jump.
      await page.goto("about:blank");
      const response = await page.goto(url.href);
      expect(response?.status(), href).toBe(200);
      expect(await page.locator(".theme-doc-markdown").count(), href).toBe(1);
      // A section with a heading links to its id; the text before a page's first heading links to the page,
      // whose title is its h1.
      const heading = url.hash
        ? page.locator(`[id="${decodeURIComponent(url.hash.slice(1))}"]`)
        : page.locator(".theme-doc-markdown h1");
      await eventually(() => heading.count()).toBe(1);
      expect(await heading.evaluate((el) => /^H[1-6]$/.test(el.tagName)), href).toBe(true);
    }
  }, 240_000);

  it("re-indexes a page the author adds while it runs", async () => {
    // A word no book contains, so the search can only find the new page.
    const marker = `zyxwarblement${Date.now().toString(36)}`;
    writeFileSync(
      join(site.docsDir, "intro", "added-while-serving.md"),
      `# Added while serving\n\n## The ${marker} gait\n\nThe ${marker} gait keeps a humanoid upright on ice.\n`,
    );
    const signUp = await fetch(`${authUrl}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify({
        name: "Author",
        email: `author-${Date.now().toString(36)}@example.test`,
        password: "correct horse battery",
      }),
    });
    expect(signUp.status).toBe(200);
    const jwt = signUp.headers.get("set-auth-jwt") ?? "";
    const search = async () => {
      const res = await fetch(`${apiUrl}/v1/search`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
        body: JSON.stringify({ query: marker, limit: 3 }),
      });
      const body = (await res.json()) as { results?: Array<{ url: string }> };
      return body.results?.[0]?.url ?? "";
    };
    try {
      await eventually(search, { timeout: 150_000, interval: 500 }).toBe(
        `${server.url}${ROUTE_BASE_PATH}/intro/added-while-serving#the-${marker}-gait`,
      );
    } catch (err) {
      // What the watcher and the re-index said is the useful part of this failure.
      throw new Error(
        `${(err as Error).message}\nai-book serve output:\n${serve?.output.join("").slice(-3000)}`,
      );
    }
    expect(serve?.output.join("")).toContain("changed: intro/added-while-serving.md; re-indexing");
  }, 240_000);

  it("stops cleanly on SIGTERM", async () => {
    expect(await stopServe(serve?.child)).toBe(0);
  });
});
