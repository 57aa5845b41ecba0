// `npm run bench [-- --quick] [--only id,id] [--conversations]`: runs the benchmark scenarios and writes results + docs/BENCHMARKS.md.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PROFILES } from "./lib/context.ts";
import { runBench } from "./lib/harness.ts";
import { SCENARIOS } from "./scenarios/index.ts";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
    conversations: { type: "boolean", default: false },
  },
});

const profile = {
  ...(values.quick ? PROFILES.quick : PROFILES.full),
  streamConversations: values.conversations,
};
const only = values.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) {
  console.error(
    `unknown scenario(s): ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.id).join(", ")}`,
  );
  process.exit(2);
}
const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
const day = new Date().toISOString().slice(0, 10);
// Quick runs (CI) and partial runs never overwrite the day's full results, nor the docs' other rows.
const complete = !values.quick && !only;
const resultsPath =
  values.out ??
  join(here, "results", complete ? `${day}.json` : `${day}.${values.quick ? "quick" : "partial"}.json`);

const outcome = await runBench({
  profile,
  scenarios,
  resultsPath,
  docPath: complete ? join(here, "..", "docs", "BENCHMARKS.md") : undefined,
  // A partial run replaces only its own figures' rows (marked with its date); a quick run leaves the docs alone.
  mergeDocPath: only && !values.quick && !values.out ? join(here, "..", "docs", "BENCHMARKS.md") : undefined,
  log: (m) => console.log(m),
});
console.log(`\nresults: ${resultsPath}`);
if (outcome.errors.length > 0) {
  console.error(`\n${outcome.errors.length} scenario(s) failed:\n${outcome.errors.join("\n")}`);
  process.exit(1);
}
const missed = outcome.figures.filter((f) => f.met === false).map((f) => f.name);
if (missed.length > 0)
  console.log(
    `targets missed: ${missed.join(", ")}${values.quick ? " (quick mode: sizes too small to judge)" : ""}`,
  );
