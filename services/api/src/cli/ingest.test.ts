// The ingest CLI's output: a cli-progress bar on a terminal, plain lines elsewhere, always the summary.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { tempDir } from "@ai-book/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runIngestCli } from "./ingest.ts";

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 160;
  return { stream, text: () => chunks.join("") };
}

describe("ingest CLI output", () => {
  let dir: { path: string; cleanup: () => void };
  beforeEach(() => {
    dir = tempDir("ingest-cli-");
    mkdirSync(join(dir.path, "docs", "01-part"), { recursive: true });
    writeFileSync(
      join(dir.path, "docs", "01-part", "a.md"),
      "# Alpha\n\nActuators turn energy into motion.\n",
    );
    writeFileSync(join(dir.path, "docs", "b.mdx"), "# Beta\n\nSensors turn the world into numbers.\n");
  });
  afterEach(() => dir.cleanup());

  it("draws a progress bar with counts on a terminal and ends with the summary", async () => {
    const out = capture(false);
    const err = capture(true);
    const code = await runIngestCli(
      ["docs"],
      { DATA_DIR: "data" },
      { stdout: out.stream, stderr: err.stream, cwd: dir.path },
    );
    expect(code).toBe(0);
    expect(err.text()).toMatch(/index \[[^\]]+\] 2\/2 docs/);
    expect(err.text()).toContain("ETA");
    expect(out.text()).toContain(`into ${join(dir.path, "data", "index.sqlite")}`);
    expect(out.text()).toMatch(/documents: 2 scanned, 2 added, 0 changed, 0 unchanged, 0 deleted, 0 failed/);
    expect(out.text()).toMatch(/chunks:\s+2 added, 0 removed/);
    expect(out.text()).toMatch(/embedding: 0 requests, 0 tokens/);
    expect(out.text()).toMatch(/time:\s+\d+\.\d\d s/);
  });

  it("writes plain progress lines without a terminal", async () => {
    const out = capture(false);
    const err = capture(false);
    await runIngestCli(
      ["docs"],
      { DATA_DIR: "data" },
      { stdout: out.stream, stderr: err.stream, cwd: dir.path },
    );
    expect(err.text().split("\n").filter(Boolean)).toEqual([
      "scan 2/2 b.mdx",
      "index 1/2 01-part/a.md",
      "index 2/2 b.mdx",
    ]);
    expect(err.text()).not.toContain("\u001b[");
  });
});
