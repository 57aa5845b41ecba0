// In production both services refuse to start without strong secrets, name the variable, and never print its value.
import { API_MAIN, AUTH_MAIN, newSecret, runUntilExit, tempDir } from "@ai-book/testkit";
import { afterAll, describe, expect, it, vi } from "vitest";
import { figure } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 400_000 });

const WEAK = "weak-but-recognisable-1234";

describe("production mode refuses weak or missing secrets", () => {
  const dir = tempDir("ai-book-prod-");
  afterAll(() => dir.cleanup());

  const cases: Array<{
    name: string;
    entry: string;
    variable: string;
    env: Record<string, string | undefined>;
  }> = [
    {
      name: "auth without JWT_SECRET",
      entry: AUTH_MAIN,
      variable: "JWT_SECRET",
      env: { BETTER_AUTH_SECRET: newSecret() },
    },
    {
      name: "auth with a short JWT_SECRET",
      entry: AUTH_MAIN,
      variable: "JWT_SECRET",
      env: { JWT_SECRET: WEAK, BETTER_AUTH_SECRET: newSecret() },
    },
    {
      name: "auth without BETTER_AUTH_SECRET",
      entry: AUTH_MAIN,
      variable: "BETTER_AUTH_SECRET",
      env: { JWT_SECRET: newSecret() },
    },
    {
      name: "auth with a short BETTER_AUTH_SECRET",
      entry: AUTH_MAIN,
      variable: "BETTER_AUTH_SECRET",
      env: { JWT_SECRET: newSecret(), BETTER_AUTH_SECRET: WEAK },
    },
    { name: "api without JWT_SECRET", entry: API_MAIN, variable: "JWT_SECRET", env: {} },
    {
      name: "api with a short JWT_SECRET",
      entry: API_MAIN,
      variable: "JWT_SECRET",
      env: { JWT_SECRET: WEAK },
    },
  ];

  it("exits non-zero before serving, naming the variable and not echoing it", async () => {
    const results = await Promise.all(
      cases.map(async (c, i) => {
        const dataDir = `${dir.path}/${i}`;
        const r = await runUntilExit(
          c.entry,
          {
            NODE_ENV: "production",
            DATA_DIR: dataDir,
            AUTH_SERVER_PORT: "0",
            API_SERVER_PORT: "0",
            AUTH_SERVER_HOST: "127.0.0.1",
            API_SERVER_HOST: "127.0.0.1",
            ...c.env,
          },
          240_000,
          { cwd: dir.path },
        );
        return { c, r };
      }),
    );
    for (const { c, r } of results) {
      expect(r.timedOut, `${c.name}: still running (it started instead of refusing)`).toBe(false);
      expect(r.code, `${c.name}: exit code; output:\n${r.output.slice(-1000)}`).not.toBe(0);
      expect(r.output, c.name).toContain(c.variable);
      expect(r.output, `${c.name} echoed the weak secret`).not.toContain(WEAK);
    }
    figure("security", `production start-up: ${results.length} weak/missing-secret configurations refused`);
  });
});
