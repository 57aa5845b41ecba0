// One Vitest run for the whole repository: in-process suites first (two at a time), then the process-heavy suites one file at a time.
import { defineConfig } from "vitest/config";

/**
 * Suites that start services, databases, browsers or the Docusaurus build. Run beside each other on a 2-core
 * machine they starve one another (a site build next to an outage test made its recovery wait time out), so
 * they get a project of their own that runs after the rest, one file at a time.
 */
const PROCESS_HEAVY = [
  "tests/faults/**/*.test.ts",
  "tests/cluster/**/*.test.ts",
  "tests/soak/**/*.test.ts",
  "tests/e2e/**/*.test.ts",
  "tests/deploy/**/*.test.ts",
];
const EXCLUDE = ["**/node_modules/**", "**/build/**", "**/.docusaurus/**"];

export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    allowOnly: false,
    reporters: ["default", "./tests/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "in-process",
          include: [
            "packages/**/*.test.ts",
            "services/**/*.test.ts",
            "web/**/*.test.{ts,tsx}",
            "book/**/*.test.ts",
            "bench/**/*.test.ts",
            "tests/**/*.test.ts",
          ],
          exclude: [...EXCLUDE, ...PROCESS_HEAVY],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "processes",
          include: PROCESS_HEAVY,
          exclude: EXCLUDE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
