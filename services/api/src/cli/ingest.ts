// `npm run ingest -- [docs dir] [options]`: sync a Docusaurus docs folder into the api-service's index.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { indexPathOf, packageDir, parseEnv } from "@ai-book/runtime";
import { MultiBar, Presets } from "cli-progress";
import { createOpenAIEmbedder, type OpenAIEmbedder } from "../adapters/embed/openai.ts";
import { openChunkStore } from "../adapters/vector/open-store.ts";
import { openSqliteStore } from "../adapters/vector/sqlite.ts";
import { configSchema } from "../config.ts";
import { type SyncProgress, type SyncSummary, syncDocs } from "../ingest/sync.ts";
import { parseCliArgs, runIfMain } from "./main-guard.ts";

export const DEFAULT_DOCS_DIR = resolve(packageDir(import.meta.url), "../../book/docs");

export const INGEST_USAGE = `Usage: npm run ingest -- [docs dir] [options]

Parses a Docusaurus docs folder (Markdown and MDX), chunks it by heading and writes it to the index the
api-service reads: the SQLite file at INDEX_PATH (default <DATA_DIR>/index.sqlite), or Qdrant when QDRANT_URL
is set. With OPENAI_API_KEY, chunks are embedded with EMBEDDING_MODEL for hybrid search. Only changed files
are re-indexed; deleted files are removed.

Arguments:
  docs dir                 the docs folder (default: the sample book, book/docs)

Options:
  --base-url PATH          the site's Docusaurus baseUrl, e.g. /my-book/ (default /)
  --route-base-path PATH   the docs plugin's routeBasePath (default /docs; / for docs-only sites)
  --reset                  drop the index and ingest everything again
  --dry-run                parse and report what would change; no embedding requests, no writes
  --strict                 an MDX page that does not parse is an error (default: it is indexed as plain
                           Markdown with a warning naming file:line)
  -h, --help               show this help

Exit code: 0 on success, 1 when a file could not be parsed (the others are still ingested), 2 on bad usage.`;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Relative paths are resolved against this (npm's INIT_CWD: where the user ran npm). */
  cwd: string;
}

/** The index, embedder and paths the CLI uses: the api-service's own configuration schema. */
export function cliConfig(env: Record<string, string | undefined>, cwd: string) {
  const parsed = parseEnv(configSchema, env);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const dataDir = abs(parsed.DATA_DIR);
  return {
    ...parsed,
    DATA_DIR: dataDir,
    INDEX_PATH: abs(indexPathOf({ DATA_DIR: dataDir, INDEX_PATH: parsed.INDEX_PATH })),
  };
}

export type CliConfig = ReturnType<typeof cliConfig>;

export function createEmbedderFromConfig(config: CliConfig): OpenAIEmbedder | undefined {
  if (!config.OPENAI_API_KEY) return undefined;
  return createOpenAIEmbedder({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIMENSIONS,
  });
}

