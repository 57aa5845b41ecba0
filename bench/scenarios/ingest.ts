// Ingest of the sample book replicated to ~100k words: offline chunks/s, and embedding requests against the ideal batching.
import { cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join, relative } from "node:path";
import { startOpenAIStub } from "@ai-book/testkit";
import { createOpenAIEmbedder } from "../../services/api/src/adapters/embed/openai.ts";
import { openSqliteStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import { buildDocument } from "../../services/api/src/ingest/document.ts";
import { markdownTree, preprocess } from "../../services/api/src/ingest/parse.ts";
import { listDocFiles, syncDocs } from "../../services/api/src/ingest/sync.ts";
import type { Scenario } from "../lib/context.ts";
import { REPO_ROOT } from "../lib/processes.ts";
import { round } from "../lib/stats.ts";

const BOOK_DOCS = join(REPO_ROOT, "book", "docs");
/** The embedder's default inputs per request (createOpenAIEmbedder's maxInputsPerRequest). */
const BATCH_SIZE = 128;

function docFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return docFiles(p);
    return /\.mdx?$/.test(name) ? [p] : [];
  });
}

/**
 * Copies of the sample book side by side (copy-0/, copy-1/, ...) until about `words` words; below one copy,
 * the first files (in path order, with their folders' metadata) up to `words`.
 */
function replicateBook(target: string, words: number): { copies: number; words: number } {
  const files = docFiles(BOOK_DOCS).sort();
  const sizes = files.map((f) => readFileSync(f, "utf8").match(/\S+/g)?.length ?? 0);
  const perCopy = sizes.reduce((a, b) => a + b, 0);
  if (perCopy === 0) throw new Error(`no Markdown under ${BOOK_DOCS}`);
  if (words < perCopy) {
    let total = 0;
    for (let i = 0; i < files.length && total < words; i++) {
      const rel = relative(BOOK_DOCS, files[i] as string);
      cpSync(files[i] as string, join(target, "copy-0", rel));
      total += sizes[i] ?? 0;
    }
    return { copies: total / perCopy, words: total };
  }
  const copies = Math.round(words / perCopy);
  for (let i = 0; i < copies; i++) cpSync(BOOK_DOCS, join(target, `copy-${i}`), { recursive: true });
  return { copies, words: copies * perCopy };
}

export const ingestThroughput: Scenario = {
  id: "ingest",
  figures: ["ingest_throughput"],
  async run(ctx) {
    const docsDir = join(ctx.workDir, "ingest-docs");
    const rep = replicateBook(docsDir, ctx.profile.ingestWords);

    // Offline: parse, chunk, tokenize, write (FTS5) — no embeddings. One-shot is the first ingest of this process
    // (cold JIT, the tokenizer's tables), as `npm run ingest` runs once; warm is the same documents again into a
    // fresh index, as a long-lived process or a watch loop would.
    const loadAtStart = loadavg()[0] ?? 0;
    const offlineRun = async (name: string) => {
      const store = openSqliteStore({ path: join(ctx.workDir, `ingest-${name}`, "index.sqlite") });
      const t0 = performance.now();
      try {
        const result = await syncDocs({ docsDir, store, reset: true });
        if (result.failed.length > 0)
          throw new Error(`offline ingest failed on ${JSON.stringify(result.failed[0])}`);
        return { result, seconds: (performance.now() - t0) / 1000 };
      } finally {
        await store.close();
      }
    };
    const oneShot = await offlineRun("one-shot");
    const warm = await offlineRun("warm");
    const offline = oneShot.result;
    const chunksPerS = offline.chunksAdded / oneShot.seconds;
    const warmChunksPerS = warm.result.chunksAdded / warm.seconds;

    // Evidence beside the figure, not part of it: the same documents through the parser alone (Markdown/MDX
    // to mdast with Docusaurus's syntax) and through parse + chunk (no reading, hashing or writing), in this
    // thread, best of 3 passes: the ceilings the offline figure is bounded by.
    const sources = (await listDocFiles(docsDir)).map((rel) => ({
      rel,
      mdx: rel.endsWith(".mdx"),
      source: readFileSync(join(docsDir, rel), "utf8"),
    }));
    const bestOfThree = (pass: () => void) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        pass();
        best = Math.min(best, performance.now() - t);
      }
      return best / 1000;
    };
    const parserS = bestOfThree(() => {
      for (const d of sources) markdownTree(preprocess(d.source, d.mdx), { mdx: d.mdx });
    });
    const parseChunkS = bestOfThree(() => {
      for (const d of sources) buildDocument(d.rel, d.source);
    });

    // With the local OpenAI-protocol server: count the embedding requests the ingest makes.
    const stub = await startOpenAIStub();
    const embedStore = openSqliteStore({
      path: join(ctx.workDir, "ingest-embed", "index.sqlite"),
      dimensions: 1536,
    });
    let embedded: Awaited<ReturnType<typeof syncDocs>>;
    const t1 = performance.now();
    try {
      const embedder = createOpenAIEmbedder({
        apiKey: "sk-bench-local-stub",
        baseURL: stub.baseURL,
        model: "text-embedding-3-small",
        dimensions: 1536,
      });
      embedded = await syncDocs({ docsDir, store: embedStore, embedder, reset: true });
    } finally {
      await embedStore.close();
      await stub.close();
    }
    const embedS = (performance.now() - t1) / 1000;
    const requests = stub.embeddingRequests().length;
    const ideal = Math.ceil(embedded.chunksAdded / BATCH_SIZE);
    const ratio = requests / ideal;
    return [
      {
        name: "ingest_throughput",
        value: round(chunksPerS, 0),
        unit: "chunks/s offline, one-shot",
        target: ">= 600 chunks/s one-shot, >= 1,000 warm; embedding requests ÷ ceil(chunks ÷ batch) = 1.0",
        met: chunksPerS >= 600 && warmChunksPerS >= 1000 && ratio <= 1.0,
        detail: {
          words: rep.words,
          copies_of_sample_book: round(rep.copies, 2),
          documents: offline.scanned,
          chunks: offline.chunksAdded,
          one_shot_s: round(oneShot.seconds, 2),
          warm_chunks_per_s: round(warmChunksPerS, 0),
          warm_s: round(warm.seconds, 2),
          embedding_requests: requests,
          ideal_requests: ideal,
          embedding_request_ratio: round(ratio, 3),
          batch_size: BATCH_SIZE,
          embedded_run_s: round(embedS, 2),
          parser_alone_chunks_per_s: round(offline.chunksAdded / parserS, 0),
          parse_and_chunk_chunks_per_s: round(offline.chunksAdded / parseChunkS, 0),
          load_avg_1m_at_start: round(loadAtStart, 2),
        },
        note: "syncDocs (the ingest CLI's code) into a fresh SQLite index; the embedded run uses createOpenAIEmbedder against the testkit stub",
      },
    ];
  },
};
