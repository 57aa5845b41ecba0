// The harness must not rot: every scenario runs at tiny sizes and the results file has one well-formed entry per figure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { PROFILES } from "./lib/context.ts";
import { runBench } from "./lib/harness.ts";
import { FIGURE_NAMES } from "./lib/report.ts";
import { SCENARIOS } from "./scenarios/index.ts";

describe("benchmark harness (tiny sizes, no timing assertions)", () => {
  it("runs every scenario without error and writes one {value, unit, target, met} per figure", async () => {
    const dir = tempDir("ai-book-bench-test-");
    try {
      const resultsPath = join(dir.path, "results.json");
      const outcome = await runBench({ profile: PROFILES.tiny, scenarios: SCENARIOS, resultsPath });
      expect(outcome.errors).toEqual([]);
      const results = JSON.parse(readFileSync(resultsPath, "utf8")) as Record<
        string,
        Record<string, unknown>
      >;
      expect(results._meta).toMatchObject({ mode: "quick", machine: { nproc: expect.any(Number) } });
      for (const name of FIGURE_NAMES) {
        const f = results[name];
        expect(f, name).toBeDefined();
        expect(f, name).toEqual(
          expect.objectContaining({ unit: expect.any(String), target: expect.any(String) }),
        );
        expect([true, false, null], name).toContain(f?.met);
        // Measured figures are numbers; a figure may be null only when its scenario says why it did not run.
        if (f?.value === null) expect(String(f.note), name).toMatch(/^not run: /);
        else expect(typeof f?.value, name).toBe("number");
        expect(f?.unit, name).not.toBe("");
      }
    } finally {
      dir.cleanup();
    }
  }, 600_000);
});
