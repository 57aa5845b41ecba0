// The embedded chunk store: one SQLite file (WAL) with FTS5 for BM25 and sqlite-vec for dense vectors, fused by score.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { convexFusion, reciprocalRankFusion } from "../../rag/fusion.ts";
import { DEFAULT_LEXICAL_RANKING, type LexicalRanking, rankColumns } from "../../rag/lexical-rank.ts";
import { queryConcepts, queryPairs, queryPhrases } from "../../rag/lexicon.ts";
import type {
  Chunk,
  ChunkStore,
  DocumentSource,
  SearchHit,
  SearchQuery,
  StoredDocument,
  StoreStats,
} from "../../rag/ports.ts";
import { BinaryCodes } from "./binary-codes.ts";

export interface SqliteStoreOptions {
  /** The index file, created with its directory when missing; ":memory:" for a throwaway store. */
  path: string;
  /**
   * The embedding size the caller's query vectors have. When given and the index already holds vectors of
   * another size, opening fails with a message asking for a re-ingest (fail fast rather than search badly).
   */
  dimensions?: number;
  /** Candidates each leg contributes to the fusion, at least; more when `limit` is large. @default 50 */
  candidates?: number;
  /**
   * After another process changes the index (an ingest commits once per document), the in-memory sign bits are
   * rebuilt at most this often; in between, the dense leg's first pass uses the previous ones, so a new chunk joins
   * the dense leg up to this late. The lexical leg and the re-score always read the current file, so a deleted or
   * replaced chunk never shows. This store's own writes rebuild at once. @default 1000
   */
  codesRefreshMs?: number;
  /** How the lexical leg ranks (tuning and evaluation only; the default is the one configuration). */
  lexical?: Partial<LexicalRanking>;
  /** The dense leg's weight in the fusion (tuning and evaluation only). @default DENSE_WEIGHT */
  denseWeight?: number;
}

type EmbeddingInfo = { model: string; dimensions: number };

interface IndexShape {
  version: number;
  embedding: EmbeddingInfo | null;
  chunks: number;
  /** Built on the first lexical search of this version. */
  documents?: DocumentRuns;
}

/**
 * Which document each chunk rowid belongs to, as runs of consecutive rowids (a document's chunks are written in one
 * transaction, so a document is usually one run), read from the `chunks_doc_id` index once per file version. The
 * lexical leg needs the document of each of its `depth` rows; joining them to `chunks` read 150 large rows a search
 * (0.45 of 1.45 ms per FTS query on the bench's 10k-chunk index), this is a binary search in a few kB.
 */
export class DocumentRuns {
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  readonly #docs: string[];

  constructor(rows: Iterable<[rowid: number, docId: string]>) {
    const runs: Array<[start: number, end: number, docId: string]> = [];
    let last: [number, number, string] | undefined;
    // Rows come grouped by document, rowids ascending within one (the index's order).
    for (const [rowid, docId] of rows) {
      if (last && last[2] === docId && last[1] + 1 === rowid) last[1] = rowid;
      else {
        last = [rowid, rowid, docId];
        runs.push(last);
      }
    }
    runs.sort((a, b) => a[0] - b[0]);
    this.#starts = Float64Array.from(runs, (r) => r[0]);
    this.#ends = Float64Array.from(runs, (r) => r[1]);
    this.#docs = runs.map((r) => r[2]);
  }

  /** The document holding this chunk, or undefined for a rowid no chunk has. */
  docOf(rowid: number): string | undefined {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#starts[mid] as number) <= rowid) lo = mid;
      else hi = mid - 1;
    }
    return hi >= 0 && (this.#starts[lo] as number) <= rowid && rowid <= (this.#ends[lo] as number)
      ? this.#docs[lo]
      : undefined;
  }
}

/** The chunks columns under Chunk's names (as the insert binds them), so a row needs only its JSON read. */
const CHUNK_COLUMNS =
  "id, doc_id AS docId, path, title, heading_path AS headingPath, route, text, ordinal, tokens";

/** A chunk as CHUNK_COLUMNS reads it: the heading path still JSON. */
type ChunkRow = Omit<Chunk, "headingPath"> & { headingPath: string };

const SCHEMA_VERSION = "1";

/** A leg's hit as the fusion takes it: the chunk's rowid as text, higher score better. */
type Hit = { id: string; score: number };

