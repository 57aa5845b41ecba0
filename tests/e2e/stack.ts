// Starts the whole product for browser tests: the built book, the auth-service and the api-service on free ports.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  API_MAIN,
  AUTH_MAIN,
  freePort,
  newSecret,
  REPO_ROOT,
  type ServiceProcess,
  startServiceProcess,
} from "@ai-book/testkit";
import { buildIfStale } from "../../book/scripts/build-state.ts";
import { type RunningSite, startSiteServer } from "../../book/scripts/site-server.ts";

export const BOOK_DIR = join(REPO_ROOT, "book");
export const DOCS_DIR = join(BOOK_DIR, "docs");
export const INGEST_CLI = join(REPO_ROOT, "services/api/src/cli/ingest.ts");
const READY_TIMEOUT_MS = 150_000;

/** Why the full stack cannot run here, if it cannot. */
export function stackMissing(): string | undefined {
  for (const [label, path] of [
    ["auth-service", AUTH_MAIN],
    ["api-service", API_MAIN],
    ["ingest CLI", INGEST_CLI],
    ["book docs", DOCS_DIR],
  ] as const) {
    if (!existsSync(path)) return `${label} not present yet (${path})`;
  }
  return undefined;
}

export interface Stack {
  siteUrl: string;
  authUrl: string;
  apiUrl: string;
  auth: ServiceProcess;
  api: ServiceProcess;
  site: RunningSite;
  close(): Promise<void>;
}

/** Runs the api-service's ingest CLI over the book into `indexPath`, with links pointing at `bookBaseUrl`. */
async function ingestBook(
  dataDir: string,
  indexPath: string,
  bookBaseUrl: string,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), INGEST_CLI, DOCS_DIR], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        INDEX_PATH: indexPath,
        BOOK_BASE_URL: bookBaseUrl,
        NODE_ENV: "test",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.once("error", reject);
    child.once("exit", resolve);
  });
  // Exit 1 means some file could not be parsed while the others were indexed: worth a warning, not a failure here.
  if (code === 1) console.warn(`[e2e] ingest reported unparsable files:\n${output.join("")}`);
  else if (code !== 0) throw new Error(`ingest exited with ${code}:\n${output.join("")}`);
}

export async function startStack(
  dataDir: string,
  /**
   * `env`: extra variables for both services (e.g. REDIS_URL); `apiEnv`: for the api-service only; `ingestEnv`: for
   * the ingest run (an embedding model: the OpenAI-protocol stub's URL and key, as the api-service gets them).
   */
  opts: {
    rateLimitPerMinute?: number;
    env?: Record<string, string>;
    apiEnv?: Record<string, string>;
    ingestEnv?: Record<string, string>;
  } = {},
): Promise<Stack> {
  // A one-off build when the book or the tutor changed; afterwards it is a hash check.
  await buildIfStale(BOOK_DIR, { ...process.env, TUTOR_AUTH_URL: undefined, TUTOR_API_URL: undefined });

  const sitePort = await freePort();
  const siteUrl = `http://127.0.0.1:${sitePort}`;
  const jwtSecret = newSecret();
  const indexPath = join(dataDir, "api", "index.sqlite");
  mkdirSync(join(dataDir, "api"), { recursive: true });
  mkdirSync(join(dataDir, "auth"), { recursive: true });
  await ingestBook(join(dataDir, "api"), indexPath, siteUrl, opts.ingestEnv);

  const [authPort, apiPort] = [await freePort(), await freePort()];
  const authUrl = `http://127.0.0.1:${authPort}`;
  const common = {
    NODE_ENV: "test",
    JWT_SECRET: jwtSecret,
    CORS_ORIGINS: siteUrl,
    LOG_LEVEL: "warn",
    ...opts.env,
  };
  // The services' own entry points as processes; a loaded 2-core machine may need a while to start them.
  const [auth, api] = await Promise.all([
    startServiceProcess({
      entry: AUTH_MAIN,
      name: "auth-service",
      url: authUrl,
      cwd: join(dataDir, "auth"),
      readyTimeoutMs: READY_TIMEOUT_MS,
      env: {
        ...common,
        AUTH_SERVER_PORT: String(authPort),
        AUTH_SERVER_HOST: "127.0.0.1",
        BETTER_AUTH_URL: authUrl,
        BETTER_AUTH_SECRET: newSecret(),
        DATA_DIR: join(dataDir, "auth"),
      },
    }),
    startServiceProcess({
      entry: API_MAIN,
      name: "api-service",
      url: `http://127.0.0.1:${apiPort}`,
      cwd: join(dataDir, "api"),
      readyTimeoutMs: READY_TIMEOUT_MS,
      env: {
        ...common,
        API_SERVER_PORT: String(apiPort),
        API_SERVER_HOST: "127.0.0.1",
        DATA_DIR: join(dataDir, "api"),
        INDEX_PATH: indexPath,
        BOOK_BASE_URL: siteUrl,
        RATE_LIMIT_PER_MINUTE: String(opts.rateLimitPerMinute ?? 100),
        ...opts.apiEnv,
      },
    }),
  ]);
  const site = await startSiteServer({
    dir: join(BOOK_DIR, "build"),
    port: sitePort,
    host: "127.0.0.1",
    urls: { authUrl: auth.url, apiUrl: api.url },
  });
  return {
    siteUrl: site.url,
    authUrl: auth.url,
    apiUrl: api.url,
    auth,
    api,
    site,
    async close() {
      await Promise.allSettled([site.close(), auth.stop(), api.stop()]);
    },
  };
}
