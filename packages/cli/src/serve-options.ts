// `ai-book serve` options: parsed from the command line (with DOCS_DIR-style environment defaults) and checked.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

export const SERVE_USAGE = `Usage: ai-book serve --docs <dir> [options]

Runs the tutor's services for your own Docusaurus book on embedded defaults (no database, no keys to set up):
ingests the docs folder into a local index (incrementally), starts the auth-service and the api-service with
generated development secrets and CORS open to your book's origin, re-indexes files as you edit them, and prints
the line to paste into your docusaurus.config.

Options:
  --docs <dir>               your site's docs folder (Markdown/MDX)                      env DOCS_DIR
  --route-base-path <path>   the docs plugin's routeBasePath (default /docs; / for docs-only sites)
                                                                                         env ROUTE_BASE_PATH
  --book-url <url>           where readers open the book, with the site's baseUrl if it is not /
                             (default http://localhost:3000); its origin is allowed by CORS and
                             source links point there                                    env BOOK_URL
  --auth-port <port>         the auth-service's port (default 3001)                      env AUTH_SERVER_PORT
  --api-port <port>          the api-service's port (default 8000)                       env API_SERVER_PORT
  --host <address>           the address both services listen on (default 127.0.0.1)
  --data-dir <dir>           accounts database, index and dev secrets (default .ai-book)  env DATA_DIR
  --no-watch                 index once; do not watch the docs folder for changes
  -h, --help                 show this help

Anything else the services read (OPENAI_API_KEY, DATABASE_URL, QDRANT_URL, REDIS_URL, ...) is taken from the
environment as documented in README.md; the options above win over it.

Exit code: 0 after Ctrl-C, 2 on bad usage (unknown option, missing or empty docs folder, taken port),
1 when a service fails.`;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface ServeOptions {
  docsDir: string;
  routeBasePath: string;
  /** The site's baseUrl, from the book URL's path ("/" or "/my-book/"). */
  baseUrl: string;
  /** The book's origin: CORS and the source links' base. */
  bookOrigin: string;
  /** The book URL as given, for messages. */
  bookUrl: string;
  authPort: number;
  apiPort: number;
  host: string;
  dataDir: string;
  watch: boolean;
}

export type ParsedServe = { help: true } | { help: false; options: ServeOptions };

const DOC_FILE = /\.mdx?$/i;

function port(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65_535)
    throw new UsageError(`${option}: "${value}" is not a TCP port`);
  return n;
}

/** True when the folder (or a sub-folder, leaving out node_modules and dot-folders) holds a Markdown/MDX file. */
export function hasMarkdown(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    if (entry.isFile() && DOC_FILE.test(entry.name)) return true;
    if (entry.isDirectory() && hasMarkdown(join(dir, entry.name))) return true;
  }
  return false;
}

/** Parses `serve`'s arguments; throws UsageError with a one-line message on anything wrong. */
export function parseServeArgs(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): ParsedServe {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        docs: { type: "string" },
        "route-base-path": { type: "string" },
        "book-url": { type: "string" },
        "auth-port": { type: "string" },
        "api-port": { type: "string" },
        host: { type: "string" },
        "data-dir": { type: "string" },
        "no-watch": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true };

  const docsArg = (values.docs as string | undefined) ?? env.DOCS_DIR;
  if (!docsArg) throw new UsageError("--docs <dir> is required (your site's docs folder)");
  const docsDir = resolve(cwd, docsArg);
  if (!existsSync(docsDir) || !statSync(docsDir).isDirectory())
    throw new UsageError(`--docs: ${docsDir} is not a folder`);
  if (!hasMarkdown(docsDir)) throw new UsageError(`--docs: ${docsDir} holds no Markdown (.md or .mdx) files`);

  const routeBasePath = (values["route-base-path"] as string | undefined) ?? env.ROUTE_BASE_PATH ?? "/docs";
  if (!routeBasePath.startsWith("/"))
    throw new UsageError(
      `--route-base-path: "${routeBasePath}" must start with / (e.g. /docs, or / for docs-only sites)`,
    );

  const bookUrl = (values["book-url"] as string | undefined) ?? env.BOOK_URL ?? "http://localhost:3000";
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(bookUrl);
  } catch {
    throw new UsageError(`--book-url: "${bookUrl}" is not a URL (e.g. http://localhost:3000)`);
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:")
    throw new UsageError(`--book-url: "${bookUrl}" must be an http(s) URL`);
  const baseUrl = parsedUrl.pathname.endsWith("/") ? parsedUrl.pathname : `${parsedUrl.pathname}/`;

  const authPort = port(
    (values["auth-port"] as string | undefined) ?? env.AUTH_SERVER_PORT ?? "3001",
    "--auth-port",
  );
  const apiPort = port(
    (values["api-port"] as string | undefined) ?? env.API_SERVER_PORT ?? "8000",
    "--api-port",
  );
  if (authPort === apiPort) throw new UsageError(`--auth-port and --api-port must differ (both ${authPort})`);

  return {
    help: false,
    options: {
      docsDir,
      routeBasePath,
      baseUrl,
      bookOrigin: parsedUrl.origin,
      bookUrl,
      authPort,
      apiPort,
      host: (values.host as string | undefined) ?? "127.0.0.1",
      dataDir: resolve(cwd, (values["data-dir"] as string | undefined) ?? env.DATA_DIR ?? ".ai-book"),
      watch: !values["no-watch"],
    },
  };
}

/** Origins the services accept: the book's, plus its localhost/127.0.0.1 twin (browsers treat them as different). */
export function corsOrigins(origin: string): string[] {
  const url = new URL(origin);
  const twin =
    url.hostname === "localhost" ? "127.0.0.1" : url.hostname === "127.0.0.1" ? "localhost" : undefined;
  if (!twin) return [origin];
  const other = new URL(origin);
  other.hostname = twin;
  return [origin, other.origin];
}
