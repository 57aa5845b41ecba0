// Issue 19, finding 5: the real ingest CLI follows no symbolic link out of the docs folder and skips oversized files; the api-service never answers with their text.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ingestBook, newSecret, type ServiceProcess, startApiProcess, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid } from "./hostile-jwt.ts";
import { postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const SECRET_LINE = "zanzibarquokka credentials for the staging database";
const HUGE_WORD = "oversizedmarmoset";

describe("finding 5: the ingest stays inside the docs folder", () => {
  const dir = tempDir("ai-book-ingest-files-");
  const secret = newSecret();
  let api: ServiceProcess;
  let output: string;

  beforeAll(async () => {
    const docs = join(dir.path, "docs");
    const outside = join(dir.path, "outside");
    mkdirSync(docs, { recursive: true });
    mkdirSync(join(outside, "private"), { recursive: true });
    writeFileSync(
      join(docs, "intro.md"),
      "# Introduction\n\nAn inertial measurement unit measures acceleration.\n",
    );
    writeFileSync(join(outside, "secret.md"), `# Secret\n\n${SECRET_LINE}\n`);
    writeFileSync(join(outside, "private", "more.md"), `# More\n\n${SECRET_LINE} again\n`);
    symlinkSync(join(outside, "secret.md"), join(docs, "leak.md"));
    symlinkSync(join(outside, "private"), join(docs, "linked-dir"));
    writeFileSync(join(docs, "huge.md"), `# Huge\n\n${`${HUGE_WORD} `.repeat(2000)}\n`);
    const dataDir = join(dir.path, "api");
    output = await ingestBook({ dataDir, docsDir: docs, env: { INGEST_MAX_FILE_BYTES: "4096" } });
    api = await startApiProcess({ dataDir, jwtSecret: secret, rateLimitPerMinute: 1000 });
  });
  afterAll(async () => {
    await api?.stop();
    dir.cleanup();
  });

  it("follows neither link, warns about the oversized file, and indexes only the real doc", () => {
    expect(output).not.toMatch(/leak\.md|linked-dir/);
    expect(output).toMatch(/warning: skipped huge\.md: \d+ bytes, over INGEST_MAX_FILE_BYTES \(4096\)/);
    expect(output).toMatch(/1 added/);
  });

  it("never returns the linked or oversized text from /v1/search", async () => {
    const jwt = await signValid(secret);
    for (const query of ["zanzibarquokka staging credentials", HUGE_WORD, "inertial measurement"]) {
      const a = await postJson(
        `${api.url}/v1/search`,
        { query, limit: 20 },
        { headers: { authorization: `Bearer ${jwt}` } },
      );
      expect(a.status, a.text).toBe(200);
      expect(a.text).not.toContain("zanzibarquokka");
      expect(a.text).not.toContain(HUGE_WORD);
    }
    const found = await postJson(
      `${api.url}/v1/search`,
      { query: "inertial measurement", limit: 5 },
      { headers: { authorization: `Bearer ${jwt}` } },
    );
    expect((found.json as { results: unknown[] }).results.length).toBeGreaterThan(0);
  });
});