/**
 * The dense leg's weight against the lexical leg's 1 in the convex fusion (rag/fusion.ts): the lexical first hit
 * is overtaken only by a section within this many normalised lexical units of it that the dense leg clearly
 * prefers, so a strong lexical hit cannot be drowned. Chosen as the largest of 0.1 / 0.15 / 0.2 / 0.25 with which
 * hybrid is never worse than lexical (recall@1, recall@5, MRR@5) on any of the five evaluation books, measured with
 * the test stub's hashed bag-of-words embeddings only (docs/BENCHMARKS.md): 0.15 and up lose one LLM-course question
 * from the top 5. Real embeddings were not available to measure; a good dense leg may deserve more.
 */
export const DENSE_WEIGHT = 0.1;

/**
 * How many rows the sign-bit scan hands to the exact float re-score, by index size. Sign bits lose more of the
 * ranking as the index grows; measured on the bench's topic-clustered 1536-d vectors against an exact scan:
 * 10k chunks, recall@10 / recall@50 0.994 / 0.92 with 100 rows, 1.00 / 0.99 with 150, 1.00 / 1.00 with 200;
 * 100k chunks, recall@10 0.86 with 200 rows, 1.00 with 1,000. A re-scored row costs a 6 kB vector read (about
 * 5 µs): 150 rows (at least 3 per candidate) up to 15k chunks, then one per 100 chunks, at most 1,000.
 */
export function denseRescorePool(chunks: number, candidates: number): number {
  const bySize = Math.min(1000, Math.max(150, Math.ceil(chunks / 100)));
  return Math.max(bySize, 3 * candidates);
}

const BASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  doc_id TEXT PRIMARY KEY,
  content_hash TEXT NOT NULL,
  chunk_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  doc_id TEXT NOT NULL,
  path TEXT NOT NULL,
  title TEXT NOT NULL,
  heading_path TEXT NOT NULL,
  route TEXT NOT NULL,
  text TEXT NOT NULL,
  ordinal INTEGER NOT NULL,
  tokens INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc_id ON chunks (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
  title, headings, text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS chunk_vectors (rowid INTEGER PRIMARY KEY, embedding BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS doc_sources (
  doc_id TEXT PRIMARY KEY,
  route TEXT NOT NULL,
  title TEXT NOT NULL,
  position REAL,
  mdx INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  sections TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_sources_route ON doc_sources (route);
`;

/** The doc_sources columns under DocumentSource's names, as CHUNK_COLUMNS does for chunks. */
const SOURCE_COLUMNS = "doc_id AS docId, route, title, position, mdx, content_hash AS contentHash, sections";

/** A source as SOURCE_COLUMNS reads it: mdx still 0 or 1, the sections still JSON. */
type SourceRow = Omit<DocumentSource, "mdx" | "sections"> & { mdx: number; sections: string };

function toSource(row: SourceRow): DocumentSource {
  return { ...row, mdx: row.mdx === 1, sections: JSON.parse(row.sections) as DocumentSource["sections"] };
}

/** Opens (creating when needed) the SQLite index at `path`. */
export function openSqliteStore(opts: SqliteStoreOptions): SqliteChunkStore {
  if (opts.path !== ":memory:") mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path);
  try {
    sqliteVec.load(db);
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("synchronous = NORMAL");
    db.exec(BASE_SCHEMA);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
    const store = new SqliteChunkStore(
      db,
      opts.candidates ?? 50,
      opts.codesRefreshMs ?? 1000,
      {
        ...DEFAULT_LEXICAL_RANKING,
        ...opts.lexical,
      },
      opts.denseWeight ?? DENSE_WEIGHT,
    );
    const embedding = store.embeddingInfo();
    if (opts.dimensions !== undefined && embedding && embedding.dimensions !== opts.dimensions) {
      throw new Error(
        `the index at ${opts.path} holds ${embedding.dimensions}-dimensional vectors from ${embedding.model}, ` +
          `but ${opts.dimensions} dimensions are configured: re-ingest with --reset`,
      );
    }
    return store;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * FTS5 query: each content word or phrase quoted (so user text can never be FTS syntax), any of them may match;
 * a letter-digit name matches both spellings ("ros2" OR "ros 2").
 */
export function ftsQuery(text: string, opts: { instructionWords?: boolean } = {}): string | null {
  const concepts = queryConcepts(text, opts);
  if (concepts.length === 0) return null;
  return concepts
    .flatMap((alternatives) => alternatives.map((t) => `"${t.replaceAll('"', '""')}"`))
    .join(" OR ");
}

function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Field by field, not `{ ...row }`, and the rowid not rest-destructured off: on the search path that version's
 * peak RSS under 32 concurrent searches (bench api_rss_mb) was 231, 265 and 291 MB in three runs; this one's 192,
 * 193 and 263.
 */
function toChunk(row: ChunkRow): Chunk {
  return {
    id: row.id,
    docId: row.docId,
    path: row.path,
    title: row.title,
    headingPath: JSON.parse(row.headingPath) as string[],
    route: row.route,
    text: row.text,
    ordinal: row.ordinal,
    tokens: row.tokens,
  };
}

export class SqliteChunkStore implements ChunkStore {
  readonly #db: Database.Database;
  readonly #candidates: number;
  /** The search path's statements, prepared once per SQL text (few: one per filter / IN-list size). */
  readonly #statements = new Map<string, Database.Statement>();
  /**
   * What the search path needs to know about the index (embedding, size), read again only when the file changed:
   * `PRAGMA data_version` moves when another connection (an ingest run) commits; own writes clear it.
   */
  #shape: IndexShape | null = null;

  readonly #codesRefreshMs: number;
  /**
   * The stored vectors' sign bits (null: none stored), built on the first dense search, for the file version they
   * were read at; reused for a newer version for up to `codesRefreshMs` (see the option). Own writes drop them.
   */
  #lastCodes: { codes: BinaryCodes | null; dims: number; version: number; builtAt: number } | null = null;

  readonly #lexicalRanking: LexicalRanking;
  readonly #denseWeight: number;

  constructor(
    db: Database.Database,
    candidates: number,
    codesRefreshMs: number,
    lexicalRanking: LexicalRanking = DEFAULT_LEXICAL_RANKING,
    denseWeight = DENSE_WEIGHT,
  ) {
    this.#lexicalRanking = lexicalRanking;
    this.#denseWeight = denseWeight;
    this.#db = db;
    this.#candidates = candidates;
    this.#codesRefreshMs = codesRefreshMs;
  }

  #prepared(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      if (this.#statements.size >= 64) this.#statements.clear();
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /** The embedding the stored vectors were made with, read fresh each time (another process may re-index). */
  embeddingInfo(): EmbeddingInfo | null {
    const rows = this.#prepared(
      "SELECT key, value FROM meta WHERE key IN ('embedding_model', 'embedding_dimensions')",
    ).all() as Array<{ key: string; value: string }>;
    const model = rows.find((r) => r.key === "embedding_model")?.value;
    const dims = rows.find((r) => r.key === "embedding_dimensions")?.value;
    return model && dims ? { model, dimensions: Number(dims) } : null;
  }

  /** The index's embedding and chunk count, cached until the file changes. Call inside a transaction. */
  #indexShape(): IndexShape {
    const version = this.#prepared("PRAGMA data_version").pluck().get() as number;
    if (this.#shape?.version !== version) {
      const chunks = this.#prepared("SELECT count(*) FROM chunks").pluck().get() as number;
      this.#shape = { version, embedding: this.embeddingInfo(), chunks };
    }
    return this.#shape;
  }

  /** The chunk → document runs of this file version, built on first use. */
  #documentRuns(shape: IndexShape): DocumentRuns {
    shape.documents ??= new DocumentRuns(
      this.#prepared("SELECT rowid, doc_id FROM chunks INDEXED BY chunks_doc_id ORDER BY doc_id, rowid")
        .raw()
        .iterate() as Iterable<[number, string]>,
    );
    return shape.documents;
  }

  usesVectors(dimensions: number): boolean {
    // Cheap: one PRAGMA unless another connection changed the file.
    return this.#indexShape().embedding?.dimensions === dimensions;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    if (query.limit <= 0) return [];
    const pool = Math.max(this.#candidates, query.limit * 3);
    const prefix = query.filters?.pathPrefix || null;
    // One read transaction: both legs and the chunk rows come from the same snapshot, so a concurrent
    // re-index never shows half a document.
    const run = this.#db.transaction((): SearchHit[] => {
      const shape = this.#indexShape();
      const lexical = this.#lexical(query.text, prefix, pool, shape);
      const { embedding, chunks } = shape;
      const dense =
        query.vector && embedding && query.vector.length === embedding.dimensions
          ? this.#dense(query.vector, embedding.dimensions, prefix, pool, shape)
          : null;
      const fused = dense
        ? convexFusion(
            [
              { leg: "lexical" as const, hits: lexical, weight: 1 },
              { leg: "dense" as const, hits: dense, weight: this.#denseWeight },
            ],
            { limit: query.limit },
          )
        : reciprocalRankFusion([{ leg: "lexical" as const, ids: lexical.map((h) => h.id) }], {
            limit: query.limit,
          });
      if (fused.length === 0) return [];
      const rows = this.#prepared(
        `SELECT rowid, ${CHUNK_COLUMNS} FROM chunks WHERE rowid IN (${fused.map(() => "?").join(",")})`,
      ).all(...fused.map((f) => Number(f.id))) as Array<ChunkRow & { rowid: number }>;
      const byRowid = new Map(rows.map((row) => [String(row.rowid), row]));
      return fused.flatMap((f) => {
        const row = byRowid.get(f.id);
        return row ? [{ chunk: toChunk(row), score: f.score, legs: f.legs }] : [];
      });
    });
    return run.deferred();
  }

  /**
   * Rowids by BM25F (FTS5's column-weighted bm25(), lower-is-better), best first, re-ranked with document-level
   * evidence and hub damping (rag/lexical-rank.ts). FTS5 ranks alone; its top `depth` rows get their documents
   * from `DocumentRuns` (with a path filter, from the join the filter needs anyway).
   */
  #lexical(text: string, prefix: string | null, limit: number, shape: IndexShape): Hit[] {
    const ranking = this.#lexicalRanking;
    const match = ftsQuery(text, ranking);
    if (!match) return [];
    const { title, headings, text: body } = ranking.weights;
    const depth = Math.max(limit, ranking.depth);
    const bm25 = `bm25(chunks_fts, ${title}, ${headings}, ${body})`;
    // Raw rows (arrays, not objects) read into columns: this runs over `depth` rows on every search.
    let rows: Array<[rowid: number, score: number, docId: string]>;
    if (prefix === null) {
      const documents = this.#documentRuns(shape);
      rows = this.#prepared(
        `SELECT rowid, ${bm25} AS score FROM chunks_fts WHERE chunks_fts MATCH @match
           ORDER BY score, rowid LIMIT @depth`,
      )
        .raw()
        .all({ match, depth }) as Array<[number, number, string]>;
      for (const row of rows) row[2] = documents.docOf(row[0]) ?? String(row[0]);
    } else
      rows = this.#prepared(
        `SELECT f.rowid AS rowid, ${bm25} AS score, c.doc_id AS docId
           FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid
           WHERE chunks_fts MATCH @match AND substr(c.path, 1, length(@prefix)) = @prefix
           ORDER BY score, f.rowid LIMIT @depth`,
      )
        .raw()
        .all({ match, depth, prefix }) as Array<[number, number, string]>;
    const n = rows.length;
    const phrases = this.#phraseScores(text, n, ranking);
    const docIds: string[] = new Array(n);
    const scores = new Float64Array(n);
    const phraseScores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [rowid, score, docId] = rows[i] as [number, number, string];
      docIds[i] = docId;
      scores[i] = -score;
      phraseScores[i] = phrases?.get(rowid) ?? 0;
    }
    const { order, final } = rankColumns({ docIds, scores, phraseScores }, ranking);
    const hits: Hit[] = new Array(Math.min(limit, n));
    for (let k = 0; k < hits.length; k++) {
      const i = order[k] as number;
      hits[k] = { id: String((rows[i] as [number, number, string])[0]), score: final[i] as number };
    }
    return hits;
  }

  /**
   * BM25F of the question's adjacent word pairs as phrases (proximity evidence: "launch file" together says more
   * than "launch" and "file" apart), by rowid, for the phrase query's own top `depth` (at least `candidates`, the
   * lexical leg's row count); undefined when there is nothing to score. Asked as a plain ranked MATCH: restricting
   * it to the candidates' rowids (`rowid IN (...)`) made FTS5 seek row by row, 126 ms against 9 ms per query at
   * 100k chunks.
   */
  #phraseScores(text: string, candidates: number, ranking: LexicalRanking): Map<number, number> | undefined {
    if (ranking.phraseWeight === 0 || candidates === 0) return undefined;
    const quote = (p: string) => `"${p.replaceAll('"', '""')}"`;
    // Ordered (exact phrase) and, with a window, unordered (NEAR) pairs: the sequential dependence model's two
    // proximity features; a pair adjacent as written matches both and counts twice, as it does there.
    const match = [
      ...queryPhrases(text, ranking).map(quote),
      ...(ranking.window > 0
        ? queryPairs(text, ranking).map(([a, b]) => `NEAR(${quote(a)} ${quote(b)}, ${ranking.window})`)
        : []),
    ].join(" OR ");
    if (!match) return undefined;
    const { title, headings, text: body } = ranking.weights;
    const found = this.#prepared(
      `SELECT rowid, bm25(chunks_fts, ${title}, ${headings}, ${body}) AS score FROM chunks_fts
         WHERE chunks_fts MATCH @match ORDER BY score LIMIT @depth`,
    )
      .raw()
      .all({ match, depth: Math.max(candidates, ranking.depth) }) as Array<[rowid: number, score: number]>;
    const scores = new Map<number, number>();
    for (const [rowid, score] of found) scores.set(rowid, -score);
    return scores;
  }

  /**
   * Rowids by cosine distance, best first. Without a filter: the in-memory sign-bit scan picks a pool that is
   * re-scored exactly with the float vectors. With a path filter the matching subset is scanned exactly, since
   * the codes know nothing of paths.
   */
  #dense(vector: Float32Array, dims: number, prefix: string | null, limit: number, shape: IndexShape): Hit[] {
    const { chunks } = shape;
    const blob = vectorBlob(vector);
    let rows: Array<{ rowid: number; d: number }>;
    const codes = prefix === null ? this.#codes(dims) : undefined;
    if (codes) {
      const bits = this.#prepared("SELECT vec_quantize_binary(?)").pluck().get(blob) as Buffer;
      const pool = codes.nearest(bits, denseRescorePool(chunks, limit));
      rows = this.#prepared(
        `SELECT rowid, vec_distance_cosine(embedding, @v) AS d FROM chunk_vectors
           WHERE rowid IN (SELECT value FROM json_each(@pool)) ORDER BY d, rowid LIMIT @limit`,
      ).all({ v: blob, pool: JSON.stringify(pool), limit }) as Array<{ rowid: number; d: number }>;
    } else {
      const filter = prefix === null ? "" : "WHERE substr(c.path, 1, length(@prefix)) = @prefix";
      rows = this.#prepared(
        `SELECT v.rowid AS rowid, vec_distance_cosine(v.embedding, @v) AS d FROM chunk_vectors v
           JOIN chunks c ON c.rowid = v.rowid ${filter} ORDER BY d, v.rowid LIMIT @limit`,
      ).all({ v: blob, limit, ...(prefix === null ? {} : { prefix }) }) as Array<{
        rowid: number;
        d: number;
      }>;
    }
    // Ranked as the lexical leg ranks its sections (document aggregation, hub damping): an overview resembles every
    // question of its chapter, so without this the dense leg hands back the pages the lexical leg pushed down.
    const documents = this.#documentRuns(shape);
    const n = rows.length;
    const docIds: string[] = new Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i] as { rowid: number; d: number };
      docIds[i] = documents.docOf(r.rowid) ?? String(r.rowid);
      scores[i] = 1 - r.d;
    }
    // No phrase evidence in this leg: its phrase scores are all 0.
    const { order, final } = rankColumns(
      { docIds, scores, phraseScores: new Float64Array(n) },
      this.#lexicalRanking,
    );
    return Array.from(order, (i) => ({
      id: String((rows[i] as { rowid: number }).rowid),
      score: final[i] as number,
    }));
  }

  /** The sign-bit codes for the current snapshot (call inside the search transaction), when the index has them. */
  #codes(dims: number): BinaryCodes | undefined {
    const { version } = this.#indexShape();
    const last = this.#lastCodes;
    const now = performance.now();
    if (last?.dims === dims && (last.version === version || now - last.builtAt < this.#codesRefreshMs))
      return last.codes ?? undefined;
    const codes =
      dims % 8 === 0 && this.#hasTable("chunk_bits")
        ? BinaryCodes.from(
            this.#prepared("SELECT rowid, embedding FROM chunk_bits").raw().all() as Array<[number, Buffer]>,
            dims,
          )
        : null;
    this.#lastCodes = { codes, dims, version, builtAt: now };
    return codes ?? undefined;
  }

  async documentChunks(docId: string): Promise<Chunk[]> {
    return (
      this.#prepared(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY ordinal`).all(
        docId,
      ) as ChunkRow[]
    ).map(toChunk);
  }

  async listDocuments(): Promise<StoredDocument[]> {
    const rows = this.#db
      .prepare("SELECT doc_id, content_hash, chunk_count FROM documents ORDER BY doc_id")
      .all() as Array<{ doc_id: string; content_hash: string; chunk_count: number }>;
    return rows.map((r) => ({ docId: r.doc_id, contentHash: r.content_hash, chunkCount: r.chunk_count }));
  }

  async replaceDocument(
    doc: { docId: string; contentHash: string; source?: Omit<DocumentSource, "docId" | "contentHash"> },
    chunks: Chunk[],
    vectors?: Float32Array[],
  ): Promise<void> {
    const db = this.#db;
    const write = db.transaction(() => {
      const embedding = this.embeddingInfo();
      if (embedding) {
        if (!vectors || vectors.length !== chunks.length) {
          throw new Error(
            `replaceDocument(${doc.docId}): the index holds ${embedding.model} vectors, so each of the ` +
              `${chunks.length} chunks needs one (got ${vectors?.length ?? 0})`,
          );
        }
        const bad = vectors.findIndex((v) => v.length !== embedding.dimensions);
        if (bad >= 0) {
          throw new Error(
            `replaceDocument(${doc.docId}): vector ${bad} has ${vectors[bad]?.length} dimensions, ` +
              `the index has ${embedding.dimensions}`,
          );
        }
      } else if (vectors && vectors.length > 0) {
        throw new Error(
          `replaceDocument(${doc.docId}): the index is lexical-only; reset it with an embedding model first`,
        );
      }
      this.#deleteChunks(doc.docId);
      const insertChunk = db.prepare(
        `INSERT INTO chunks (id, doc_id, path, title, heading_path, route, text, ordinal, tokens)
         VALUES (@id, @docId, @path, @title, @headingPath, @route, @text, @ordinal, @tokens)`,
      );
      const insertFts = db.prepare(
        "INSERT INTO chunks_fts (rowid, title, headings, text) VALUES (?, ?, ?, ?)",
      );
      const insertVector = db.prepare("INSERT INTO chunk_vectors (rowid, embedding) VALUES (?, ?)");
      const insertBits =
        embedding && embedding.dimensions % 8 === 0
          ? db.prepare("INSERT INTO chunk_bits (rowid, embedding) VALUES (?, vec_quantize_binary(?))")
          : null;
      chunks.forEach((chunk, i) => {
        if (chunk.docId !== doc.docId) {
          throw new Error(`replaceDocument(${doc.docId}): chunk ${chunk.id} belongs to ${chunk.docId}`);
        }
        const { lastInsertRowid } = insertChunk.run({
          ...chunk,
          headingPath: JSON.stringify(chunk.headingPath),
        });
        const rowid = BigInt(lastInsertRowid);
        insertFts.run(rowid, chunk.title, chunk.headingPath.join(" \u203a "), chunk.text);
        const vector = vectors?.[i];
        if (embedding && vector) {
          const blob = vectorBlob(vector);
          insertVector.run(rowid, blob);
          insertBits?.run(rowid, blob);
        }
      });
      db.prepare(
        `INSERT INTO documents (doc_id, content_hash, chunk_count) VALUES (?, ?, ?)
         ON CONFLICT (doc_id) DO UPDATE SET content_hash = excluded.content_hash, chunk_count = excluded.chunk_count`,
      ).run(doc.docId, doc.contentHash, chunks.length);
      db.prepare("DELETE FROM doc_sources WHERE doc_id = ?").run(doc.docId);
      if (doc.source) {
        const { route, title, position, mdx, sections } = doc.source;
        db.prepare(
          `INSERT INTO doc_sources (doc_id, route, title, position, mdx, content_hash, sections)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(doc.docId, route, title, position, mdx ? 1 : 0, doc.contentHash, JSON.stringify(sections));
      }
    });
    this.#shape = null;
    this.#lastCodes = null;
    write.immediate();
  }

  #deleteChunks(docId: string): void {
    const rowids = (
      this.#db.prepare("SELECT rowid FROM chunks WHERE doc_id = ?").all(docId) as Array<{ rowid: number }>
    ).map((r) => BigInt(r.rowid));
    if (rowids.length === 0) return;
    const hasBits = this.#hasTable("chunk_bits");
    const delFts = this.#db.prepare("DELETE FROM chunks_fts WHERE rowid = ?");
    const delVec = this.#db.prepare("DELETE FROM chunk_vectors WHERE rowid = ?");
    const delBits = hasBits ? this.#db.prepare("DELETE FROM chunk_bits WHERE rowid = ?") : null;
    for (const rowid of rowids) {
      delFts.run(rowid);
      delVec.run(rowid);
      delBits?.run(rowid);
    }
    this.#db.prepare("DELETE FROM chunks WHERE doc_id = ?").run(docId);
  }

  #hasTable(name: string): boolean {
    return this.#db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(name) !== undefined;
  }

  async deleteDocument(docId: string): Promise<void> {
    this.#shape = null;
    this.#lastCodes = null;
    this.#db
      .transaction(() => {
        this.#deleteChunks(docId);
        this.#db.prepare("DELETE FROM documents WHERE doc_id = ?").run(docId);
        this.#db.prepare("DELETE FROM doc_sources WHERE doc_id = ?").run(docId);
      })
      .immediate();
  }

  /**
   * FTS5's `optimize`: every written document leaves its own keyword segment (FTS5 merges them only four at a time),
   * and a search reads every segment of every term it asks for. On the bench's 10k-chunk index this took a lexical
   * search from 3.5 to 2.6 ms (same results); the merge itself took 0.27 s there. A write, so the api-service's
   * readers (WAL) keep reading the old segments until it commits.
   */
  async compact(): Promise<void> {
    this.#db.exec("INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')");
  }

  async reset(embedding: EmbeddingInfo | null): Promise<void> {
    if (embedding && !(Number.isInteger(embedding.dimensions) && embedding.dimensions > 0)) {
      throw new Error(`reset: invalid embedding dimensions ${embedding.dimensions}`);
    }
    const db = this.#db;
    this.#statements.clear();
    this.#shape = null;
    this.#lastCodes = null;
    db.transaction(() => {
      db.exec(`
        DROP TABLE IF EXISTS chunk_bits;
        DROP TABLE IF EXISTS chunks_fts;
        DELETE FROM chunk_vectors;
        DELETE FROM chunks;
        DELETE FROM documents;
        DELETE FROM doc_sources;
        DELETE FROM meta WHERE key IN ('embedding_model', 'embedding_dimensions');
      `);
      db.exec(BASE_SCHEMA);
      if (embedding) {
        const setMeta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
        setMeta.run("embedding_model", embedding.model);
        setMeta.run("embedding_dimensions", String(embedding.dimensions));
        if (embedding.dimensions % 8 === 0) {
          db.exec(`CREATE VIRTUAL TABLE chunk_bits USING vec0(embedding bit[${embedding.dimensions}])`);
        }
      }
    }).immediate();
  }

  async documentSource(route: string): Promise<DocumentSource | null> {
    // Two docs can claim one route (a slug clash Docusaurus warns about): the first by path wins, as it does there.
    const row = this.#prepared(
      `SELECT ${SOURCE_COLUMNS} FROM doc_sources WHERE route = ? ORDER BY doc_id LIMIT 1`,
    ).get(route) as SourceRow | undefined;
    return row ? toSource(row) : null;
  }

  async documentSources(): Promise<DocumentSource[]> {
    return (
      this.#prepared(`SELECT ${SOURCE_COLUMNS} FROM doc_sources ORDER BY doc_id`).all() as SourceRow[]
    ).map(toSource);
  }

  async stats(): Promise<StoreStats> {
    const { chunks } = this.#db.prepare("SELECT count(*) AS chunks FROM chunks").get() as { chunks: number };
    const { documents } = this.#db.prepare("SELECT count(*) AS documents FROM documents").get() as {
      documents: number;
    };
    return { backend: "sqlite", chunks, documents, embedding: this.embeddingInfo() };
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
