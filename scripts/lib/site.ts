// The book's Docusaurus site: is it there, is its production build current, and how to build and serve it.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { BOOK_DIR } from "./services.ts";

/** Folders that are outputs or dependencies, not inputs of the build. */
const IGNORED = new Set(["node_modules", "build", ".docusaurus", ".cache", "test-artifacts"]);

/** Written into the build folder after a successful build: the fingerprint of what it was built from. */
export const BUILD_STAMP = ".ai-book-build-stamp";

/**
 * Variables that may be baked into the static build (the service URLs the tutor calls), so a change of port
 * rebuilds the site instead of serving one that calls the wrong place.
 */
export const BUILD_ENV_VARS = [
  "AUTH_SERVICE_URL",
  "BETTER_AUTH_URL",
  "API_SERVICE_URL",
  "BOOK_BASE_URL",
  "NODE_ENV",
];

export interface SiteInfo {
  dir: string;
  /** Why there is nothing to serve, when there is not. */
  unavailable?: string;
  buildScript?: string;
  serveScript?: string;
}

export function siteInfo(root: string): SiteInfo {
  const dir = join(root, BOOK_DIR);
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return { dir, unavailable: `${BOOK_DIR}/package.json is missing` };
  const scripts =
    (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
  if (!scripts.serve || !scripts.build)
    return { dir, unavailable: `${BOOK_DIR}/package.json has no build and serve scripts yet` };
  return { dir, buildScript: scripts.build, serveScript: scripts.serve };
}

/** A fingerprint of every source file of the site (path, size, mtime) plus the build-time variables. */
export function siteFingerprint(dir: string, env: Record<string, string | undefined>): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (IGNORED.has(entry.name)) continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        const st = statSync(p);
        hash.update(`${relative(dir, p).split(sep).join("/")}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  for (const name of BUILD_ENV_VARS) hash.update(`${name}=${env[name] ?? ""}\n`);
  return hash.digest("hex");
}

export function buildDir(dir: string): string {
  return join(dir, "build");
}

/** True when the build folder is missing or was made from other sources or variables. */
export function siteIsStale(dir: string, fingerprint: string): boolean {
  const stamp = join(buildDir(dir), BUILD_STAMP);
  return !existsSync(stamp) || readFileSync(stamp, "utf8").trim() !== fingerprint;
}

export function markSiteBuilt(dir: string, fingerprint: string): void {
  writeFileSync(join(buildDir(dir), BUILD_STAMP), `${fingerprint}\n`);
}
