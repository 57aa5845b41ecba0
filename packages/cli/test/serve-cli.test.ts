// `ai-book serve` as a process: its help names every option, and bad usage is one line on stderr with exit code 2.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join, resolve } from "node:path";
import { tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = resolve(import.meta.dirname, "../bin/ai-book.js");

function aiBook(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 },
      (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe("ai-book serve (process)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    tmp = tempDir("ai-book-cli-");
    docs = join(tmp.path, "docs");
    mkdirSync(join(docs, "intro"), { recursive: true });
    writeFileSync(join(docs, "intro", "index.md"), "# Intro\n\nHello.\n");
    mkdirSync(join(tmp.path, "no-markdown", "img"), { recursive: true });
    writeFileSync(join(tmp.path, "no-markdown", "img", "logo.svg"), "<svg/>");
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((r) => busy?.close(r));
    tmp?.cleanup();
  });

  it("documents every option in --help and exits 0", async () => {
    const { code, stdout } = await aiBook(["serve", "--help"], tmp.path);
    expect(code).toBe(0);
    for (const option of [
      "--docs",
      "--route-base-path",
      "--book-url",
      "--auth-port",
      "--api-port",
      "--host",
      "--data-dir",
      "--no-watch",
      "--help",
    ]) {
      expect(stdout).toContain(option);
    }
  });

  it.each([
    ["a docs path that does not exist", ["--docs", "missing"], /--docs: .*missing is not a folder/],
    ["a docs folder with no Markdown", ["--docs", "no-markdown"], /holds no Markdown/],
    ["an unknown option", ["--docs", "docs", "--port", "1"], /Unknown option '--port'/],
    [
      "a port that is not one",
      ["--docs", "docs", "--api-port", "80000"],
      /--api-port: "80000" is not a TCP port/,
    ],
    ["a book URL that is not one", ["--docs", "docs", "--book-url", "localhost:3000"], /--book-url/],
  ])("refuses %s with one line and exit code 2", async (_, args, message) => {
    const { code, stderr, stdout } = await aiBook(["serve", ...args], tmp.path);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stdout).toBe("");
  });

  it("refuses a port that is taken with one line naming the option, and exit code 2", async () => {
    const { code, stderr } = await aiBook(
      ["serve", "--docs", "docs", "--auth-port", String(busyPort), "--data-dir", join(tmp.path, "data")],
      tmp.path,
    );
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(
      `port ${busyPort} on 127.0.0.1 is already in use (set --auth-port to use another)`,
    );
  });

  it("answers an unknown command with exit code 2", async () => {
    const { code, stderr } = await aiBook(["sevre"], tmp.path);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "sevre"');
  });
});
