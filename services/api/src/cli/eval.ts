// `npm run eval:retrieval -- <docs dir> <questions.tsv>`: recall@1, recall@k and MRR@k of retrieval on a book.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openSqliteStore } from "../adapters/vector/sqlite.ts";
import { syncDocs } from "../ingest/sync.ts";
import { answer, prepare } from "../rag/pipeline.ts";
import type { Chunk, Embedder } from "../rag/ports.ts";
import { retrieve } from "../rag/retrieve.ts";
import { contentStems } from "../rag/text.ts";
import { type CliIo, cliConfig, createEmbedderFromConfig } from "./ingest.ts";
import { parseCliArgs, runIfMain } from "./main-guard.ts";

export const EVAL_USAGE = `Usage: npm run eval:retrieval -- <docs dir> <questions.tsv> [options]

Ingests the docs into a temporary index and asks every question, in the configured retrieval mode
(hybrid when OPENAI_API_KEY is set, else lexical), printing recall@1, recall@k and MRR@k by answer document,
by the first section from the answer document among the top k sections (what the prompt gets), and
by the answer heading where the file names one. "By document" ranks the distinct documents of the
ranked sections.

questions.tsv: a header row, then one question per line. Columns: "question"; the answer document as
"doc", "path" or "answer_file" (relative to the docs folder, or ending with that path); optionally "heading".
Chunks that contain a question word for word (e.g. the book's own quiz) are left out of the index.

Options:
  --k N                    the cut-off for recall and MRR (default 5)
  --base-url PATH          Docusaurus baseUrl (default /)
  --route-base-path PATH   Docusaurus routeBasePath (default /docs)
  --misses                 list the questions whose answer is not in the top k
  -h, --help               show this help`;

export interface EvalQuestion {
  question: string;
  doc: string;
  heading?: string;
  /** The correct option (or options, " | "-separated) of a quiz question, when the TSV has it. */
  answer?: string;
}

export interface EvalMetrics {
  questions: number;
  recallAt1: number;
  recallAtK: number;
  mrrAtK: number;
}

export interface EvalResult {
  mode: "hybrid" | "lexical";
  k: number;
  documents: number;
  chunks: number;
  /** Chunks left out because they contain a question verbatim. */
  leakedChunks: number;
  /** Questions whose answer document is not in the docs folder (not counted). */
  unknownDocs: string[];
  /** Ranks of the answer document among the distinct documents of the ranked sections. */
  byDocument: EvalMetrics;
  /** Ranks of the first section from the answer document among the top sections (what a prompt gets). */
  bySection: EvalMetrics;
  /** Ranks of the first section from the answer document under the answer heading. */
  byHeading: EvalMetrics | null;
  misses: Array<{ question: string; expected: string; got: string[] }>;
  /** Questions whose answer document is not the first one ranked (includes `misses`). */
  notFirst: string[];
  /** The offline `/v1/chat` answer's first cited source: recall@1 = citation@1 (null unless `chat`). */
  citation: EvalMetrics | null;
  /**
   * Questions with a correct option whose offline answer holds at least 60% of one option's content words
   * (null unless `chat` and the TSV has options).
   */
  correctOption: { questions: number; hits: number } | null;
  /** The offline answers, in question order (empty unless `chat`). */
  answers: Array<{ question: string; response: string }>;
}

/** Share of an option's content words the answer must hold for the option to count as given. */
export const OPTION_RECALL = 0.6;

/** Whether `answerText` holds at least OPTION_RECALL of the content words of one of `options` (" | "-separated). */
export function containsOption(answerText: string, options: string): boolean {
  const have = new Set(contentStems(answerText));
  return options
    .split(" | ")
    .map((o) => contentStems(o))
    .filter((terms) => terms.length > 0)
    .some((terms) => terms.filter((t) => have.has(t)).length / terms.length >= OPTION_RECALL);
}

