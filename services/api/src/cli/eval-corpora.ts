// `npm run eval:corpora`: the retrieval eval on every corpus of ../shared/corpus/corpora.json and the sample book, as one table.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { packageDir } from "@ai-book/runtime";
import { z } from "zod";
import type { Embedder } from "../rag/ports.ts";
import { type EvalResult, readQuestions, runEval } from "./eval.ts";
import { type CliIo, cliConfig, createEmbedderFromConfig } from "./ingest.ts";
import { parseCliArgs, runIfMain } from "./main-guard.ts";

/** The repository root (this file is services/api/src/cli/). */
export const REPO_ROOT = resolve(packageDir(import.meta.url), "../..");
/** Where CI and the engineers' machines keep the shared corpora: `../shared` beside the clone. */
export const DEFAULT_CORPORA = resolve(REPO_ROOT, "../shared/corpus/corpora.json");

export const CORPORA_USAGE = `Usage: npm run eval:corpora -- [corpora.json] [options]

Ingests every corpus listed in corpora.json (default ../shared/corpus/corpora.json beside the repository)
and the sample book (book/docs, book/questions.tsv) into temporary indexes, asks each one's questions in the
configured retrieval mode (hybrid when OPENAI_API_KEY is set, else lexical) and prints one table: recall@1,
recall@5 and MRR@5 by answer file (distinct files, as the anchor ranks them) beside the corpus's plain-BM25
anchor, the offline /v1/chat answer's first citation (citation@1), and, where the questions carry the correct
option, the share of answers holding >= 60% of its content words.

Options:
  --only NAME      only the corpora whose name contains NAME (repeatable)
  --no-chat        retrieval only (skip citation@1 and the correct-option measure)
  --misses         list the questions whose answer file is not in the top 5, then those not ranked first
  -h, --help       show this help`;

const anchorSchema = z.object({
  questions: z.number().int(),
  "recall@1": z.number(),
  "recall@5": z.number(),
  "mrr@5": z.number(),
});

const corporaSchema = z.object({
  corpora: z.array(
    z.object({
      name: z.string(),
      docs: z.string(),
      questions: z.string(),
      exclude: z.string().nullable(),
      anchor: anchorSchema,
    }),
  ),
});

export type Anchor = z.infer<typeof anchorSchema>;

export interface Corpus {
  name: string;
  docsDir: string;
  questionsFile: string;
  exclude: RegExp | null;
  /** Plain BM25 over heading sections, by answer file; null for the sample book (none published). */
  anchor: Anchor | null;
}

/** The corpora of a corpora.json, paths resolved against its folder. */
export function readCorpora(file: string): Corpus[] {
  const parsed = corporaSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  const dir = dirname(file);
  return parsed.corpora.map((c) => ({
    name: c.name,
    docsDir: resolve(dir, c.docs),
    questionsFile: resolve(dir, c.questions),
    exclude: c.exclude === null ? null : new RegExp(c.exclude),
    anchor: c.anchor,
  }));
}

export const SAMPLE_BOOK: Corpus = {
  name: "sample book (book/docs)",
  docsDir: join(REPO_ROOT, "book/docs"),
  questionsFile: join(REPO_ROOT, "book/questions.tsv"),
  exclude: null,
  anchor: null,
};

export interface CorpusResult {
  corpus: Corpus;
  result: EvalResult;
}

/** Runs the eval on each corpus in turn (one temporary index at a time). */
export async function evalCorpora(
  corpora: readonly Corpus[],
  opts: { embedder?: Embedder; chat?: boolean; onResult?: (r: CorpusResult) => void } = {},
): Promise<CorpusResult[]> {
  const out: CorpusResult[] = [];
  for (const corpus of corpora) {
    const result = await runEval({
      docsDir: corpus.docsDir,
      questions: readQuestions(corpus.questionsFile),
      exclude: corpus.exclude ?? undefined,
      embedder: opts.embedder,
      chat: opts.chat,
    });
    const r = { corpus, result };
    opts.onResult?.(r);
    out.push(r);
  }
  return out;
}

const f3 = (x: number) => x.toFixed(3);

/** The table as Markdown (pasted into docs/BENCHMARKS.md as is). */
export function formatCorporaTable(results: readonly CorpusResult[]): string {
  const vs = (ours: number, anchor: number | undefined) =>
    anchor === undefined ? f3(ours) : `${f3(ours)} (${f3(anchor)})`;
  const lines = [
    "| corpus | questions | recall@1 (anchor) | recall@5 (anchor) | MRR@5 (anchor) | citation@1 | correct option |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const { corpus, result } of results) {
    const m = result.byDocument;
    const a = corpus.anchor;
    const option = result.correctOption
      ? `${f3(result.correctOption.hits / result.correctOption.questions)} of ${result.correctOption.questions}`
      : "–";
    lines.push(
      `| ${corpus.name} | ${m.questions} | ${vs(m.recallAt1, a?.["recall@1"])} | ${vs(m.recallAtK, a?.["recall@5"])} | ` +
        `${vs(m.mrrAtK, a?.["mrr@5"])} | ${result.citation ? f3(result.citation.recallAt1) : "–"} | ${option} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export async function runCorporaCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  const args = parseCliArgs(argv, io, CORPORA_USAGE, {
    only: { type: "string", multiple: true },
    "no-chat": { type: "boolean", default: false },
    misses: { type: "boolean", default: false },
  });
  if (typeof args === "number") return args;
  const { values, positionals } = args;
  if (positionals.length > 1) {
    io.stderr.write(`${CORPORA_USAGE}\n`);
    return 2;
  }
  const file = positionals[0] ? resolve(io.cwd, positionals[0]) : DEFAULT_CORPORA;
  if (!existsSync(file)) {
    io.stderr.write(`${file} not found: pass the corpora.json to evaluate\n`);
    return 2;
  }
  const only = values.only ?? [];
  const corpora = [...readCorpora(file), SAMPLE_BOOK].filter(
    (c) => only.length === 0 || only.some((o) => c.name.includes(o)),
  );
  const embedder = createEmbedderFromConfig(cliConfig(env, io.cwd));
  const results = await evalCorpora(corpora, {
    embedder,
    chat: !values["no-chat"],
    onResult: ({ corpus, result }) => {
      io.stderr.write(`${corpus.name}: ${result.documents} documents, ${result.chunks} chunks\n`);
      if (values.misses) {
        for (const m of result.misses)
          io.stderr.write(`  miss: ${m.question}\n        want ${m.expected}; got ${m.got.join(", ")}\n`);
        const missed = new Set(result.misses.map((m) => m.question));
        for (const q of result.notFirst)
          if (!missed.has(q)) io.stderr.write(`  not first (in the top 5): ${q}\n`);
      }
    },
  });
  io.stdout.write(`Retrieval eval (${embedder ? "hybrid" : "lexical"}), by answer file, top 5:\n\n`);
  io.stdout.write(formatCorporaTable(results));
  return 0;
}

runIfMain(import.meta.url, "eval:corpora", runCorporaCli);
