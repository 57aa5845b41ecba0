// The book's Docusaurus site (issue 6): whether it can be served, and the environment its scripts read.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BOOK_DIR } from "./services.ts";

/** The book's own scripts start.ts runs: rebuild only when its sources changed, then serve the build. */
export const SITE_SCRIPTS = { build: "build-if-stale", serve: "serve" } as const;

export interface SiteInfo {
  dir: string;
  /** Why there is nothing to serve, when there is not. */
  unavailable?: string;
}

export function siteInfo(root: string): SiteInfo {
  const dir = join(root, BOOK_DIR);
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return { dir, unavailable: `${BOOK_DIR}/package.json is missing` };
  const scripts =
    (JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> }).scripts ?? {};
  const absent = Object.values(SITE_SCRIPTS).filter((s) => !scripts[s]);
  if (absent.length)
    return { dir, unavailable: `${BOOK_DIR}/package.json has no ${absent.join(" / ")} script` };
  return { dir };
}

/**
 * What book/scripts/serve.ts reads: where to listen, and the service URLs it hands the tutor at runtime
 * (/tutor-config.js), so other ports need no rebuild.
 */
export function siteServeEnv(
  base: Record<string, string>,
  o: { port: number; host: string; authUrl: string; apiUrl: string },
): Record<string, string> {
  return {
    ...base,
    PORT: String(o.port),
    HOST: o.host,
    TUTOR_AUTH_URL: base.TUTOR_AUTH_URL || o.authUrl,
    TUTOR_API_URL: base.TUTOR_API_URL || o.apiUrl,
  };
}
