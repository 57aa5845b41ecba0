// Tests of the stale-build check: a doc edit or a build-time variable change makes the build stale.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isBuildStale, sourceHash } from "./build-state.ts";

let site: string | undefined;
afterEach(() => {
  if (site) rmSync(site, { recursive: true, force: true });
});

function fakeSite(): string {
  const dir = mkdtempSync(join(tmpdir(), "book-state-"));
  mkdirSync(join(dir, "docs", "01-intro"), { recursive: true });
  mkdirSync(join(dir, "build"));
  writeFileSync(join(dir, "docs", "01-intro", "index.md"), "# Intro\n");
  writeFileSync(join(dir, "docusaurus.config.ts"), "export default {};\n");
  writeFileSync(join(dir, "build", "index.html"), "<html></html>");
  return dir;
}

describe("build staleness", () => {
  it("is stale without a recorded hash, fresh with it, stale again after a doc edit", () => {
    site = fakeSite();
    const env = { TUTOR_AUTH_URL: undefined };
    expect(isBuildStale(site, env)).toBe(true);
    writeFileSync(join(site, "build", ".build-hash"), `${sourceHash(site, env)}\n`);
    expect(isBuildStale(site, env)).toBe(false);
    writeFileSync(join(site, "docs", "01-intro", "index.md"), "# Intro\n\nMore.\n");
    expect(isBuildStale(site, env)).toBe(true);
  });

  it("changes with a new file and with build-time service URLs, not with unrelated variables", () => {
    site = fakeSite();
    const before = sourceHash(site, {});
    expect(sourceHash(site, { UNRELATED: "x" })).toBe(before);
    expect(sourceHash(site, { TUTOR_API_URL: "http://api.test" })).not.toBe(before);
    writeFileSync(join(site, "docs", "02.md"), "# Two\n");
    expect(sourceHash(site, {})).not.toBe(before);
  });
});
