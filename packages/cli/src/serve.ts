// `ai-book serve`: ingest an author's docs folder, run both services for it, re-index on change, print the plugin line.
import { spawn } from "node:child_process";
import { join, relative } from "node:path";
import concurrently, { type Command } from "concurrently";
import { buildServices, REPO_ROOT } from "../../../scripts/build.ts";
import { PlanError, planSystem, type SystemPlan } from "../../../scripts/lib/plan.ts";
import { portsInUse } from "../../../scripts/lib/ports.ts";
import { API_SERVICE, AUTH_SERVICE, INGEST_ARGS, SERVICE_START_ARGS } from "../../../scripts/lib/services.ts";
import { watchDocs } from "./docs-watch.ts";
import { corsOrigins, parseServeArgs, SERVE_USAGE, type ServeOptions, UsageError } from "./serve-options.ts";

export interface ServeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

/** How long the services get to answer /health after they start: generous for a loaded 2-core machine. */
const HEALTH_TIMEOUT_MS = 120_000;

/** The host a browser on the book's page should use for the services: the book's own when it is a loopback name. */
function serviceHost(options: ServeOptions): string {
  const { hostname } = new URL(options.bookOrigin);
  // Cookies are shared by host, not by port: localhost:3000 and 127.0.0.1:3001 are different sites, so the
  // session cookie would not travel. Same loopback name as the book, then.
  return hostname === "127.0.0.1" || hostname === "localhost" ? hostname : "localhost";
}

export function pluginLine(authUrl: string, apiUrl: string): string {
  return `plugins: [["@ai-book/docusaurus-tutor", { authUrl: "${authUrl}", apiUrl: "${apiUrl}" }]],`;
}

