// `npm run serve -w book`: serves the production build on PORT (3000) with the tutor pointed at the services.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readerUrl, startSiteServer } from "./site-server.ts";

const siteDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = join(siteDir, "build");
if (!existsSync(join(buildDir, "index.html"))) {
  console.error(
    "book: no build found — run `npm run build -w book` (or `npm run build-if-stale -w book`) first.",
  );
  process.exit(1);
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "0.0.0.0";
const authUrl = process.env.TUTOR_AUTH_URL;
const apiUrl = process.env.TUTOR_API_URL;
const urls =
  authUrl || apiUrl
    ? { authUrl: authUrl ?? "http://localhost:3001", apiUrl: apiUrl ?? "http://localhost:8000" }
    : undefined;

const site = await startSiteServer({ dir: buildDir, port, host, urls });
console.log(
  `book: serving ${buildDir} at ${readerUrl(site.url)}` +
    (urls ? ` (tutor: auth ${urls.authUrl}, api ${urls.apiUrl})` : " (tutor URLs from the build)"),
);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void site.close().then(() => process.exit(0));
  });
}
