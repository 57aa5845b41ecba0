// The embedded chunk store: one SQLite file (WAL) with FTS5 for BM25 and sqlite-vec for dense vectors, fused by RRF.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { reciprocalRankFusion } from "../../rag/fusion.ts";
import type {
  Chunk,
  ChunkStore,
  SearchHit,
  SearchQuery,
  StoredDocument,
  StoreStats,
} from "../../rag/ports.ts";
import { queryTerms } from "./lexical.ts";

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
}

type EmbeddingInfo = { model: string; dimensions: number };

interface ChunkRow {
  rowid: number;
  id: string;
  doc_id: string;
  path: string;
  title: string;
  heading_path: string;
  route: string;
  text: string;
  ordinal: number;
  tokens: number;
}

const SCHEMA_VERSION = "1";

/**
 * BM25 column weights for (title, headings, text). A word in the document title or the section's heading path
 * says more about what a chunk is about than one in its body, so those columns weigh more.
 */
const BM25_WEIGHTS = { title: 3, headings: 4, text: 1 } as const;

/** Binary-quantised KNN keeps this many candidates (at least) for the exact float re-score. */
const DENSE_RESCORE_POOL = 200;

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
`;

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
    const store = new SqliteChunkStore(db, opts.candidates ?? 50);
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

/** FTS5 query: each content word quoted (so user text can never be FTS syntax), any of them may match. */
export function ftsQuery(text: string): string | null {
  const terms = queryTerms(text);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(" OR ");
}

function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function toChunk(row: ChunkRow): Chunk {
  return {
    id: row.id,
    docId: row.doc_id,
    path: row.path,
    title: row.title,
    headingPath: JSON.parse(row.heading_path) as string[],
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

  constructor(db: Database.Database, candidates: number) {
    this.#db = db;
    this.#candidates = candidates;
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

  async search(query: SearchQuery): Promise<SearchHit[]> {
    if (query.limit <= 0) return [];
    const pool = Math.max(this.#candidates, query.limit * 3);
    const prefix = query.filters?.pathPrefix || null;
    // One read transaction: both legs and the chunk rows come from the same snapshot, so a concurrent
    // re-index never shows half a document.
    const run = this.#db.transaction((): SearchHit[] => {
      const lexical = this.#lexical(query.text, prefix, pool);
      const embedding = this.embeddingInfo();
      const dense =
        query.vector && embedding && query.vector.length === embedding.dimensions
          ? this.#dense(query.vector, embedding.dimensions, prefix, pool)
          : null;
      const lists: Array<{ leg: "lexical" | "dense"; ids: string[] }> = [
        { leg: "lexical", ids: lexical.map(String) },
      ];
      if (dense) lists.push({ leg: "dense", ids: dense.map(String) });
      const fused = reciprocalRankFusion(lists, { limit: query.limit });
      if (fused.length === 0) return [];
      const rows = this.#prepared(
        `SELECT * FROM chunks WHERE rowid IN (${fused.map(() => "?").join(",")})`,
      ).all(...fused.map((f) => Number(f.id))) as ChunkRow[];
      const byRowid = new Map(rows.map((r) => [String(r.rowid), r]));
      return fused.flatMap((f) => {
        const row = byRowid.get(f.id);
        return row ? [{ chunk: toChunk(row), score: f.score, legs: f.legs }] : [];
      });
    });
    return run.deferred();
  }

  /** Rowids by BM25, best first (FTS5's bm25() is lower-is-better). */
  #lexical(text: string, prefix: string | null, limit: number): number[] {
    const match = ftsQuery(text);
    if (!match) return [];
    const { title, headings, text: body } = BM25_WEIGHTS;
    const filter = prefix === null ? "" : "AND substr(c.path, 1, length(@prefix)) = @prefix";
    const rows = this.#prepared(
      `SELECT f.rowid AS rowid FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid
         WHERE chunks_fts MATCH @match ${filter}
         ORDER BY bm25(chunks_fts, ${title}, ${headings}, ${body}), f.rowid LIMIT @limit`,
    ).all({ match, limit, ...(prefix === null ? {} : { prefix }) }) as Array<{ rowid: number }>;
    return rows.map((r) => r.rowid);
  }

  /**
   * Rowids by cosine distance, best first. Without a filter: binary-quantised KNN (Hamming distance over
   * sign bits, fast) picks a pool that is re-scored exactly with the float vectors. With a path filter the
   * matching subset is scanned exactly, since the quantised index cannot filter by prefix.
   */
  #dense(vector: Float32Array, dims: number, prefix: string | null, limit: number): number[] {
    const blob = vectorBlob(vector);
    let rows: Array<{ rowid: number }>;
    if (prefix === null && dims % 8 === 0) {
      rows = this.#prepared(
        `WITH pool AS (
             SELECT rowid FROM chunk_bits WHERE embedding MATCH vec_quantize_binary(@v) AND k = @pool
           )
           SELECT v.rowid AS rowid FROM chunk_vectors v JOIN pool USING (rowid)
           ORDER BY vec_distance_cosine(v.embedding, @v), v.rowid LIMIT @limit`,
      ).all({ v: blob, pool: Math.max(DENSE_RESCORE_POOL, limit), limit }) as Array<{ rowid: number }>;
    } else {
      const filter = prefix === null ? "" : "WHERE substr(c.path, 1, length(@prefix)) = @prefix";
      rows = this.#prepared(
        `SELECT v.rowid AS rowid FROM chunk_vectors v JOIN chunks c ON c.rowid = v.rowid ${filter}
           ORDER BY vec_distance_cosine(v.embedding, @v), v.rowid LIMIT @limit`,
      ).all({ v: blob, limit, ...(prefix === null ? {} : { prefix }) }) as Array<{ rowid: number }>;
    }
    return rows.map((r) => r.rowid);
  }

  async listDocuments(): Promise<StoredDocument[]> {
    const rows = this.#db
      .prepare("SELECT doc_id, content_hash, chunk_count FROM documents ORDER BY doc_id")
      .all() as Array<{ doc_id: string; content_hash: string; chunk_count: number }>;
    return rows.map((r) => ({ docId: r.doc_id, contentHash: r.content_hash, chunkCount: r.chunk_count }));
  }

  async replaceDocument(
    doc: { docId: string; contentHash: string },
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
    });
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
    this.#db
      .transaction(() => {
        this.#deleteChunks(docId);
        this.#db.prepare("DELETE FROM documents WHERE doc_id = ?").run(docId);
      })
      .immediate();
  }

  async reset(embedding: EmbeddingInfo | null): Promise<void> {
    if (embedding && !(Number.isInteger(embedding.dimensions) && embedding.dimensions > 0)) {
      throw new Error(`reset: invalid embedding dimensions ${embedding.dimensions}`);
    }
    const db = this.#db;
    this.#statements.clear();
    db.transaction(() => {
      db.exec(`
        DROP TABLE IF EXISTS chunk_bits;
        DROP TABLE IF EXISTS chunks_fts;
        DELETE FROM chunk_vectors;
        DELETE FROM chunks;
        DELETE FROM documents;
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
