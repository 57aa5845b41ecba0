// `npm start`: the whole system on embedded defaults — ingest the sample book once, serve the site, run both services.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { config as loadDotenv } from "dotenv";
import { buildServices } from "./build.ts";
import { renderExample } from "./lib/example.ts";
import { describeIndex, indexIsEmpty } from "./lib/index-state.ts";
import { PlanError, planSystem, type SystemPlan } from "./lib/plan.ts";
import { portsInUse } from "./lib/ports.ts";
import { INGEST_ARGS, SERVICE_START_ARGS } from "./lib/services.ts";
import { SITE_SCRIPTS, siteInfo, siteServeEnv } from "./lib/site.ts";
import { type Managed, runToCompletion, Supervisor } from "./lib/supervisor.ts";

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

const sup = new Supervisor();
let stopOneShot: (() => void) | undefined;
let interrupted = false;
let interruptedAt = 0;
/**
 * Under `npm start` one Ctrl-C arrives several times: from the terminal, and relayed by npm and by the tsx CLI.
 * Only a signal this long after the first counts as "again".
 */
const REPEAT_SIGNAL_MS = 1_500;

function shutdown(signal: NodeJS.Signals): void {
  if (interrupted) {
    if (Date.now() - interruptedAt < REPEAT_SIGNAL_MS) return;
    sup.log(`${signal} again: killing everything now`);
    void sup.stopAll(true);
    return;
  }
  interrupted = true;
  interruptedAt = Date.now();
  sup.log(`${signal} received: stopping (press Ctrl-C again to force)`);
  stopOneShot?.();
  void sup.stopAll().then(() => {
    sup.log("all processes stopped");
    process.exit(sup.failed ? 1 : 0);
  });
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
process.on("SIGHUP", shutdown);

sup.onUnexpectedExit(() => {
  stopOneShot?.();
  void sup.stopAll().then(() => process.exit(1));
});

async function ingestIfEmpty(): Promise<void> {
  const state = await describeIndex(plan.childEnv);
  if (!indexIsEmpty(state)) {
    sup.log(`index: ${state.summary}`);
    return;
  }
  sup.log(`index: ${state.summary}; ingesting the sample book (first start)`);
  const result = await runToCompletion(process.execPath, INGEST_ARGS, {
    cwd: join(ROOT, "services/api"),
    env: plan.childEnv,
    onStart: (stop) => {
      stopOneShot = stop;
    },
  });
  stopOneShot = undefined;
  if (interrupted) return;
  if (result.code !== 0) {
    // Exit 1 can mean "some files failed, the rest are in": carry on when the index now has chunks.
    const after = await describeIndex(plan.childEnv);
    if (indexIsEmpty(after))
      throw new Error(`the ingest failed (exit ${result.code ?? result.signal}) and the index is empty`);
    sup.log(`the ingest reported errors (exit ${result.code}); continuing with ${after.summary}`);
  }
}

/** Rebuilds the site when its sources changed (the book's own check), then serves it; undefined when there is none. */
async function startSite(): Promise<Managed | undefined> {
  if (!WITH_BOOK) {
    sup.log("book site skipped (--no-book)");
    return undefined;
  }
  const site = siteInfo(ROOT);
  if (site.unavailable) {
    sup.log(`book site skipped: ${site.unavailable}`);
    return undefined;
  }
  sup.log("book site: building if its sources changed (the first build takes a minute or two)");
  const result = await runToCompletion("npm", ["run", SITE_SCRIPTS.build, "--silent"], {
    cwd: site.dir,
    env: plan.childEnv,
    onStart: (stop) => {
      stopOneShot = stop;
    },
  });
  stopOneShot = undefined;
  if (interrupted) return undefined;
  if (result.code !== 0) throw new Error(`the book site build failed (exit ${result.code ?? result.signal})`);
  return sup.start({
    name: "book-site",
    label: "book",
    color: "yellow",
    command: "npm",
    args: ["run", SITE_SCRIPTS.serve, "--silent"],
    cwd: site.dir,
    env: siteServeEnv(plan.childEnv, {
      port: plan.book.port,
      host: plan.book.host,
      authUrl: plan.auth.publicUrl,
      apiUrl: plan.api.publicUrl,
    }),
  });
}

async function main(): Promise<void> {
  sup.log(`data directory: ${plan.dataDir}`);
  sup.log(
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
  sup.log(`services built in ${Math.round(performance.now() - built)} ms`);
  await ingestIfEmpty();
  if (interrupted) return;

  const auth = sup.start({
    name: plan.auth.def.name,
    label: plan.auth.def.label,
    color: "cyan",
    command: process.execPath,
    args: SERVICE_START_ARGS,
    cwd: join(ROOT, plan.auth.def.dir),
    env: plan.childEnv,
  });
  const api = sup.start({
    name: plan.api.def.name,
    label: plan.api.def.label,
    color: "magenta",
    command: process.execPath,
    args: SERVICE_START_ARGS,
    cwd: join(ROOT, plan.api.def.dir),
    env: plan.childEnv,
  });
  // The services come up while the site builds.
  const book = await startSite();
  if (sup.isStopping) return;
  await Promise.all([
    sup.waitHealthy(auth, plan.auth.healthUrl),
    sup.waitHealthy(api, plan.api.healthUrl),
    book ? sup.waitHealthy(book, `http://127.0.0.1:${plan.book.port}/`) : undefined,
  ]);
  if (sup.isStopping) return;

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
  sup.log(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  void sup.stopAll().then(() => process.exit(1));
});