/** Reads the questions file: tab-separated values with a header row, no quoting (TSV as written by hand). */
export function readQuestions(path: string): EvalQuestion[] {
  const [header = "", ...lines] = readFileSync(path, "utf8").split(/\r?\n/);
  const columns = header.split("\t").map((c) => c.trim().toLowerCase());
  const rows = lines
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const cells = l.split("\t");
      return Object.fromEntries(columns.map((c, i) => [c, (cells[i] ?? "").trim()])) as Record<
        string,
        string
      >;
    });
  return rows
    .map((r) => ({
      question: r.question ?? "",
      doc: r.doc ?? r.path ?? r.answer_file ?? r.answer_doc ?? "",
      heading: r.heading || undefined,
      answer: r.correct_answer || r.correct_option || undefined,
    }))
    .filter((q) => q.question && q.doc);
}

const normalise = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

function docMatches(expected: string, docId: string): boolean {
  return expected === docId || expected.endsWith(`/${docId}`);
}

function headingMatches(chunk: Chunk, heading: string): boolean {
  const h = normalise(heading);
  return (
    chunk.headingPath.some((x) => normalise(x) === h) ||
    chunk.text.split("\n").some((line) => normalise(line) === h)
  );
}

function metrics(ranks: Array<number | null>, k: number): EvalMetrics {
  const n = ranks.length;
  const at = (cut: number) => (n === 0 ? 0 : ranks.filter((r) => r !== null && r <= cut).length / n);
  const mrr = n === 0 ? 0 : ranks.reduce<number>((s, r) => s + (r !== null && r <= k ? 1 / r : 0), 0) / n;
  return { questions: n, recallAt1: at(1), recallAtK: at(k), mrrAtK: mrr };
}

