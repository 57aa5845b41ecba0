// Decides whether the book's build is stale: a content hash of everything the build reads, stored in the build.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildPlugin } from "../../web/scripts/build.ts";

const HASH_FILE = ".build-hash";
/**
 * Paths (relative to the site) whose content changes the output. The tutor comes in through its package build
 * (web/dist, as an outside site installs it), so what that build reads counts too.
 */
const INPUTS = [
  "docs",
  "src",
  "static",
  "docusaurus.config.ts",
  "sidebars.ts",
  "package.json",
  "../web/src",
  "../web/scripts/build.ts",
  "../web/package.json",
  "../packages/contracts/src",
];
/** The plugin's built entry: the book's serve script imports the package too, so it must exist even when the site is fresh. */
const PLUGIN_ENTRY = "../web/dist/index.js";
/** Environment variables the config reads at build time. */
const BUILD_ENV = ["TUTOR_AUTH_URL", "TUTOR_API_URL", "BOOK_SITE_URL"];

function listFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith(".") || entry.name === ".gitkeep")
    .flatMap((entry) => listFiles(join(path, entry.name)));
}

/** sha256 over the sorted input files' paths and contents, plus the build-time environment. */
export function sourceHash(siteDir: string, env: Record<string, string | undefined>): string {
  const hash = createHash("sha256");
  const files = INPUTS.flatMap((input) => listFiles(join(siteDir, input)))
    .filter((file) => !file.endsWith(".test.ts"))
    .sort();
  for (const file of files) {
    hash.update(relative(siteDir, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  for (const name of BUILD_ENV) hash.update(`${name}=${env[name] ?? ""}\0`);
  return hash.digest("hex");
}

export function isBuildStale(siteDir: string, env: Record<string, string | undefined>): boolean {
  const buildDir = join(siteDir, "build");
  if (!existsSync(join(buildDir, "index.html")) || !existsSync(join(buildDir, HASH_FILE))) return true;
  return readFileSync(join(buildDir, HASH_FILE), "utf8").trim() !== sourceHash(siteDir, env);
}

/**
 * Runs `docusaurus build` into a private directory, records the source hash, then swaps it in for build/, so a
 * server reading build/ never sees a half-written site and two concurrent builders never share an output dir.
 */
export async function buildSite(siteDir: string, env: Record<string, string | undefined>): Promise<void> {
  const hash = sourceHash(siteDir, env);
  const buildDir = join(siteDir, "build");
  const outDir = `${buildDir}.tmp-${process.pid}-${Date.now()}`;
  // The book installs the tutor package like any site: build the package first, then the site against it.
  await buildPlugin();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn("npx", ["docusaurus", "build", "--out-dir", outDir], {
        cwd: siteDir,
        stdio: "inherit",
        env: env as NodeJS.ProcessEnv,
      });
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`docusaurus build exited with ${code}`)),
      );
    });
    writeFileSync(join(outDir, HASH_FILE), `${hash}\n`);
    const oldDir = `${buildDir}.old-${process.pid}-${Date.now()}`;
    if (existsSync(buildDir)) renameSync(buildDir, oldDir);
    renameSync(outDir, buildDir);
    rmSync(oldDir, { recursive: true, force: true });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Builds only when the sources changed since the last build; returns whether it built. */
export async function buildIfStale(
  siteDir: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  if (!isBuildStale(siteDir, env)) {
    if (!existsSync(join(siteDir, PLUGIN_ENTRY))) await buildPlugin();
    return false;
  }
  await buildSite(siteDir, env);
  return true;
}
