// Builds a synthetic index through the SQLite store's own replaceDocument, and the files the Python baseline loads.
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSqliteStore, type SqliteChunkStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import { type SyntheticQuery, syntheticCorpus } from "./corpus.ts";

/** The model name the synthetic vectors claim; the api-service must be configured with the same. */
export const BENCH_EMBEDDING_MODEL = "text-embedding-3-small";
export const BENCH_DIMENSIONS = 1536;

export interface BuiltIndex {
  /** The SQLite index file (give it to the api-service as INDEX_PATH). */
  path: string;
  chunks: number;
  queries: SyntheticQuery[];
  buildSeconds: number;
  /** Every vector in one row-major Float32Array, when asked for (the brute-force reference uses it). */
  matrix?: Float32Array;
  /** Directory with vectors.f32, chunks.jsonl, queries.json for the Python baseline, when asked for. */
  baselineDir?: string;
}

export interface BuildOptions {
  dir: string;
  chunks: number;
  queries?: number;
  keepMatrix?: boolean;
  baselineFiles?: boolean;
  seed?: number;
  /** A lexical-only index (no embedding model, no vectors), as offline ingest makes. */
  lexical?: boolean;
}

function writeAll(stream: ReturnType<typeof createWriteStream>, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(data)) resolve();
    else stream.once("drain", () => resolve());
  });
}

export async function buildIndex(opts: BuildOptions): Promise<BuiltIndex> {
  const t0 = performance.now();
  mkdirSync(opts.dir, { recursive: true });
  const path = join(opts.dir, "index.sqlite");
  const corpus = syntheticCorpus({
    chunks: opts.chunks,
    dimensions: BENCH_DIMENSIONS,
    seed: opts.seed ?? 42,
  });
  const store: SqliteChunkStore = openSqliteStore({
    path,
    dimensions: opts.lexical ? undefined : BENCH_DIMENSIONS,
  });
  const matrix = opts.keepMatrix ? new Float32Array(opts.chunks * BENCH_DIMENSIONS) : undefined;
  const baselineDir = opts.baselineFiles ? join(opts.dir, "baseline") : undefined;
  let vecOut: ReturnType<typeof createWriteStream> | undefined;
  let chunkOut: ReturnType<typeof createWriteStream> | undefined;
  if (baselineDir) {
    mkdirSync(baselineDir, { recursive: true });
    vecOut = createWriteStream(join(baselineDir, "vectors.f32"));
    chunkOut = createWriteStream(join(baselineDir, "chunks.jsonl"));
  }
  try {
    await store.reset(opts.lexical ? null : { model: BENCH_EMBEDDING_MODEL, dimensions: BENCH_DIMENSIONS });
    let row = 0;
    for (const d of corpus.docs()) {
      await store.replaceDocument(d.doc, d.chunks, opts.lexical ? undefined : d.vectors);
      for (let i = 0; i < d.chunks.length; i++) {
        const v = d.vectors[i] as Float32Array;
        matrix?.set(v, row * BENCH_DIMENSIONS);
        if (vecOut && chunkOut) {
          const c = d.chunks[i];
          await writeAll(vecOut, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
          await writeAll(chunkOut, `${JSON.stringify(c)}\n`);
        }
        row++;
      }
    }
    // As a full ingest ends (syncDocs).
    await store.compact();
  } finally {
    await store.close();
    await Promise.all(
      [vecOut, chunkOut].map((s) => (s ? new Promise<void>((r) => s.end(() => r())) : Promise.resolve())),
    );
  }
  const queries = corpus.queries(opts.queries ?? 64);
  if (baselineDir) {
    writeFileSync(
      join(baselineDir, "queries.json"),
      JSON.stringify(queries.map((q) => ({ text: q.text, vector: Array.from(q.vector) }))),
    );
  }
  return {
    path,
    chunks: opts.chunks,
    queries,
    buildSeconds: (performance.now() - t0) / 1000,
    matrix,
    baselineDir,
  };
}