/** Progress on a terminal: one bar per phase with counts, rate and ETA. Elsewhere: plain lines. */
function progressReporter(io: CliIo): { onProgress: (e: SyncProgress) => void; stop: () => void } {
  if (io.stderr.isTTY) {
    const multi = new MultiBar(
      {
        stream: io.stderr,
        format: " {phase} [{bar}] {value}/{total} docs | {rate}/s | ETA {eta_formatted} | {doc}",
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    const bars = new Map<string, ReturnType<MultiBar["create"]>>();
    const started = new Map<string, number>();
    return {
      onProgress(e) {
        let bar = bars.get(e.phase);
        if (!bar) {
          bar = multi.create(e.total, 0, { phase: e.phase.padEnd(5), doc: "", rate: "0" });
          bars.set(e.phase, bar);
          started.set(e.phase, Date.now());
        }
        const secs = Math.max((Date.now() - (started.get(e.phase) ?? Date.now())) / 1000, 0.001);
        bar.update(e.done, { doc: e.docId ?? "", rate: (e.done / secs).toFixed(1) });
      },
      stop: () => multi.stop(),
    };
  }
  let lastLine = 0;
  return {
    onProgress(e) {
      // Every document while indexing (slow, worth seeing); scanning only at the end.
      if (e.phase === "index" || e.done === e.total) {
        if (e.phase === "scan" && e.done === lastLine) return;
        lastLine = e.done;
        io.stderr.write(`${e.phase} ${e.done}/${e.total}${e.docId ? ` ${e.docId}` : ""}\n`);
      }
    },
    stop: () => undefined,
  };
}

export function formatSummary(s: SyncSummary, target: string): string {
  const would = s.dryRun ? " (dry run: nothing written)" : "";
  const lines = [
    `Ingest of ${s.docsDir} into ${target}${would}`,
    ...(s.fullRebuild ? [`  full re-index: ${s.fullRebuild}`] : []),
    `  documents: ${s.scanned} scanned, ${s.added} added, ${s.updated} changed, ${s.unchanged} unchanged, ${s.deleted} deleted, ${s.failed.length} failed${s.drafts ? `, ${s.drafts} drafts skipped` : ""}`,
    `  chunks:    ${s.chunksAdded} added, ${s.chunksRemoved} removed`,
    `  embedding: ${s.embeddingRequests} requests, ${s.embeddingTokens} tokens`,
    `  time:      ${(s.ms / 1000).toFixed(2)} s`,
  ];
  for (const w of s.warnings) lines.push(`  warning: ${w.path}:${w.line}:${w.column}: ${w.message}`);
  for (const f of s.failed) lines.push(`  error: ${f.path}:${f.line}:${f.column}: ${f.message}`);
  for (const f of s.skipped) lines.push(`  warning: skipped ${f.path}: ${f.reason}`);
  return `${lines.join("\n")}\n`;
}

/** Runs the CLI; returns the exit code. */
export async function runIngestCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  const args = parseCliArgs(argv, io, INGEST_USAGE, {
    "base-url": { type: "string" },
    "route-base-path": { type: "string" },
    reset: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
  });
  if (typeof args === "number") return args;
  if (args.positionals.length > 1) {
    io.stderr.write(`expected at most one docs folder, got ${args.positionals.length}\n\n${INGEST_USAGE}\n`);
    return 2;
  }
  const config = cliConfig(env, io.cwd);
  const docsDir = args.positionals[0] ? resolve(io.cwd, args.positionals[0]) : DEFAULT_DOCS_DIR;
  const embedder = createEmbedderFromConfig(config);
  const dryRun = args.values["dry-run"];
  // A dry run against an index that does not exist yet must not create one.
  const store =
    dryRun && !config.QDRANT_URL && !existsSync(config.INDEX_PATH)
      ? openSqliteStore({ path: ":memory:" })
      : await openChunkStore(config);
  const target = config.QDRANT_URL ? `Qdrant collection ${config.QDRANT_COLLECTION}` : config.INDEX_PATH;
  const progress = progressReporter(io);
  // Ctrl-C stops between documents: every document is written whole, so the index stays consistent and
  // the next run carries on.
  const abort = new AbortController();
  const { signal } = abort;
  const onSigint = () => abort.abort(new Error("interrupted: the index is consistent; run again to finish"));
  process.once("SIGINT", onSigint);
  try {
    const summary = await syncDocs({
      docsDir,
      store,
      embedder,
      baseUrl: args.values["base-url"],
      routeBasePath: args.values["route-base-path"],
      reset: args.values.reset,
      dryRun,
      strict: args.values.strict,
      maxFileBytes: config.INGEST_MAX_FILE_BYTES,
      signal,
      onProgress: progress.onProgress,
    });
    progress.stop();
    io.stdout.write(formatSummary(summary, target));
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    progress.stop();
    await store.close();
  }
}

runIfMain(import.meta.url, "ingest", runIngestCli);
