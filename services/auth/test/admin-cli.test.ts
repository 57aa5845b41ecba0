// `npm run admin -- grant <email> <role>` as a real process over the same DATA_DIR the auth-service uses (PGlite on disk).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { closeAddressAgents, REPO_ROOT, tempDir } from "@ai-book/testkit";
import { decodeJwt } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { call } from "./client.ts";
import { BETTER_AUTH_SECRET, JWT_SECRET, startAuth, uniqueEmail } from "./helpers.ts";

afterAll(closeAddressAgents);

function runCli(
  args: string[],
  dataDir: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "services/auth/src/cli/admin.ts"), ...args],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: "test",
          DATA_DIR: dataDir,
          JWT_SECRET,
          BETTER_AUTH_SECRET,
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("admin CLI", () => {
  it("grants a role to an account by email; the next JWT carries it", async () => {
    const dir = tempDir("ai-book-admin-cli-");
    try {
      const pgliteDir = join(dir.path, "auth");
      const email = uniqueEmail("cli");
      let auth = await startAuth({ variant: "pglite", env: { DATA_DIR: dir.path }, pgliteDir });
      const up = await call(auth.url, "/api/auth/sign-up/email", {
        body: { name: "Cli", email, password: "correct horse battery" },
      });
      expect(up.status).toBe(200);
      // PGlite admits one process at a time: the operator stops the service first.
      await auth.stop();

      const usage = await runCli(["grant", email], dir.path);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/usage: npm run admin -- grant <email> <reader\|author\|admin>/);
      const badRole = await runCli(["grant", email, "owner"], dir.path);
      expect(badRole.code).toBe(1);
      expect(badRole.stderr).toMatch(/unknown role "owner"/);
      const ok = await runCli(["grant", email, "author"], dir.path);
      expect(ok.stderr).toBe("");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`${email}: reader → author`);

      auth = await startAuth({ variant: "pglite", env: { DATA_DIR: dir.path }, pgliteDir });
      try {
        const jwt = await call(auth.url, "/api/auth/jwt", { bearer: up.json.token, origin: null });
        expect(jwt.status).toBe(200);
        expect(decodeJwt(jwt.json.token).role).toBe("author");
      } finally {
        await auth.stop();
      }
    } finally {
      dir.cleanup();
    }
  }, 120_000);
});
