// `npm run build-if-stale -w book`: rebuilds the site only when docs, components, config or the tutor changed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIfStale } from "./build-state.ts";

const siteDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
const built = await buildIfStale(siteDir, process.env);
console.log(
  built
    ? `book: rebuilt in ${Math.round((Date.now() - started) / 1000)} s`
    : "book: build is up to date (sources unchanged)",
);
