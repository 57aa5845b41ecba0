// main.ts as a real process: refuses a production start without secrets, serves, and exits 0 on SIGTERM.
import { fileURLToPath } from "node:url";
import {
  createPgDatabase,
  freePort,
  runUntilExit,
  type ServiceProcess,
  startServiceProcess,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { BETTER_AUTH_SECRET, JWT_SECRET } from "./helpers.ts";

const ENTRY = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const dirs: Array<{ cleanup: () => void }> = [];
afterAll(() => {
  for (const d of dirs) d.cleanup();
});

// Child processes start tsx + the service from cold: allow for a busy machine.
describe("main.ts", { timeout: 240_000 }, () => {
  it("refuses to start in production without JWT_SECRET, with one line naming it", async () => {
    const dir = tempDir("ai-book-auth-main-");
    dirs.push(dir);
    const r = await runUntilExit(
      ENTRY,
      { NODE_ENV: "production", DATA_DIR: dir.path, BETTER_AUTH_SECRET },
      180_000,
      { cwd: dir.path },
    );
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    expect(r.output.trim().split("\n")).toHaveLength(1);
    expect(r.output).toMatch(/JWT_SECRET/);
    expect(r.output).not.toContain(BETTER_AUTH_SECRET);
  });

  it("serves /health and stops with exit code 0 on SIGTERM", async () => {
    const dir = tempDir("ai-book-auth-main-");
    dirs.push(dir);
    const pg = process.env.DATABASE_URL ? await createPgDatabase(process.env.DATABASE_URL) : undefined;
    const port = await freePort();
    let proc: ServiceProcess | undefined;
    try {
      proc = await startServiceProcess({
        name: "auth-service",
        entry: ENTRY,
        cwd: dir.path,
        url: `http://127.0.0.1:${port}`,
        env: {
          NODE_ENV: "production",
          AUTH_SERVER_PORT: String(port),
          AUTH_SERVER_HOST: "127.0.0.1",
          DATA_DIR: dir.path,
          JWT_SECRET,
          BETTER_AUTH_SECRET,
          DATABASE_URL: pg?.url,
        },
      });
      const health = await fetch(`${proc.url}/health`);
      expect(health.status).toBe(200);
      // Production cookies are Secure (and HttpOnly, SameSite=Lax).
      const up = await fetch(`${proc.url}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://localhost:3000" },
        body: JSON.stringify({ name: "P", email: "prod@example.com", password: "a long enough password" }),
      });
      expect(up.status).toBe(200);
      const cookie = up.headers.getSetCookie().join("\n");
      expect(cookie).toMatch(/; Secure/i);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      const { code } = await proc.stop("SIGTERM");
      expect(code).toBe(0);
      const messages = proc.jsonLines().map((l) => l.msg);
      expect(messages).toContain("auth-service listening");
      expect(messages).toContain("stopped");
      expect(proc.output()).not.toContain(JWT_SECRET);
    } finally {
      await proc?.stop("SIGKILL");
      await pg?.drop();
    }
  });
});