/** Runs the ingest CLI (the api-service's own) over the docs folder; resolves with its exit code and output. */
function runIngest(
  options: ServeOptions,
  env: Record<string, string>,
  inherit: boolean,
): Promise<{ code: number | null; output: string }> {
  const args = [
    ...INGEST_ARGS,
    options.docsDir,
    "--route-base-path",
    options.routeBasePath,
    "--base-url",
    options.baseUrl,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: join(REPO_ROOT, API_SERVICE.dir),
      env,
      stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** Polls /health until it answers 200; rejects when `stopped` settles first or the hang guard fires. */
async function waitHealthy(url: string, stopped: Promise<unknown>): Promise<void> {
  let done = false;
  void stopped.finally(() => {
    done = true;
  });
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (!done && Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(done ? `a service stopped before ${url} was healthy` : `${url} not healthy after 120 s`);
}

/** Runs `ai-book serve`; resolves with the exit code once it stops (Ctrl-C, SIGTERM or a failed service). */
export async function runServe(
  argv: string[],
  env: Record<string, string | undefined>,
  io: ServeIo,
): Promise<number> {
  const log = (line: string) => io.stdout.write(`[ai-book] ${line}\n`);
  let options: ServeOptions;
  try {
    const parsed = parseServeArgs(argv, env, io.cwd);
    if (parsed.help) {
      io.stdout.write(`${SERVE_USAGE}\n`);
      return 0;
    }
    options = parsed.options;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`ai-book serve: ${err.message} (see ai-book serve --help)\n`);
    return 2;
  }

  const host = serviceHost(options);
  const authUrl = `http://${host}:${options.authPort}`;
  const apiUrl = `http://${host}:${options.apiPort}`;
  const bookPort =
    new URL(options.bookOrigin).port || (options.bookOrigin.startsWith("https:") ? "443" : "80");
  let plan: SystemPlan;
  try {
    plan = planSystem(
      {
        ...env,
        DATA_DIR: options.dataDir,
        AUTH_SERVER_PORT: String(options.authPort),
        API_SERVER_PORT: String(options.apiPort),
        AUTH_SERVER_HOST: options.host,
        API_SERVER_HOST: options.host,
        BOOK_PORT: bookPort,
        BETTER_AUTH_URL: authUrl,
        CORS_ORIGINS: corsOrigins(options.bookOrigin).join(","),
        BOOK_BASE_URL: options.bookOrigin,
      },
      REPO_ROOT,
    );
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    io.stderr.write(`ai-book serve: ${err.message}\n`);
    return 2;
  }
  const childEnv = plan.childEnv;
  const taken = await portsInUse([
    { port: options.authPort, host: options.host, variable: "--auth-port" },
    { port: options.apiPort, host: options.host, variable: "--api-port" },
  ]);
  if (taken.length) {
    io.stderr.write(`ai-book serve: ${taken.join("; ")}\n`);
    return 2;
  }

  log(`docs: ${options.docsDir} (routeBasePath ${options.routeBasePath}, baseUrl ${options.baseUrl})`);
  log(`data: ${options.dataDir}`);
  await buildServices(["auth", "api"]);
  log("indexing the docs folder (only changed files after the first run)");
  const first = await runIngest(options, childEnv, true);
  // Exit 1 means some files could not be parsed and the rest are in: serve what there is.
  if (first.code !== 0 && first.code !== 1) {
    io.stderr.write(`ai-book serve: the ingest failed (exit ${first.code})\n`);
    return 1;
  }

  const { commands, result } = concurrently(
    [AUTH_SERVICE, API_SERVICE].map((def) => ({
      name: def.label,
      // Run by a shell: the Node path is quoted (it may hold spaces); the arguments are fixed words.
      command: `"${process.execPath}" ${SERVICE_START_ARGS.join(" ")}`,
      cwd: join(REPO_ROOT, def.dir),
      env: childEnv,
      prefixColor: def === AUTH_SERVICE ? "cyan" : "magenta",
    })),
    { killOthersOn: ["failure", "success"], prefix: "name", outputStream: io.stdout as NodeJS.WriteStream },
  );
  let stopping = false;
  const finished = result.then(
    () => 0,
    () => (stopping ? 0 : 1),
  );
  const stopServices = () => {
    for (const command of commands as Command[]) command.kill("SIGTERM");
  };

  let watcher: { close(): Promise<void> } | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void watcher?.close();
    stopServices();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  try {
    await Promise.all([
      waitHealthy(plan.auth.healthUrl, finished),
      waitHealthy(plan.api.healthUrl, finished),
    ]);
  } catch (err) {
    if (!stopping) {
      io.stderr.write(`ai-book serve: ${(err as Error).message}\n`);
      stopping = true;
      stopServices();
    }
  }

  if (!stopping) {
    if (options.watch) {
      watcher = watchDocs(options.docsDir, {
        reindex: async (changed) => {
          log(`changed: ${changed.map((f) => relative(options.docsDir, f)).join(", ")}; re-indexing`);
          const run = await runIngest(options, childEnv, false);
          const summary = run.output.split("\n").find((l) => l.trim().startsWith("documents:"));
          log(`re-indexed (exit ${run.code})${summary ? `: ${summary.trim()}` : ""}`);
          for (const line of run.output.split("\n").filter((l) => l.includes("error:"))) log(line.trim());
        },
        onError: (err) => log(`watch error: ${err.message}`),
      });
    }
    io.stdout.write(
      [
        "",
        `ai-book is serving the tutor for ${options.bookUrl}`,
        `  auth-service  ${authUrl}`,
        `  api-service   ${apiUrl}`,
        options.watch
          ? `  watching      ${options.docsDir} (edits are re-indexed)`
          : "  not watching the docs folder (--no-watch)",
        "",
        "Add the plugin to your site (npm install <path to this repository>/web, or the tarball of `npm pack -w web`)",
        "and paste into docusaurus.config:",
        "",
        `  ${pluginLine(authUrl, apiUrl)}`,
        "",
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  }

  const code = await finished;
  await watcher?.close();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  return code;
}
