// The packed plugin, as an outside site gets it: installs offline into an empty folder, and plain Node imports it.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPacked, type PackedPlugin, packPlugin } from "./pack.ts";

const run = promisify(execFile);
let work: string;
let packed: PackedPlugin;
let site: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tutor-pack-"));
  site = mkdtempSync(join(work, "site-"));
  packed = await packPlugin(work);
  await installPacked(site, packed);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("@ai-book/docusaurus-tutor tarball", () => {
  it("ships built JavaScript, declarations and the stylesheet, and no TypeScript sources", () => {
    expect(packed.files).toEqual(
      expect.arrayContaining([
        "dist/index.js",
        "dist/index.d.ts",
        "dist/runtime-config.js",
        "dist/runtime-config.d.ts",
        "dist/theme/Root.js",
        "dist/theme/DocItem/Content.js",
        "dist/tutor.css",
        "CHANGELOG.md",
        "package.json",
      ]),
    );
    expect(packed.files.filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    // Bundled in, never required from the registry (it is not published).
    expect(Object.keys(packed.manifest.dependencies ?? {})).not.toContain("@ai-book/contracts");
    const installed = join(site, "node_modules/@ai-book/docusaurus-tutor");
    expect(readFileSync(join(installed, "dist/theme/Root.js"), "utf8")).not.toMatch(/from "@ai-book\//);
    const css = readFileSync(join(installed, "dist/tutor.css"), "utf8");
    expect(css).toMatch(/\.tutor_\w+\s*\{/);
    expect(css).toMatch(/\.chapters_\w+\s*\{/);
    // The Urdu face of translated chapters ships in the package: every font the stylesheet names is in it.
    expect(css).toMatch(/font-family: "Noto Nastaliq Urdu"/);
    const fonts = [...css.matchAll(/url\("?\.\/(assets\/[^")]+)"?\)/g)].map((m) => `dist/${m[1]}`);
    expect(fonts.length).toBeGreaterThan(0);
    expect(packed.files).toEqual(expect.arrayContaining(fonts));
  });

  it("is imported by plain Node (no TypeScript loader) and builds a Docusaurus plugin from validated options", async () => {
    const script = `
      const mod = await import("@ai-book/docusaurus-tutor");
      const { renderRuntimeConfig } = await import("@ai-book/docusaurus-tutor/runtime-config");
      const options = mod.validateOptions({ options: { authUrl: "https://auth.example.org/", apiUrl: "https://api.example.org" } });
      const plugin = mod.default({ baseUrl: "/book/" }, options);
      let rejected = "";
      try { mod.validateOptions({ options: { authUrl: "ftp://x" } }); } catch (e) { rejected = e.message; }
      const fs = await import("node:fs");
      console.log(JSON.stringify({
        name: plugin.name,
        themeRoot: fs.existsSync(plugin.getThemePath() + "/Root.js"),
        clientModules: plugin.getClientModules().map((p) => fs.existsSync(p) && p.endsWith("tutor.css")),
        headTags: plugin.injectHtmlTags().headTags,
        runtime: renderRuntimeConfig({ authUrl: "https://a.test/", apiUrl: "https://b.test" }),
        rejected,
      }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      cwd: site,
      // Nothing from this repository may leak in: no tsx loader, no NODE_PATH.
      env: { PATH: process.env.PATH ?? "" },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toEqual({
      name: "docusaurus-tutor",
      themeRoot: true,
      clientModules: [true],
      headTags: [{ tagName: "script", attributes: { src: "/book/tutor-config.js" } }],
      runtime: 'window.__AI_BOOK_TUTOR__ = {"authUrl":"https://a.test","apiUrl":"https://b.test"};\n',
      rejected: '@ai-book/docusaurus-tutor: option "authUrl" must be an http(s) URL, got "ftp://x"',
    });
  });
});
