// `npm start`: the whole system on embedded defaults — ingest the sample book once, serve the site, run both services
// (concurrently runs them, wait-on waits for their health).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CloseEvent,
  type ConcurrentlyCommandInput,
  type ConcurrentlyResult,
  concurrently,
} from "concurrently";
import { config as loadDotenv } from "dotenv";
import waitOn from "wait-on";
import { buildServices } from "./build.ts";
import { renderExample } from "./lib/example.ts";
import { describeIndex, indexIsEmpty } from "./lib/index-state.ts";
import { PlanError, planSystem, type SystemPlan } from "./lib/plan.ts";
import { portsInUse } from "./lib/ports.ts";
import { INGEST_ARGS, SERVICE_START_ARGS } from "./lib/services.ts";
import { SITE_SCRIPTS, siteInfo, siteServeEnv } from "./lib/site.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** A question the sample book answers, for the printed example. */
const EXAMPLE_QUESTION = "What is physical AI?";
/** `npm start -- --no-book`: the services only (no Docusaurus build). */
const WITH_BOOK = !process.argv.includes("--no-book");

const envFile = join(ROOT, ".env");
if (existsSync(envFile)) loadDotenv({ path: envFile, quiet: true });

let plan: SystemPlan;
try {
  plan = planSystem(process.env, ROOT);
} catch (err) {
  if (!(err instanceof PlanError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}

/** How long a child gets after the stop signal before it is killed. */
const KILL_TIMEOUT_MS = 15_000;

const log = (message: string) => process.stdout.write(`start │ ${message}\n`);

/** The commands concurrently runs at this moment; none before the first one starts. */
let current: ConcurrentlyResult | undefined;
let interrupted = false;

/**
 * Runs `commands` under concurrently: every output line prefixed with the command's name; when one of them ends,
 * for whatever reason, the others are stopped (SIGTERM, then SIGKILL after KILL_TIMEOUT_MS); a Ctrl-C (or SIGTERM,
 * SIGHUP) is passed on to each. Resolves with every command's close event, rejects with them when one failed.
 */
function run(commands: ConcurrentlyCommandInput[]): ConcurrentlyResult {
  current = concurrently(commands, {
    prefix: "{name} │",
    padPrefix: true,
    killOthersOn: ["failure", "success"],
    killSignal: "SIGTERM",
    killTimeout: KILL_TIMEOUT_MS,
  });
  return current;
}

/** Waits for a one-shot step; its failure is the exit code it ended with. */
async function step(command: ConcurrentlyCommandInput): Promise<number> {
  const closed = await run([command]).result.catch((events: CloseEvent[]) => events);
  const code = closed[0]?.exitCode;
  return typeof code === "number" ? code : 1;
}

/** `exec`, so the pid concurrently knows is the program's, not a shell's, and signals reach it directly. */
const execNode = (args: readonly string[]) => `exec ${JSON.stringify(process.execPath)} ${args.join(" ")}`;

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal} received: stopping`);
    // concurrently passes the signal on to what is running; nothing running means nothing to wait for.
    if (!current) process.exit(0);
    void current.result
      .catch(() => undefined)
      .then(() => {
        log("all processes stopped");
        process.exit(0);
      });
  });
}

async function ingestIfEmpty(): Promise<void> {
  const state = await describeIndex(plan.childEnv);
  if (!indexIsEmpty(state)) {
    log(`index: ${state.summary}`);
    return;
  }
  log(`index: ${state.summary}; ingesting the sample book (first start)`);
  const code = await step({
    name: "ingest",
    command: execNode(INGEST_ARGS),
    cwd: join(ROOT, "services/api"),
    env: plan.childEnv,
  });
  if (interrupted || code === 0) return;
  // Exit 1 can mean "some files failed, the rest are in": carry on when the index now has chunks.
  const after = await describeIndex(plan.childEnv);
  if (indexIsEmpty(after)) throw new Error(`the ingest failed (exit ${code}) and the index is empty`);
  log(`the ingest reported errors (exit ${code}); continuing with ${after.summary}`);
}

/** Rebuilds the site when its sources changed (the book's own check); the serve command, or none. */
async function buildSite(): Promise<ConcurrentlyCommandInput | undefined> {
  if (!WITH_BOOK) {
    log("book site skipped (--no-book)");
    return undefined;
  }
  const site = siteInfo(ROOT);
  if (site.unavailable) {
    log(`book site skipped: ${site.unavailable}`);
    return undefined;
  }
  log("book site: building if its sources changed (the first build takes a minute or two)");
  const code = await step({
    name: "book",
    command: `npm run ${SITE_SCRIPTS.build} --silent`,
    cwd: site.dir,
    env: plan.childEnv,
  });
  if (interrupted) return undefined;
  if (code !== 0) throw new Error(`the book site build failed (exit ${code})`);
  return {
    name: "book",
    command: `npm run ${SITE_SCRIPTS.serve} --silent`,
    cwd: site.dir,
    prefixColor: "yellow",
    env: siteServeEnv(plan.childEnv, {
      port: plan.book.port,
      host: plan.book.host,
      authUrl: plan.auth.publicUrl,
      apiUrl: plan.api.publicUrl,
    }),
  };
}

async function main(): Promise<void> {
  log(`data directory: ${plan.dataDir}`);
  log(
    `secrets: ${plan.secretsSource}${plan.secretsCreated ? " (generated on this first start; kept for the next ones)" : ""}`,
  );
  const taken = await portsInUse([
    { port: plan.auth.port, host: plan.auth.host, variable: plan.auth.def.portVar },
    { port: plan.api.port, host: plan.api.host, variable: plan.api.def.portVar },
    ...(WITH_BOOK ? [{ port: plan.book.port, host: plan.book.host, variable: "BOOK_PORT" }] : []),
  ]);
  if (taken.length) throw new Error(`${taken.join("; ")}. Is another \`npm start\` running?`);
  // The services run as production does, from their bundles (about 0.1 s to build).
  const built = performance.now();
  await buildServices();
  log(`services built in ${Math.round(performance.now() - built)} ms`);
  await ingestIfEmpty();
  if (interrupted) return;
  const book = await buildSite();
  if (interrupted) return;

  const services = [
    { plan: plan.auth, prefixColor: "cyan" },
    { plan: plan.api, prefixColor: "magenta" },
  ].map(({ plan: p, prefixColor }) => ({
    name: p.def.name,
    command: execNode(SERVICE_START_ARGS),
    cwd: join(ROOT, p.def.dir),
    env: plan.childEnv,
    prefixColor,
  }));
  const system = run(book ? [...services, book] : services);
  let stopping = false;
  for (const command of system.commands) {
    log(`${command.name} started (pid ${command.pid})`);
    command.close.subscribe(({ exitCode }) => {
      if (interrupted || stopping) return;
      stopping = true;
      const how = typeof exitCode === "number" ? `exited with code ${exitCode}` : `was killed by ${exitCode}`;
      log(`${command.name} ${how}; stopping the other processes`);
    });
  }
  // Any end of the system that is not a Ctrl-C is a failure: a service is not meant to exit.
  const ended = system.result.then(
    () => false,
    () => false,
  );
  void ended.then(() => {
    if (interrupted) return;
    log("all processes stopped");
    process.exit(1);
  });
  const healthy = waitOn({
    resources: [
      plan.auth.healthUrl,
      plan.api.healthUrl,
      ...(book ? [`http://127.0.0.1:${plan.book.port}/`] : []),
    ].map((url) => url.replace(/^http:/, "http-get:")),
    interval: 250,
    timeout: 180_000,
  });
  if (!(await Promise.race([healthy.then(() => true), ended]))) return;

  const lines = [
    "",
    "ai-book is running:",
    book ? `  book          ${plan.book.url}` : "  book          (not served: see above)",
    `  auth-service  ${plan.auth.publicUrl}   (health: ${plan.auth.publicUrl}/health)`,
    `  api-service   ${plan.api.publicUrl}   (health: ${plan.api.publicUrl}/health, docs: ${plan.api.publicUrl}/openapi.json)`,
    "",
    renderExample({
      authUrl: plan.auth.publicUrl,
      apiUrl: plan.api.publicUrl,
      origin: plan.book.url,
      cookieJar: join(plan.dataDir, "example-cookies.txt"),
      question: EXAMPLE_QUESTION,
    }),
    "",
    "Press Ctrl-C to stop everything.",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err: unknown) => {
  if (interrupted) return;
  log(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  if (!current) process.exit(1);
  for (const command of current.commands) command.kill("SIGTERM");
  void current.result.catch(() => undefined).then(() => process.exit(1));
});
