// main.ts as a real process: serves from the environment, and on SIGTERM finishes in-flight streams, then exits 0.
import { join } from "node:path";
import { freePort, runUntilExit, startOpenAIStub, startServiceProcess, tempDir } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { readSse, signToken, TEST_SECRET, writeFixtureIndex } from "../test/harness.ts";

const ENTRY = join(import.meta.dirname, "main.ts");

describe("main.ts (real process)", () => {
  it("on SIGTERM stops accepting, lets an in-flight stream finish, and exits 0", async () => {
    const dir = tempDir("ai-book-main-");
    const stub = await startOpenAIStub({ tokenDelayMs: 40 });
    stub.setReply(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" "));
    const indexPath = join(dir.path, "index.sqlite");
    await writeFixtureIndex(indexPath);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await startServiceProcess({
      entry: ENTRY,
      name: "api-service",
      url,
      cwd: dir.path,
      env: {
        API_SERVER_PORT: String(port),
        API_SERVER_HOST: "127.0.0.1",
        JWT_SECRET: TEST_SECRET,
        DATA_DIR: dir.path,
        INDEX_PATH: indexPath,
        OPENAI_API_KEY: "sk-test",
        OPENAI_BASE_URL: stub.baseURL,
        SHUTDOWN_GRACE_MS: "10000",
      },
    });
    try {
      const res = await fetch(`${url}/v1/chat/stream`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await signToken()}` },
        body: JSON.stringify({ message: "zero moment point" }),
      });
      expect(res.status).toBe(200);
      const reading = readSse(res);
      // The stream is under way (about 1.2 s of tokens) when the signal arrives.
      await new Promise((r) => setTimeout(r, 200));
      proc.process.kill("SIGTERM");
      const { events } = await reading;
      expect(events.at(-1)?.event).toBe("done");
      expect(events.filter((e) => e.event === "delta").length).toBeGreaterThan(10);
      const exit = await proc.exited;
      expect(exit.code).toBe(0);
      expect(proc.output()).toMatch(/shutting down/);
      await expect(fetch(`${url}/health`)).rejects.toThrow();
    } finally {
      await proc.stop("SIGKILL");
      await stub.close();
      dir.cleanup();
    }
  });

  it("refuses to start in production without a strong JWT_SECRET, naming the variable", async () => {
    const dir = tempDir("ai-book-main-");
    try {
      const run = await runUntilExit(
        ENTRY,
        { NODE_ENV: "production", DATA_DIR: dir.path, JWT_SECRET: "short" },
        30_000,
        {
          cwd: dir.path,
        },
      );
      expect(run.code).toBe(1);
      expect(run.output).toMatch(/JWT_SECRET/);
      expect(run.output).not.toContain("short");
    } finally {
      dir.cleanup();
    }
  });
});
