// Figures, the machine description, and where results go: a console table, bench/results/<date>.json, docs/BENCHMARKS.md.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname } from "node:path";

/** Every figure of issue 7's table, in its order. */
export const FIGURE_NAMES = [
  "search_rps_ratio",
  "search_latency_by_size",
  "retrieval_vs_limit",
  "auth_overhead_ratio",
  "stream_ttfb_ms",
  "first_token_overhead_ms",
  "concurrent_streams",
  "signin_overhead_ratio",
  "ingest_throughput",
  "api_rss_mb",
  // issue 15: what chapter variants and chat answers cost in model tokens, and how much the variant cache saves
  "chapter_variant_tokens",
  "chat_answer_tokens",
  "variant_cache_hit_rate",
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export interface Figure {
  name: FigureName;
  /** The headline number compared with the target; null when the scenario could not run. */
  value: number | null;
  unit: string;
  /** The target as written in the issue. */
  target: string;
  /** Whether every part of the target holds; null when not measured. */
  met: boolean | null;
  /** The figures behind the headline (sizes, percentiles, both sides of a ratio). */
  detail?: Record<string, unknown>;
  /** Why a figure is missing, or what it needs to be read right. */
  note?: string;
}

export interface Machine {
  nproc: number;
  model: string;
  memoryGb: number;
  node: string;
  python: string;
  os: string;
}

export function describeMachine(): Machine {
  let python = "absent";
  try {
    python = execFileSync("/usr/bin/python3", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // no Python: the baseline scenario reports itself skipped
  }
  let os: string = process.platform;
  try {
    const rel = readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?/m);
    if (rel?.[1]) os = rel[1];
  } catch {
    // not Linux
  }
  return {
    nproc: cpus().length,
    model: cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    python,
    os,
  };
}

export interface Results {
  _meta: { date: string; mode: "full" | "quick"; durationS: number; machine: Machine };
  [name: string]: unknown;
}

export function toResults(figures: Figure[], meta: Results["_meta"]): Results {
  const out: Results = { _meta: meta };
  for (const f of figures) {
    const { name, ...rest } = f;
    out[name] = rest;
  }
  return out;
}

export function writeJson(path: string, data: unknown) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

const fmt = (v: number | null) =>
  v === null ? "—" : Math.abs(v) >= 100 ? String(Math.round(v)) : String(Math.round(v * 100) / 100);
/** A figure without a target (a cost measured, met null) is "measured"; one without a value was "not run". */
const metText = (f: Pick<Figure, "met" | "value">) =>
  f.met === null ? (f.value === null ? "not run" : "measured") : f.met ? "met" : "MISSED";

/** One line per figure for the terminal. */
export function consoleTable(figures: Figure[]): string {
  const rows = [["figure", "value", "unit", "target", "result"]];
  for (const f of figures) rows.push([f.name, fmt(f.value), f.unit, f.target, metText(f)]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}

function detailText(f: Figure): string {
  const parts: string[] = [];
  if (f.detail) {
    for (const [k, v] of Object.entries(f.detail))
      parts.push(`${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
  }
  if (f.note) parts.push(f.note);
  return parts.join("; ").replaceAll("|", "\\|");
}

export const GENERATED_BEGIN =
  "<!-- bench:generated:begin (written by `npm run bench`; edit outside these markers) -->";
export const GENERATED_END = "<!-- bench:generated:end -->";

export function markdownSection(figures: Figure[], meta: Results["_meta"]): string {
  const m = meta.machine;
  const lines = [
    GENERATED_BEGIN,
    `Latest full run: ${meta.date} (${meta.durationS} s), results in \`bench/results/${meta.date.slice(0, 10)}.json\`.`,
    "",
    `Machine: ${m.nproc} cores (${m.model}), ${m.memoryGb} GB memory, ${m.os}, Node ${m.node}, ${m.python}.`,
    "",
    "| figure | value | unit | target | result | detail |",
    "|---|---|---|---|---|---|",
    ...figures.map(
      (f) => `| ${f.name} | ${fmt(f.value)} | ${f.unit} | ${f.target} | ${metText(f)} | ${detailText(f)} |`,
    ),
    GENERATED_END,
  ];
  return lines.join("\n");
}

const DOC_SKELETON = `# Benchmarks

How fast the hot paths are, side by side with the architecture's original stack (Python FastAPI + PyJWT + numpy) and
with the machine's limit. Run \`npm run bench\` (full, about ten minutes on 2 cores) or \`npm run bench -- --quick\`
(seconds; CI runs it so the harness never rots). How each figure is measured: bench/README.md.

## Latest results

${GENERATED_BEGIN}
${GENERATED_END}

## Retrieval quality

(Filled by hand with the retrieval eval's figures.)
`;

/** Rewrites only the generated section of `path`, creating the document from a skeleton when absent. */
export function updateBenchmarksDoc(path: string, section: string) {
  let doc = existsSync(path) ? readFileSync(path, "utf8") : DOC_SKELETON;
  const a = doc.indexOf(GENERATED_BEGIN);
  const b = doc.indexOf(GENERATED_END);
  if (a < 0 || b < a) doc = `${doc.trimEnd()}\n\n## Latest results\n\n${GENERATED_BEGIN}\n${GENERATED_END}\n`;
  const start = doc.indexOf(GENERATED_BEGIN);
  const end = doc.indexOf(GENERATED_END) + GENERATED_END.length;
  writeFileSync(path, doc.slice(0, start) + section + doc.slice(end));
}
