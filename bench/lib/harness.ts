// Runs scenarios in order, turns a thrown error into a recorded failure, and writes the results file and the doc section.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchContext, type Profile, type Scenario } from "./context.ts";
import {
  consoleTable,
  describeMachine,
  FIGURE_NAMES,
  type Figure,
  markdownSection,
  mergeBenchmarksRows,
  type Results,
  toResults,
  updateBenchmarksDoc,
  writeJson,
} from "./report.ts";

export interface RunOptions {
  profile: Profile;
  scenarios: Scenario[];
  /** Where the results JSON goes. */
  resultsPath: string;
  /** docs/BENCHMARKS.md to rewrite (full runs only), or undefined. */
  docPath?: string;
  /** docs/BENCHMARKS.md whose rows of the measured figures are replaced (partial runs), or undefined. */
  mergeDocPath?: string;
  log?: (msg: string) => void;
}

export interface RunOutcome {
  figures: Figure[];
  results: Results;
  /** Scenario errors (not missed targets): a non-empty list fails the run. */
  errors: string[];
}

export async function runBench(opts: RunOptions): Promise<RunOutcome> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), "ai-book-bench-"));
  const ctx = new BenchContext(opts.profile, workDir, log);
  const figures = new Map<Figure["name"], Figure>();
  const errors: string[] = [];
  try {
    for (const s of opts.scenarios) {
      const t = performance.now();
      log(`▶ ${s.id} (${s.figures.join(", ")})`);
      try {
        for (const f of await s.run(ctx)) figures.set(f.name, f);
      } catch (err) {
        const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
        errors.push(`${s.id}: ${msg}`);
        log(`✗ ${s.id} failed: ${msg}`);
        for (const name of s.figures) {
          figures.set(name, {
            name,
            value: null,
            unit: "",
            target: "",
            met: null,
            note: `error: ${String(err)}`,
          });
        }
      }
      log(`  ${s.id} took ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const ordered = FIGURE_NAMES.flatMap((n) => {
    const f = figures.get(n);
    return f ? [f] : [];
  });
  const meta: Results["_meta"] = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    mode: opts.profile.mode === "full" ? "full" : "quick",
    durationS: Math.round((performance.now() - started) / 1000),
    machine: describeMachine(),
  };
  const results = toResults(ordered, meta);
  writeJson(opts.resultsPath, results);
  if (opts.docPath) updateBenchmarksDoc(opts.docPath, markdownSection(ordered, meta));
  if (opts.mergeDocPath) mergeBenchmarksRows(opts.mergeDocPath, ordered, meta);
  log("");
  log(consoleTable(ordered));
  return { figures: ordered, results, errors };
}
