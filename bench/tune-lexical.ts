// `npx tsx bench/tune-lexical.ts [grid.json]`: the leave-one-book-out choice of the lexical ranking (docs/BENCHMARKS.md, "Retrieval quality").
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../services/api/src/adapters/vector/sqlite.ts";
import { readQuestions } from "../services/api/src/cli/eval.ts";
import { DEFAULT_CORPORA, readCorpora, SAMPLE_BOOK } from "../services/api/src/cli/eval-corpora.ts";
import { syncDocs } from "../services/api/src/ingest/sync.ts";
import { DEFAULT_LEXICAL_RANKING, type LexicalRanking } from "../services/api/src/rag/lexical-rank.ts";
import { retrieve } from "../services/api/src/rag/retrieve.ts";

type Setting = Partial<LexicalRanking> & { keepRatio?: number };

/**
 * The grid the shipped setting was chosen from: column weights 2/2/1, document aggregation 0.1 (the winners of the
 * first, wider grid: 3/4/1 and aggregation 0 / 0.2 lost on every held-out book), proximity weight, unordered
 * proximity window (0 = exact phrases only) and hub factor.
 */
function defaultGrid(): Setting[] {
  const out: Setting[] = [];
  for (const window of [0, 2, 3, 4])
    for (const phraseWeight of [0.25, 0.35, 0.5])
      for (const hubPenalty of [0.6, 0.75, 0.9])
        out.push({
          weights: { title: 2, headings: 2, text: 1 },
          docWeight: 0.1,
          window,
          phraseWeight,
          hubPenalty,
          keepRatio: 0.25,
        });
  return out;
}

const normalise = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();
const docMatches = (expected: string, docId: string) => expected === docId || expected.endsWith(`/${docId}`);

const grid: Setting[] = process.argv[2]
  ? (JSON.parse(readFileSync(process.argv[2], "utf8")) as Setting[])
  : defaultGrid();
const books = [...readCorpora(DEFAULT_CORPORA), SAMPLE_BOOK];
const work = mkdtempSync(join(tmpdir(), "ai-book-tune-"));
try {
  // Each book is ingested once; every setting then searches the same index file.
  const built = [];
  for (const [i, book] of books.entries()) {
    const path = join(work, `${i}.sqlite`);
    const store = openSqliteStore({ path });
    const questions = readQuestions(book.questionsFile).filter((q) => !book.exclude?.test(q.doc));
    const leaks = questions.map((q) => normalise(q.question));
    await syncDocs({
      docsDir: book.docsDir,
      store,
      keepChunk: (c) => !book.exclude?.test(c.docId) && !leaks.some((l) => normalise(c.text).includes(l)),
    });
    await store.close();
    built.push({ name: book.name, path, questions });
  }
  // scores[setting][book] = [recall@1, recall@5, MRR@5]
  const scores: number[][][] = [];
  for (const setting of grid) {
    const row: number[][] = [];
    for (const book of built) {
      const store = openSqliteStore({ path: book.path, lexical: { ...DEFAULT_LEXICAL_RANKING, ...setting } });
      let r1 = 0;
      let r5 = 0;
      let mrr = 0;
      for (const q of book.questions) {
        const { hits } = await retrieve(
          { store },
          { query: q.question, limit: 20, keepRatio: setting.keepRatio },
        );
        const rank = [...new Set(hits.map((h) => h.chunk.docId))].findIndex((d) => docMatches(q.doc, d));
        if (rank === 0) r1 += 1;
        if (rank >= 0 && rank < 5) {
          r5 += 1;
          mrr += 1 / (rank + 1);
        }
      }
      await store.close();
      const n = book.questions.length;
      row.push([r1 / n, r5 / n, mrr / n]);
    }
    scores.push(row);
    console.log(JSON.stringify(setting), row.map((m) => m.map((x) => x.toFixed(3)).join(" ")).join(" | "));
  }
  // Leave one book out: the best setting on the others by mean (recall@1 + MRR@5) / 2, reported on the one left out.
  const objective = (row: number[][], skip: number) =>
    row.reduce((s, m, b) => (b === skip ? s : s + ((m[0] ?? 0) + (m[2] ?? 0)) / 2), 0);
  console.log("\nheld out | chosen setting | recall@1 recall@5 MRR@5 on the held-out book");
  for (const [b, book] of built.entries()) {
    let best = 0;
    for (let s = 1; s < grid.length; s++)
      if (objective(scores[s] ?? [], b) > objective(scores[best] ?? [], b)) best = s;
    const m = scores[best]?.[b] ?? [];
    console.log(`${book.name} | ${JSON.stringify(grid[best])} | ${m.map((x) => x.toFixed(3)).join(" ")}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
