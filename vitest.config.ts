// One Vitest run for the whole repository: every *.test.ts under packages/, services/, web/, book/, bench/, tests/.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/**/*.test.ts",
      "services/**/*.test.ts",
      "web/**/*.test.{ts,tsx}",
      "book/**/*.test.ts",
      "bench/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/build/**", "**/.docusaurus/**"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    allowOnly: false,
    reporters: ["default", "./tests/summary-reporter.ts"],
  },
});