/** Ingests `docsDir` into a temporary SQLite index and measures retrieval on `questions`. */
export async function runEval(opts: {
  docsDir: string;
  questions: EvalQuestion[];
  embedder?: Embedder;
  k?: number;
  baseUrl?: string;
  routeBasePath?: string;
  /** Files (paths relative to the docs folder) left out of the index; questions they answer are skipped. */
  exclude?: RegExp;
  /** Also ask every question through the offline chat pipeline (citation@1, correct option). */
  chat?: boolean;
}): Promise<EvalResult> {
  const k = opts.k ?? 5;
  const dir = mkdtempSync(join(tmpdir(), "ai-book-eval-"));
  const store = openSqliteStore({ path: join(dir, "index.sqlite") });
  try {
    const leaks = opts.questions.map((q) => normalise(q.question));
    let leakedChunks = 0;
    const summary = await syncDocs({
      docsDir: opts.docsDir,
      store,
      embedder: opts.embedder,
      baseUrl: opts.baseUrl,
      routeBasePath: opts.routeBasePath,
      keepChunk: (chunk) => {
        if (opts.exclude?.test(chunk.docId)) return false;
        const text = normalise(chunk.text);
        const leaked = leaks.some((q) => text.includes(q));
        if (leaked) leakedChunks += 1;
        return !leaked;
      },
    });
    if (summary.failed.length > 0) {
      const f = summary.failed[0]!;
      throw new Error(`cannot evaluate: ${f.path}:${f.line}:${f.column}: ${f.message}`);
    }
    const docIds = (await store.listDocuments()).map((d) => d.docId);
    const asked = opts.questions.filter((q) => !opts.exclude?.test(q.doc));
    const known = asked.filter((q) => docIds.some((id) => docMatches(q.doc, id)));
    const unknownDocs = [...new Set(asked.filter((q) => !known.includes(q)).map((q) => q.doc))];

    const docRanks: Array<number | null> = [];
    const sectionRanks: Array<number | null> = [];
    const headingRanks: Array<number | null> = [];
    const misses: EvalResult["misses"] = [];
    const notFirst: string[] = [];
    const citationRanks: Array<number | null> = [];
    let optionQuestions = 0;
    let optionHits = 0;
    const answers: EvalResult["answers"] = [];
    const rag = { store, embedder: opts.embedder, bookBaseUrl: "http://book.invalid", topK: 5 };
    const rankOf = (i: number) => (i >= 0 ? i + 1 : null);
    for (const q of known) {
      // Enough sections that the top k distinct documents are known.
      const { hits } = await retrieve(
        { store, embedder: opts.embedder },
        { query: q.question, limit: Math.max(k * 4, 20) },
      );
      const docs = [...new Set(hits.map((h) => h.chunk.docId))];
      const docRank = docs.findIndex((d) => docMatches(q.doc, d));
      docRanks.push(rankOf(docRank));
      if (docRank !== 0) notFirst.push(q.question);
      sectionRanks.push(rankOf(hits.findIndex((h) => docMatches(q.doc, h.chunk.docId))));
      if (docRank < 0 || docRank >= k)
        misses.push({ question: q.question, expected: q.doc, got: docs.slice(0, k) });
      if (q.heading) {
        const heading = q.heading;
        const r = hits.findIndex((h) => docMatches(q.doc, h.chunk.docId) && headingMatches(h.chunk, heading));
        headingRanks.push(rankOf(r));
      }
      if (opts.chat) {
        // What POST /v1/chat does offline: retrieve the prompt's sections, answer extractively.
        const prepared = await prepare(rag, { message: q.question });
        const { response } = await answer(rag, prepared);
        answers.push({ question: q.question, response });
        const first = /\[(\d+)\]/.exec(response)?.[1];
        const cited = first ? prepared.hits[Number(first) - 1]?.chunk.docId : undefined;
        citationRanks.push(cited && docMatches(q.doc, cited) ? 1 : null);
        if (q.answer) {
          optionQuestions += 1;
          if (containsOption(response, q.answer)) optionHits += 1;
        }
      }
    }
    const stats = await store.stats();
    return {
      mode: opts.embedder ? "hybrid" : "lexical",
      k,
      documents: stats.documents,
      chunks: stats.chunks,
      leakedChunks,
      unknownDocs,
      byDocument: metrics(docRanks, k),
      bySection: metrics(sectionRanks, k),
      byHeading: headingRanks.length > 0 ? metrics(headingRanks, k) : null,
      misses,
      notFirst,
      citation: opts.chat ? metrics(citationRanks, k) : null,
      correctOption:
        opts.chat && optionQuestions > 0 ? { questions: optionQuestions, hits: optionHits } : null,
      answers,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatEval(r: EvalResult, showMisses: boolean): string {
  const f = (x: number) => x.toFixed(2);
  const row = (name: string, m: EvalMetrics) =>
    `  ${name.padEnd(12)} n=${String(m.questions).padEnd(4)} recall@1 ${f(m.recallAt1)}  recall@${r.k} ${f(m.recallAtK)}  MRR@${r.k} ${f(m.mrrAtK)}`;
  const lines = [
    `Retrieval eval (${r.mode}): ${r.documents} documents, ${r.chunks} chunks` +
      (r.leakedChunks ? ` (${r.leakedChunks} chunks holding a question verbatim left out)` : ""),
    row("by document", r.byDocument),
    row("by section", r.bySection),
    ...(r.byHeading ? [row("by heading", r.byHeading)] : []),
  ];
  if (r.unknownDocs.length > 0) lines.push(`  not in the docs folder (skipped): ${r.unknownDocs.join(", ")}`);
  if (showMisses) {
    for (const m of r.misses)
      lines.push(`  miss: ${m.question}\n        want ${m.expected}; got ${m.got.join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function runEvalCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  const args = parseCliArgs(argv, io, EVAL_USAGE, {
    k: { type: "string" },
    "base-url": { type: "string" },
    "route-base-path": { type: "string" },
    misses: { type: "boolean", default: false },
  });
  if (typeof args === "number") return args;
  const { values, positionals } = args;
  const k = values.k === undefined ? 5 : Number(values.k);
  if (positionals.length !== 2 || !Number.isInteger(k) || k < 1) {
    io.stderr.write(`${EVAL_USAGE}\n`);
    return 2;
  }
  const [docs, tsv] = positionals.map((p) => resolve(io.cwd, p)) as [string, string];
  const config = cliConfig(env, io.cwd);
  const result = await runEval({
    docsDir: docs,
    questions: readQuestions(tsv),
    embedder: createEmbedderFromConfig(config),
    k,
    baseUrl: values["base-url"],
    routeBasePath: values["route-base-path"],
  });
  io.stdout.write(formatEval(result, values.misses === true));
  return 0;
}

runIfMain(import.meta.url, "eval", runEvalCli);
