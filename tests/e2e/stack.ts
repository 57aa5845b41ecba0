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

export interface StackOptions {
  rateLimitPerMinute?: number;
  /** Extra variables for both services (e.g. REDIS_URL, OPENAI_BASE_URL). */
  env?: Record<string, string>;
  /** Extra variables for the api-service only. */
  apiEnv?: Record<string, string>;
  /** Extra variables for the ingest run (an embedding model: the OpenAI-protocol stub's URL and key). */
  ingestEnv?: Record<string, string>;
  /**
   * The name the services are published under (their URLs in the tutor's runtime config, BETTER_AUTH_URL). They
   * always listen on 127.0.0.1, as does the site. "localhost" gives what `npm start` prints. @default "127.0.0.1"
   */
  serviceHost?: "127.0.0.1" | "localhost";
  /** More host names the book is opened under (each `http://<name>:<site port>` joins CORS_ORIGINS). */
  siteAliases?: string[];
}

/** Tries to start the auth-service on a port chosen in advance, again on another one if that port was taken. */
async function startAuthOnChosenPort(
  start: (port: number) => Promise<ServiceProcess>,
  attempts = 3,
): Promise<ServiceProcess> {
  for (let i = 1; ; i++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      // Another process took the port between choosing and binding it: choose again; anything else is real.
      if (i >= attempts || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

export async function startStack(dataDir: string, opts: StackOptions = {}): Promise<Stack> {
  // A one-off build when the book or the tutor changed; afterwards it is a hash check.
  await buildIfStale(BOOK_DIR, { ...process.env, TUTOR_AUTH_URL: undefined, TUTOR_API_URL: undefined });

  // The site listens first (port 0, in this process: nothing can take the port in between); it hands the tutor
  // the services' URLs once they are known.
  let urls: { authUrl: string; apiUrl: string } | undefined;
  const site = await startSiteServer({
    dir: join(BOOK_DIR, "build"),
    port: 0,
    host: "127.0.0.1",
    urls: () => urls,
  });
  const siteUrl = site.url;
  const sitePort = new URL(siteUrl).port;
  const serviceHost = opts.serviceHost ?? "127.0.0.1";
  const published = (url: string) => {
    const u = new URL(url);
    u.hostname = serviceHost;
    return u.href.replace(/\/$/, "");
  };
  const jwtSecret = newSecret();
  const indexPath = join(dataDir, "api", "index.sqlite");
  mkdirSync(join(dataDir, "api"), { recursive: true });
  mkdirSync(join(dataDir, "auth"), { recursive: true });
  try {
    await ingestBook(join(dataDir, "api"), indexPath, siteUrl, opts.ingestEnv);
  } catch (err) {
    await site.close();
    throw err;
  }

  const common = {
    NODE_ENV: "test",
    JWT_SECRET: jwtSecret,
    CORS_ORIGINS: [siteUrl, ...(opts.siteAliases ?? []).map((h) => `http://${h}:${sitePort}`)].join(","),
    LOG_LEVEL: "warn",
    ...opts.env,
  };
  // The services' own entry points as processes; a loaded 2-core machine may need a while to start them. The
  // api-service binds port 0 and says where in its "listening" line. The auth-service needs its public URL before
  // it starts (BETTER_AUTH_URL: the links in its mails, its redirects), so its port is chosen first.
  const [auth, api] = await Promise.allSettled([
    startAuthOnChosenPort((port) =>
      startServiceProcess({
        entry: AUTH_MAIN,
        name: "auth-service",
        url: `http://127.0.0.1:${port}`,
        cwd: join(dataDir, "auth"),
        readyTimeoutMs: READY_TIMEOUT_MS,
        env: {
          ...common,
          AUTH_SERVER_PORT: String(port),
          AUTH_SERVER_HOST: "127.0.0.1",
          BETTER_AUTH_URL: `http://${serviceHost}:${port}`,
          BETTER_AUTH_SECRET: newSecret(),
          DATA_DIR: join(dataDir, "auth"),
        },
      }),
    ),
    startServiceProcess({
      entry: API_MAIN,
      name: "api-service",
      cwd: join(dataDir, "api"),
      readyTimeoutMs: READY_TIMEOUT_MS,
      env: {
        ...common,
        API_SERVER_PORT: "0",
        // The "listening" line that names the port is an info line.
        LOG_LEVEL: "info",
        API_SERVER_HOST: "127.0.0.1",
        DATA_DIR: join(dataDir, "api"),
        INDEX_PATH: indexPath,
        BOOK_BASE_URL: siteUrl,
        RATE_LIMIT_PER_MINUTE: String(opts.rateLimitPerMinute ?? 100),
        ...opts.apiEnv,
      },
    }),
  ]);
  if (auth.status === "rejected" || api.status === "rejected") {
    await Promise.allSettled([
      site.close(),
      auth.status === "fulfilled" ? auth.value.stop() : undefined,
      api.status === "fulfilled" ? api.value.stop() : undefined,
    ]);
    throw auth.status === "rejected" ? auth.reason : (api as PromiseRejectedResult).reason;
  }
  urls = { authUrl: published(auth.value.url), apiUrl: published(api.value.url) };
  return {
    siteUrl,
    authUrl: urls.authUrl,
    apiUrl: urls.apiUrl,
    auth: auth.value,
    api: api.value,
    site,
    async close() {
      await Promise.allSettled([site.close(), auth.value.stop(), api.value.stop()]);
    },
  };
}
