// The production chunk store: Qdrant with a named dense vector and an IDF sparse vector, fused by RRF server-side.
import { createHash } from "node:crypto";
import type { QdrantClient } from "@qdrant/js-client-rest";
import { RRF_K } from "../../rag/fusion.ts";
import { stems } from "../../rag/lexicon.ts";
import type {
  Chunk,
  ChunkStore,
  SearchHit,
  SearchQuery,
  StoredDocument,
  StoreStats,
} from "../../rag/ports.ts";
import { documentSparseVector, querySparseVector } from "./lexical.ts";

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  /** @default "textbook_chunks" */
  collection?: string;
  /** Candidates each leg contributes to the fusion, at least. @default 50 */
  candidates?: number;
  /** Per-request timeout, ms. @default 10000 */
  timeoutMs?: number;
}

type EmbeddingInfo = { model: string; dimensions: number };

const DENSE = "dense";
const SPARSE = "lexical";
/** Field weights of the sparse vector, the same as the SQLite store's BM25 column weights. */
const FIELD_WEIGHTS = { title: 3, headings: 4, text: 1 } as const;

/** A deterministic UUID (v5-shaped) for any string key: Qdrant point ids must be UUIDs or integers. */
export function pointId(key: string): string {
  const h = createHash("sha1").update(`ai-book:${key}`).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const META_ID = pointId("meta");
const docPointId = (docId: string) => pointId(`doc:${docId}`);
const chunkPointId = (chunkId: string) => pointId(`chunk:${chunkId}`);

/** Every "/"-bounded prefix of a path ("a/", "a/b/") plus the path: what a pathPrefix filter matches exactly. */
function pathPrefixes(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(`${parts.slice(0, i).join("/")}/`);
  out.push(path);
  return out;
}

interface ChunkPayload extends Chunk {
  kind: "chunk";
  contentHash: string;
  pathPrefixes: string[];
}

export async function openQdrantStore(opts: QdrantStoreOptions): Promise<QdrantChunkStore> {
  // Loaded only when Qdrant is configured: the embedded SQLite default never pays for the client.
  const { QdrantClient } = await import("@qdrant/js-client-rest");
  const client = new QdrantClient({
    url: opts.url,
    apiKey: opts.apiKey,
    timeout: opts.timeoutMs ?? 10_000,
    checkCompatibility: false,
  });
  const store = new QdrantChunkStore(client, opts.collection ?? "textbook_chunks", opts.candidates ?? 50);
  await store.ensureCollection(null, false);
  return store;
}

export class QdrantChunkStore implements ChunkStore {
  readonly #client: QdrantClient;
  readonly #collection: string;
  readonly #candidates: number;

  constructor(client: QdrantClient, collection: string, candidates: number) {
    this.#client = client;
    this.#collection = collection;
    this.#candidates = candidates;
  }

  /** Creates the collection (and its payload indexes) when missing, or always when `recreate`. */
  async ensureCollection(embedding: EmbeddingInfo | null, recreate: boolean): Promise<void> {
    const exists = (await this.#client.collectionExists(this.#collection)).exists;
    if (exists && !recreate) return;
    if (exists) await this.#client.deleteCollection(this.#collection);
    await this.#client.createCollection(this.#collection, {
      ...(embedding
        ? { vectors: { [DENSE]: { size: embedding.dimensions, distance: "Cosine" as const } } }
        : {}),
      sparse_vectors: { [SPARSE]: { modifier: "idf" } },
    });
    for (const field of ["kind", "docId", "pathPrefixes"]) {
      await this.#client.createPayloadIndex(this.#collection, {
        field_name: field,
        field_schema: "keyword",
        wait: true,
      });
    }
    await this.#client.upsert(this.#collection, {
      wait: true,
      points: [
        {
          id: META_ID,
          vector: {},
          payload: {
            kind: "meta",
            embeddingModel: embedding?.model ?? null,
            embeddingDimensions: embedding?.dimensions ?? null,
          },
        },
      ],
    });
  }

  async #embedding(): Promise<EmbeddingInfo | null> {
    const [meta] = await this.#client.retrieve(this.#collection, { ids: [META_ID], with_payload: true });
    const p = meta?.payload as
      | { embeddingModel?: string | null; embeddingDimensions?: number | null }
      | undefined;
    return p?.embeddingModel && p.embeddingDimensions
      ? { model: p.embeddingModel, dimensions: p.embeddingDimensions }
      : null;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    if (query.limit <= 0) return [];
    const pool = Math.max(this.#candidates, query.limit * 3);
    const prefix = query.filters?.pathPrefix || null;
    // Prefixes at "/" boundaries (and whole paths) are indexed; any other prefix is checked on the results.
    const exactPrefix = prefix !== null && (prefix.endsWith("/") || /\.mdx?$/.test(prefix));
    const must: Array<Record<string, unknown>> = [{ key: "kind", match: { value: "chunk" } }];
    if (prefix !== null && exactPrefix) must.push({ key: "pathPrefixes", match: { value: prefix } });
    const filter = { must };
    const sparse = querySparseVector(query.text);
    const embedding = query.vector ? await this.#embedding() : null;
    const useDense = query.vector !== undefined && embedding?.dimensions === query.vector.length;

    const prefetch: Array<Record<string, unknown>> = [];
    if (sparse.indices.length > 0) prefetch.push({ query: sparse, using: SPARSE, limit: pool, filter });
    if (useDense && query.vector)
      prefetch.push({ query: Array.from(query.vector), using: DENSE, limit: pool, filter });
    if (prefetch.length === 0) return [];
    const fetchLimit = prefix !== null && !exactPrefix ? pool * 2 : query.limit + 10;
    const res = await this.#client.query(this.#collection, {
      prefetch: prefetch as never,
      query: { rrf: { k: RRF_K } },
      limit: fetchLimit,
      with_payload: true,
    });

    // A document being replaced has old and new chunks side by side for a moment: keep only the chunks of
    // the version its document record names, so readers see one version.
    const points = res.points.map((p) => ({ score: p.score, payload: p.payload as unknown as ChunkPayload }));
    const docIds = [...new Set(points.map((p) => p.payload.docId))];
    const current = new Map<string, string>();
    if (docIds.length > 0) {
      const docs = await this.#client.retrieve(this.#collection, {
        ids: docIds.map(docPointId),
        with_payload: true,
      });
      for (const d of docs) {
        const p = d.payload as { docId: string; contentHash: string };
        current.set(p.docId, p.contentHash);
      }
    }
    const queryStems = new Set(stems(query.text));
    const hits: SearchHit[] = [];
    for (const { score, payload } of points) {
      if (current.get(payload.docId) !== payload.contentHash) continue;
      if (prefix !== null && !payload.path.startsWith(prefix)) continue;
      const { kind: _k, contentHash: _h, pathPrefixes: _p, ...chunk } = payload;
      // Server-side fusion does not say which leg found a point: the lexical leg can only have found it if
      // it shares a stem with the query; the dense leg ranks every point.
      const chunkStems = stems(`${chunk.title}\n${chunk.headingPath.join("\n")}\n${chunk.text}`);
      const legs: SearchHit["legs"] = [];
      if (chunkStems.some((s) => queryStems.has(s))) legs.push("lexical");
      if (useDense) legs.push("dense");
      hits.push({ chunk, score, legs });
      if (hits.length >= query.limit) break;
    }
    return hits;
  }

  async listDocuments(): Promise<StoredDocument[]> {
    const out: StoredDocument[] = [];
    let offset: string | number | undefined | null;
    do {
      const page = await this.#client.scroll(this.#collection, {
        filter: { must: [{ key: "kind", match: { value: "document" } }] },
        limit: 256,
        with_payload: true,
        ...(offset ? { offset } : {}),
      });
      for (const p of page.points) {
        const d = p.payload as { docId: string; contentHash: string; chunkCount: number };
        out.push({ docId: d.docId, contentHash: d.contentHash, chunkCount: d.chunkCount });
      }
      offset = page.next_page_offset as string | number | null | undefined;
    } while (offset);
    return out.sort((a, b) => a.docId.localeCompare(b.docId));
  }

  async replaceDocument(
    doc: { docId: string; contentHash: string },
    chunks: Chunk[],
    vectors?: Float32Array[],
  ): Promise<void> {
    const embedding = await this.#embedding();
    if (embedding) {
      if (!vectors || vectors.length !== chunks.length)
        throw new Error(`replaceDocument(${doc.docId}): each of the ${chunks.length} chunks needs a vector`);
      if (vectors.some((v) => v.length !== embedding.dimensions))
        throw new Error(
          `replaceDocument(${doc.docId}): vectors must have ${embedding.dimensions} dimensions`,
        );
    } else if (vectors && vectors.length > 0) {
      throw new Error(
        `replaceDocument(${doc.docId}): the index is lexical-only; reset it with an embedding model first`,
      );
    }
    for (const c of chunks) {
      if (c.docId !== doc.docId)
        throw new Error(`replaceDocument(${doc.docId}): chunk ${c.id} belongs to ${c.docId}`);
    }
    // 1. Add the new version's chunks (invisible to readers until the document record names the version).
    const points = chunks.map((chunk, i) => {
      const payload: ChunkPayload = {
        ...chunk,
        kind: "chunk",
        contentHash: doc.contentHash,
        pathPrefixes: pathPrefixes(chunk.path),
      };
      const vector: Record<string, unknown> = {
        [SPARSE]: documentSparseVector([
          { text: chunk.title, weight: FIELD_WEIGHTS.title },
          { text: chunk.headingPath.join(" "), weight: FIELD_WEIGHTS.headings },
          { text: chunk.text, weight: FIELD_WEIGHTS.text },
        ]),
      };
      const v = vectors?.[i];
      if (v) vector[DENSE] = Array.from(v);
      return { id: chunkPointId(`${doc.contentHash}:${chunk.id}`), vector, payload };
    });
    for (let i = 0; i < points.length; i += 128) {
      await this.#client.upsert(this.#collection, { wait: true, points: points.slice(i, i + 128) as never });
    }
    // 2. Flip the document record to the new version.
    await this.#client.upsert(this.#collection, {
      wait: true,
      points: [
        {
          id: docPointId(doc.docId),
          vector: {},
          payload: {
            kind: "document",
            docId: doc.docId,
            contentHash: doc.contentHash,
            chunkCount: chunks.length,
          },
        },
      ],
    });
    // 3. Drop every other version's chunks.
    await this.#client.delete(this.#collection, {
      wait: true,
      filter: {
        must: [
          { key: "kind", match: { value: "chunk" } },
          { key: "docId", match: { value: doc.docId } },
        ],
        must_not: [{ key: "contentHash", match: { value: doc.contentHash } }],
      },
    });
  }

  async deleteDocument(docId: string): Promise<void> {
    // The record first, so readers stop seeing the chunks at once.
    await this.#client.delete(this.#collection, { wait: true, points: [docPointId(docId)] });
    await this.#client.delete(this.#collection, {
      wait: true,
      filter: { must: [{ key: "docId", match: { value: docId } }] },
    });
  }

  async reset(embedding: EmbeddingInfo | null): Promise<void> {
    await this.ensureCollection(embedding, true);
  }

  async stats(): Promise<StoreStats> {
    const count = async (kind: string) =>
      (
        await this.#client.count(this.#collection, {
          filter: { must: [{ key: "kind", match: { value: kind } }] },
          exact: true,
        })
      ).count;
    return {
      backend: "qdrant",
      chunks: await count("chunk"),
      documents: await count("document"),
      embedding: await this.#embedding(),
    };
  }

  async close(): Promise<void> {
    // The REST client holds no connections that need closing.
  }
}
