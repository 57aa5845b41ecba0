// The multi-book retrieval gate: offline search on every corpus of ../shared/corpus must stay above its plain-BM25 anchor.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startOpenAIStub, tempDir } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { createOpenAIEmbedder } from "../adapters/embed/openai.ts";
import {
  type CorpusResult,
  DEFAULT_CORPORA,
  evalCorpora,
  formatCorporaTable,
  readCorpora,
  runCorporaCli,
  SAMPLE_BOOK,
} from "./eval-corpora.ts";

const present = existsSync(DEFAULT_CORPORA);
// CI has ../shared beside the clone: there a missing corpus is a broken checkout, not a reason to skip.
const mustRun = process.env.CI === "true";
if (!present && !mustRun)
  console.warn(`[skip] ${DEFAULT_CORPORA} is missing: skipping the multi-book retrieval gate`);

/** The lexical results on every corpus and the sample book, computed once for both gates. */
let lexical: Promise<CorpusResult[]> | undefined;
const lexicalResults = () => {
  lexical ??= evalCorpora([...readCorpora(DEFAULT_CORPORA), SAMPLE_BOOK]);
  return lexical;
};

describe("multi-book retrieval gate", () => {
  it.runIf(present || mustRun)(
    "beats the plain-BM25 anchor on recall@1, matches it on recall@5 and reaches MRR@5 >= min(anchor + 0.05, 0.97) on every corpus (lexical)",
    async () => {
      expect(existsSync(DEFAULT_CORPORA), `${DEFAULT_CORPORA} must exist in CI`).toBe(true);
      expect(readCorpora(DEFAULT_CORPORA).length).toBeGreaterThanOrEqual(4);
      const results = await lexicalResults();
      console.log(formatCorporaTable(results));
      for (const { corpus, result } of results) {
        const a = corpus.anchor;
        if (!a) continue;
        const m = result.byDocument;
        // Every page ingests (MDX that fails falls back to Markdown) and every question's file is indexed.
        expect(result.unknownDocs, corpus.name).toEqual([]);
        expect(m.questions, corpus.name).toBe(a.questions);
        expect(m.recallAt1, `${corpus.name} recall@1`).toBeGreaterThan(a["recall@1"]);
        expect(m.recallAtK, `${corpus.name} recall@5`).toBeGreaterThanOrEqual(a["recall@5"]);
        // Issue 20's target; rounded to the published anchors' three decimals.
        const target = Math.round(Math.min(a["mrr@5"] + 0.05, 0.97) * 1000) / 1000;
        expect(Math.round(m.mrrAtK * 1000) / 1000, `${corpus.name} MRR@5`).toBeGreaterThanOrEqual(target);
      }
    },
    600_000,
  );

  it.runIf(present || mustRun)(
    "hybrid with a stand-in embedder (local OpenAI-protocol server, hashed bag of words) is never worse than lexical on any corpus",
    async () => {
      const stub = await startOpenAIStub();
      try {
        const embedder = createOpenAIEmbedder({ apiKey: "stub", baseURL: stub.baseURL, dimensions: 256 });
        const corpora = [...readCorpora(DEFAULT_CORPORA), SAMPLE_BOOK];
        const hybrid = await evalCorpora(corpora, { embedder });
        console.log(formatCorporaTable(hybrid));
        const base = await lexicalResults();
        for (const [i, { corpus, result }] of hybrid.entries()) {
          expect(result.mode).toBe("hybrid");
          const h = result.byDocument;
          const l = (base[i] as CorpusResult).result.byDocument;
          expect(h.recallAt1, `${corpus.name} recall@1`).toBeGreaterThanOrEqual(l.recallAt1);
          expect(h.recallAtK, `${corpus.name} recall@5`).toBeGreaterThanOrEqual(l.recallAtK);
          expect(h.mrrAtK, `${corpus.name} MRR@5`).toBeGreaterThanOrEqual(l.mrrAtK - 1e-9);
        }
      } finally {
        await stub.close();
      }
    },
    600_000,
  );

  it("reads a corpora.json and prints one table row per corpus through the CLI", async () => {
    const dir = tempDir("eval-corpora-");
    try {
      const docs = join(dir.path, "book", "docs");
      mkdirSync(docs, { recursive: true });
      writeFileSync(
        join(docs, "gears.md"),
        "# Gears\n\nA gearbox trades speed for torque through its ratio.\n",
      );
      writeFileSync(join(docs, "quiz.md"), "# Quiz\n\nWhat does a gearbox trade speed for?\n");
      writeFileSync(
        join(docs, "wheels.mdx"),
        // Not valid MDX (an unclosed <img>): indexed as plain Markdown, not a failure.
        '# Wheels [[wheels]]\n\n<img src="w.png">\n\nA wheel turns about its axle.\n',
      );
      writeFileSync(
        join(dir.path, "q.tsv"),
        "question\tanswer_file\tsource\tcorrect_answer\texplanation\n" +
          "What does a gearbox trade speed for?\tbook/docs/gears.md\tquiz\ttorque\t\n" +
          "What does a wheel turn about?\tbook/docs/wheels.mdx\tquiz\tits axle\t\n",
      );
      writeFileSync(
        join(dir.path, "corpora.json"),
        JSON.stringify({
          corpora: [
            {
              name: "tiny",
              docs: "book/docs",
              questions: "q.tsv",
              exclude: "quiz\\.md$",
              anchor: { questions: 2, "recall@1": 0.5, "recall@5": 1, "mrr@5": 0.75 },
            },
          ],
        }),
      );
      const out: string[] = [];
      const sink = { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream;
      const io = { stdout: sink, stderr: sink, cwd: dir.path };
      expect(await runCorporaCli(["corpora.json", "--only", "tiny"], {}, io)).toBe(0);
      const text = out.join("");
      expect(text).toContain(
        "| tiny | 2 | 1.000 (0.500) | 1.000 (1.000) | 1.000 (0.750) | 1.000 | 1.000 of 2 |",
      );
      expect(await runCorporaCli(["missing.json"], {}, io)).toBe(2);
    } finally {
      dir.cleanup();
    }
  });
});
