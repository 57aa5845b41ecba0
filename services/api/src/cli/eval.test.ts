// The retrieval eval on the sample book, offline (lexical): a tight gate (thresholds just under today's figures, the exact misses).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { skipUnlessPresent, tempDir } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { isAskingHeading } from "../rag/extractive.ts";
import { formatEval, readQuestions, runEval, runEvalCli } from "./eval.ts";

const BOOK = fileURLToPath(new URL("../../../../book/", import.meta.url));
const docs = join(BOOK, "docs");
const questions = join(BOOK, "questions.tsv");
const present = existsSync(docs) && existsSync(questions);
const skip = skipUnlessPresent(
  !present && `${questions} or ${docs} is missing: skipping the sample-book eval`,
);

/** The sample-book questions whose answer file is ranked below first today. */
const NOT_FIRST = [
  "Who is this textbook written for, and do I need a robotics background to read it?",
  "What will I learn in the first chapter, before any math shows up?",
  "Why do small mistakes snowball when an AI controls a robot, unlike when it labels a photo?",
  "Why is my subscriber getting no messages even though ros2 topic list shows the topic?",
  "What observations does an RL walking policy for a humanoid usually receive?",
];

/** The lines of the book's asking parts ("Check your understanding", exercises, quizzes), read from the sources. */
function askingLines(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!/\.mdx?$/.test(entry)) continue;
    let asking = false;
    for (const line of readFileSync(join(dir, entry), "utf8").split(/\r?\n/)) {
      const heading = /^#{1,6}\s+(.*)$/.exec(line);
      if (heading) asking = isAskingHeading(heading[1] ?? "");
      if (!asking || heading) continue;
      // A quiz component's props (question, options, explanation) or a list item's text, sentence by sentence.
      const quoted = [...line.matchAll(/"([^"]{20,})"/g)].map((m) => m[1] ?? "");
      const parts = quoted.length > 0 ? quoted : [line.replace(/^\s*(?:[-*+]|\d+\.)\s+/, "")];
      for (const part of parts)
        for (const sentence of part.replace(/[*_`]/g, "").split(/(?<=[.!?])\s+/))
          if (sentence.trim().length >= 20) out.push(sentence.trim());
    }
  }
  return out;
}

describe("retrieval eval", () => {
  it.skipIf(skip)(
    "sample book: thresholds just under today's figures, the exact missed questions, and no question in an answer",
    async () => {
      const qs = readQuestions(questions);
      expect(qs.length).toBeGreaterThanOrEqual(30);
      const result = await runEval({ docsDir: docs, questions: qs, chat: true });
      console.log(formatEval(result, true));
      expect(result.mode).toBe("lexical");
      expect(result.unknownDocs).toEqual([]);
      expect(result.byDocument.questions).toBe(69);
      // Measured 0.928 / 0.986 / 0.952 (by document) with the one lexical configuration (docs/BENCHMARKS.md).
      expect(result.byDocument.recallAt1).toBeGreaterThanOrEqual(0.92);
      expect(result.byDocument.recallAtK).toBeGreaterThanOrEqual(0.98);
      expect(result.byDocument.mrrAtK).toBeGreaterThanOrEqual(0.95);
      expect(result.bySection.recallAtK).toBeGreaterThanOrEqual(0.98);
      // Any new miss (or a fixed one: update the list) shows here by name.
      expect(result.misses.map((m) => m.question)).toEqual([
        "What will I learn in the first chapter, before any math shows up?",
      ]);
      expect(result.notFirst).toEqual(NOT_FIRST);
      // The offline answer cites the first-ranked file about as often as search ranks the answer first.
      expect(result.citation?.recallAt1).toBeGreaterThanOrEqual(0.9);
      // Never a line of a "Check your understanding", exercise or quiz part, whatever its punctuation.
      const asking = askingLines(docs);
      expect(asking.length).toBeGreaterThanOrEqual(6);
      for (const { question, response } of result.answers) {
        const flat = response.replace(/[*_`]/g, "");
        expect(
          asking.filter((line) => flat.includes(line)),
          question,
        ).toEqual([]);
      }
      // Never a question (from a quiz, an exercise list or a lead-in) presented as an answer.
      for (const { question, response } of result.answers) {
        const quoted = response
          .split(/\n+|(?<=\])\s+/)
          .filter((s) => /\?["'’”)\]]*\s*(?:\[\d+\])?$/.test(s.trim()));
        expect(quoted, question).toEqual([]);
      }
    },
    300_000,
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
