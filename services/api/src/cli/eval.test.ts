// The retrieval eval on the sample book, offline (lexical): the threshold the issue sets, recall@5 >= 0.85.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { formatEval, readQuestions, runEval, runEvalCli } from "./eval.ts";

const BOOK = fileURLToPath(new URL("../../../../book/", import.meta.url));
const docs = join(BOOK, "docs");
const questions = join(BOOK, "questions.tsv");
const present = existsSync(docs) && existsSync(questions);
if (!present) console.warn(`[skip] ${questions} or ${docs} is missing: skipping the sample-book eval`);

describe("retrieval eval", () => {
  it.skipIf(!present)(
    "finds the answer document in the top 5 for >= 85% of the sample book's questions",
    async () => {
      const qs = readQuestions(questions);
      expect(qs.length).toBeGreaterThanOrEqual(30);
      const result = await runEval({ docsDir: docs, questions: qs });
      console.log(formatEval(result, true));
      expect(result.mode).toBe("lexical");
      expect(result.unknownDocs).toEqual([]);
      expect(result.byDocument.questions).toBe(qs.length);
      expect(result.byDocument.recallAtK).toBeGreaterThanOrEqual(0.85);
      expect(result.bySection.recallAtK).toBeGreaterThanOrEqual(0.85);
      expect(result.byDocument.mrrAtK).toBeGreaterThanOrEqual(0.75);
    },
  );

  it("reads the TSV columns, leaves out chunks holding a question verbatim, and prints through the CLI", async () => {
    const dir = tempDir("eval-cli-");
    try {
      const docsDir = join(dir.path, "docs");
      mkdirSync(docsDir);
      writeFileSync(
        join(docsDir, "a.md"),
        "# Gears\n\nA gearbox trades speed for torque through its ratio.\n",
      );
      writeFileSync(join(docsDir, "b.md"), "# Quiz\n\nWhat does a gearbox trade speed for?\n");
      writeFileSync(
        join(dir.path, "q.tsv"),
        "question\tanswer_file\theading\nWhat does a gearbox trade speed for?\tbook/docs/a.md\t\n",
      );
      const out: string[] = [];
      const sink = { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream;
      const code = await runEvalCli(
        ["docs", "q.tsv", "--k", "3"],
        {},
        { stdout: sink, stderr: sink, cwd: dir.path },
      );
      expect(code).toBe(0);
      const text = out.join("");
      expect(text).toContain("1 chunks holding a question verbatim left out");
      expect(text).toMatch(/by document\s+n=1\s+recall@1 1\.00\s+recall@3 1\.00\s+MRR@3 1\.00/);
      expect(await runEvalCli(["only-one-arg"], {}, { stdout: sink, stderr: sink, cwd: dir.path })).toBe(2);
    } finally {
      dir.cleanup();
    }
  });
});
