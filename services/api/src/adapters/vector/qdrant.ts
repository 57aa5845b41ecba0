// The production chunk store: Qdrant with a named dense vector and an IDF sparse vector, fused by RRF server-side.
import { createHash, randomBytes } from "node:crypto";
import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { RRF_K } from "../../rag/fusion.ts";
import type {
  Chunk,
  ChunkStore,
  DocumentSource,
  SearchHit,
  SearchQuery,
  StagedRebuild,
  StoredDocument,
  StoreStats,
} from "../../rag/ports.ts";
import { documentSparseVector, querySparseVector } from "./lexical.ts";

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  /** The alias readers and writers use; each (re-)index is a collection behind it. @default "textbook_chunks" */
  collection?: string;
  /** Candidates each leg contributes to the fusion, at least. @default 50 */
  candidates?: number;
  /** Per-request timeout for writes and set-up, ms. @default 10000 */
  timeoutMs?: number;
  /** Everything one search may take, all its requests together, ms. @default 3000 */
  searchBudgetMs?: number;
}

type EmbeddingInfo = { model: string; dimensions: number };
type Filter = Schemas["Filter"];
type Prefetch = Schemas["Prefetch"];

const DENSE = "dense";
const SPARSE = "lexical";
/** Field weights of the sparse vector, the same as the SQLite store's BM25 column weights. */
const FIELD_WEIGHTS = { title: 3, headings: 4, text: 1 } as const;
/** Payload keys the store filters on: all indexed, since Qdrant's strict mode (managed clusters) refuses others. */
const INDEXED_KEYS = ["kind", "docId", "pathPrefixes", "contentHash", "route"] as const;
/** The document record's fields incremental ingest and search read (its `source` stays on the server). */
const DOCUMENT_FIELDS = ["docId", "contentHash", "chunkCount"];
/**
 * Qdrant's RRF adds 1 / (k + position) with positions from 0; ours (and the SQLite store's) adds 1 / (RRF_K + rank)
 * with ranks from 1. k + 1 makes the two the same number.
 */
const QDRANT_RRF_K = RRF_K + 1;

/** A search ran out of its time budget (the store answers 503 through retrieval, instead of waiting). */
export class QdrantTimeBudgetError extends Error {
  override name = "QdrantTimeBudgetError";
}

/** A collection exists under the configured name but was not made for this store. */
export class QdrantCollectionMismatchError extends Error {
  override name = "QdrantCollectionMismatchError";
}

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

/**
 * What is wrong with an existing collection for this store (empty when it fits): a collection made elsewhere,
 * without the sparse vector or with another dense vector, would otherwise fail every search with a 503.
 */
export function collectionMismatches(
  params: Schemas["CollectionParams"],
  embedding: EmbeddingInfo | null | "no meta point",
): string[] {
  const problems: string[] = [];
  const sparse = params.sparse_vectors?.[SPARSE];
  if (!sparse) problems.push(`it has no sparse vector "${SPARSE}"`);
  else if (sparse.modifier !== "idf")
    problems.push(`its sparse vector "${SPARSE}" has modifier ${sparse.modifier ?? "none"}, not "idf"`);
  const vectors = params.vectors ?? {};
  if ("size" in vectors) {
    problems.push(`it has an unnamed dense vector (size ${vectors.size}), not a vector named "${DENSE}"`);
  } else {
    for (const name of Object.keys(vectors))
      if (name !== DENSE) problems.push(`it has a dense vector "${name}" this store does not know`);
    const dense = (vectors as Record<string, Schemas["VectorParams"]>)[DENSE];
    if (dense && dense.distance !== "Cosine")
      problems.push(`its vector "${DENSE}" uses ${dense.distance} distance, not Cosine`);
    if (embedding === "no meta point") problems.push("it has no meta point (it was not made by this store)");
    else if (dense && embedding?.dimensions !== dense.size)
      problems.push(
        `its vector "${DENSE}" has ${dense.size} dimensions but the index records ${embedding?.dimensions ?? "none"}`,
      );
    else if (!dense && embedding)
      problems.push(
        `the index records ${embedding.dimensions}-dimension embeddings but it has no vector "${DENSE}"`,
      );
  }
  return problems;
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
  const store = new QdrantChunkStore(client, {
    alias: opts.collection ?? "textbook_chunks",
    candidates: opts.candidates ?? 50,
    searchBudgetMs: opts.searchBudgetMs ?? 3_000,
  });
  await store.open();
  return store;
}

export class QdrantChunkStore implements ChunkStore {
  readonly #client: QdrantClient;
  /** The name every read and write goes through: an alias, so a re-index swaps collections atomically. */
  readonly #collection: string;
  readonly #candidates: number;
  readonly #searchBudgetMs: number;

  constructor(client: QdrantClient, opts: { alias: string; candidates: number; searchBudgetMs: number }) {
    this.#client = client;
    this.#collection = opts.alias;
    this.#candidates = opts.candidates;
    this.#searchBudgetMs = opts.searchBudgetMs;
  }

  /** Checks the collection behind the alias fits (making one when there is none) and its payload indexes exist. */
  async open(): Promise<void> {
    if (!(await this.#client.collectionExists(this.#collection)).exists) {
      await this.#swapIn(await this.#createCollection(null));
      return;
    }
    const info = await this.#client.getCollection(this.#collection);
    const [meta] = await this.#client.retrieve(this.#collection, { ids: [META_ID], with_payload: true });
    const problems = collectionMismatches(
      info.config.params,
      meta ? embeddingOf(meta.payload) : "no meta point",
    );
    if (problems.length > 0) {
      throw new QdrantCollectionMismatchError(
        `Qdrant collection "${this.#collection}" does not fit this store: ${problems.join("; ")}. ` +
          "Delete it, or set QDRANT_COLLECTION to a name not in use, and ingest again.",
      );
    }
    // Indexes added since the collection was made (contentHash): creating an existing index is a no-op.
    for (const field of INDEXED_KEYS) {
      if (info.payload_schema[field]) continue;
      await this.#client.createPayloadIndex(this.#collection, {
        field_name: field,
        field_schema: "keyword",
        wait: true,
      });
    }
  }

  /** A new, empty collection with this store's vectors, indexes and meta point; returns its name. */
  async #createCollection(embedding: EmbeddingInfo | null): Promise<string> {
    const name = `${this.#collection}__${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
    await this.#client.createCollection(name, {
      ...(embedding ? { vectors: { [DENSE]: { size: embedding.dimensions, distance: "Cosine" } } } : {}),
      sparse_vectors: { [SPARSE]: { modifier: "idf" } },
    });
    for (const field of INDEXED_KEYS) {
      await this.#client.createPayloadIndex(name, { field_name: field, field_schema: "keyword", wait: true });
    }
    await this.#client.upsert(name, {
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
    return name;
  }

  /** Points the alias at `name` in one alias operation (readers see the old collection or the new, never none). */
  async #swapIn(name: string): Promise<void> {
    const { aliases } = await this.#client.getAliases();
    const previous = aliases.find((a) => a.alias_name === this.#collection)?.collection_name;
    if (!previous && (await this.#client.collectionExists(this.#collection)).exists) {
      // A collection (not an alias) under our name, made before aliases were used: it must go before the
      // alias can take its name, so this one switch-over is not atomic.
      await this.#client.deleteCollection(this.#collection);
    }
    await this.#client.updateCollectionAliases({
      actions: [
        ...(previous ? [{ delete_alias: { alias_name: this.#collection } }] : []),
        { create_alias: { collection_name: name, alias_name: this.#collection } },
      ],
    });
    if (previous) await this.#client.deleteCollection(previous);
  }

  async #embedding(): Promise<EmbeddingInfo | null> {
    const [meta] = await this.#client.retrieve(this.#collection, { ids: [META_ID], with_payload: true });
    return meta ? embeddingOf(meta.payload) : null;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    if (query.limit <= 0) return [];
    // One budget for the whole search (up to three requests), so a slow server costs seconds, not 3 × timeout.
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new QdrantTimeBudgetError(`Qdrant search took longer than its ${this.#searchBudgetMs} ms budget`),
          ),
        this.#searchBudgetMs,
      );
    });
    try {
      return await Promise.race([this.#search(query), budget]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #search(query: SearchQuery): Promise<SearchHit[]> {
    const pool = Math.max(this.#candidates, query.limit * 3);
    const prefix = query.filters?.pathPrefix || null;
    // Prefixes at "/" boundaries (and whole paths) are indexed; any other prefix is checked on the results.
    const exactPrefix = prefix !== null && (prefix.endsWith("/") || /\.mdx?$/.test(prefix));
    const must: Filter["must"] = [{ key: "kind", match: { value: "chunk" } }];
    if (prefix !== null && exactPrefix) must.push({ key: "pathPrefixes", match: { value: prefix } });
    const filter: Filter = { must };
    const sparse = querySparseVector(query.text);
    const embedding = query.vector ? await this.#embedding() : null;
    const useDense = query.vector !== undefined && embedding?.dimensions === query.vector.length;

    const legs: Array<{ leg: SearchHit["legs"][number]; prefetch: Prefetch }> = [];
    if (sparse.indices.length > 0)
      legs.push({ leg: "lexical", prefetch: { query: sparse, using: SPARSE, limit: pool, filter } });
    if (useDense && query.vector)
      legs.push({
        leg: "dense",
        prefetch: { query: Array.from(query.vector), using: DENSE, limit: pool, filter },
      });
    if (legs.length === 0) return [];
    const fetchLimit = prefix !== null && !exactPrefix ? pool * 2 : query.limit + 10;
    // One request: the fused list, plus (with two legs) each leg's ids alone, because server-side fusion does
    // not say which leg found a point and retrieval treats dense-only hits differently.
    const searches: Schemas["QueryRequest"][] = [
      {
        prefetch: legs.map((l) => l.prefetch),
        query: { rrf: { k: QDRANT_RRF_K } },
        limit: fetchLimit,
        with_payload: true,
      },
    ];
    if (legs.length > 1) for (const l of legs) searches.push({ ...l.prefetch, with_payload: false });
    const [fused, ...legResults] = await this.#client.queryBatch(this.#collection, { searches });
    const foundBy = legs.map((l, i) =>
      legs.length > 1
        ? { leg: l.leg, ids: new Set((legResults[i]?.points ?? []).map((p) => String(p.id))) }
        : { leg: l.leg, ids: null },
    );

    // A document being replaced has old and new chunks side by side for a moment: keep only the chunks of
    // the version its document record names, so readers see one version.
    const points = (fused?.points ?? []).map((p) => ({
      id: String(p.id),
      score: p.score,
      payload: p.payload as unknown as ChunkPayload,
    }));
    const docIds = [...new Set(points.map((p) => p.payload.docId))];
    const current = new Map<string, string>();
    if (docIds.length > 0) {
      const docs = await this.#client.retrieve(this.#collection, {
        ids: docIds.map(docPointId),
        with_payload: DOCUMENT_FIELDS,
      });
      for (const d of docs) {
        const p = d.payload as { docId: string; contentHash: string };
        current.set(p.docId, p.contentHash);
      }
    }
    const hits: SearchHit[] = [];
    for (const { id, score, payload } of points) {
      if (current.get(payload.docId) !== payload.contentHash) continue;
      if (prefix !== null && !payload.path.startsWith(prefix)) continue;
      const { kind: _k, contentHash: _h, pathPrefixes: _p, ...chunk } = payload;
      const found = foundBy.filter((f) => f.ids === null || f.ids.has(id)).map((f) => f.leg);
      hits.push({ chunk, score, legs: found });
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
        with_payload: DOCUMENT_FIELDS,
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
    doc: { docId: string; contentHash: string; source?: Omit<DocumentSource, "docId" | "contentHash"> },
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
      const vector: Record<string, Schemas["Vector"]> = {
        [SPARSE]: documentSparseVector([
          { text: chunk.title, weight: FIELD_WEIGHTS.title },
          { text: chunk.headingPath.join(" "), weight: FIELD_WEIGHTS.headings },
          { text: chunk.text, weight: FIELD_WEIGHTS.text },
        ]),
      };
      const v = vectors?.[i];
      if (v) vector[DENSE] = Array.from(v);
      return {
        id: chunkPointId(`${doc.contentHash}:${chunk.id}`),
        vector,
        payload: payload as unknown as Record<string, unknown>,
      };
    });
    for (let i = 0; i < points.length; i += 128) {
      await this.#client.upsert(this.#collection, { wait: true, points: points.slice(i, i + 128) });
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
            // The source sections ride on the document record (one payload, tens of kB at most), so a variant is
            // built from the same version readers search.
            ...(doc.source ? { route: doc.source.route, source: doc.source } : {}),
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

  async #sources(filter: Filter, limit?: number): Promise<DocumentSource[]> {
    const out: DocumentSource[] = [];
    let offset: string | number | undefined | null;
    do {
      const page = await this.#client.scroll(this.#collection, {
        filter,
        limit: limit ?? 64,
        with_payload: true,
        ...(offset ? { offset } : {}),
      });
      for (const p of page.points) {
        const d = p.payload as {
          docId: string;
          contentHash: string;
          source?: Omit<DocumentSource, "docId" | "contentHash">;
        };
        if (d.source) out.push({ ...d.source, docId: d.docId, contentHash: d.contentHash });
      }
      offset = limit ? null : (page.next_page_offset as string | number | null | undefined);
    } while (offset);
    return out.sort((a, b) => a.docId.localeCompare(b.docId));
  }

  async documentSource(route: string): Promise<DocumentSource | null> {
    const found = await this.#sources(
      {
        must: [
          { key: "kind", match: { value: "document" } },
          { key: "route", match: { value: route } },
        ],
      },
      16,
    );
    return found[0] ?? null;
  }

  async documentSources(): Promise<DocumentSource[]> {
    return this.#sources({ must: [{ key: "kind", match: { value: "document" } }] });
  }

  async deleteDocument(docId: string): Promise<void> {
    // The record first, so readers stop seeing the chunks at once.
    await this.#client.delete(this.#collection, { wait: true, points: [docPointId(docId)] });
    await this.#client.delete(this.#collection, {
      wait: true,
      filter: { must: [{ key: "docId", match: { value: docId } }] },
    });
  }

  /**
   * A full re-index into a new collection readers do not see until `commit()` swaps the alias to it. Staging
   * collections an interrupted rebuild left behind are dropped first (so run one full ingest at a time).
   */
  async beginRebuild(embedding: EmbeddingInfo | null): Promise<StagedRebuild> {
    const { aliases } = await this.#client.getAliases();
    const live = aliases.find((a) => a.alias_name === this.#collection)?.collection_name;
    const { collections } = await this.#client.getCollections();
    for (const c of collections) {
      if (c.name.startsWith(`${this.#collection}__`) && c.name !== live)
        await this.#client.deleteCollection(c.name);
    }
    const name = await this.#createCollection(embedding);
    const store = new QdrantChunkStore(this.#client, {
      alias: name,
      candidates: this.#candidates,
      searchBudgetMs: this.#searchBudgetMs,
    });
    return { store, commit: () => this.#swapIn(name) };
  }

  /** Swaps in a new, empty collection: readers see the old content until the swap, then the empty index. */
  async reset(embedding: EmbeddingInfo | null): Promise<void> {
    await this.#swapIn(await this.#createCollection(embedding));
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

function embeddingOf(payload: Record<string, unknown> | null | undefined): EmbeddingInfo | null {
  const p = payload as
    | { embeddingModel?: string | null; embeddingDimensions?: number | null }
    | null
    | undefined;
  return p?.embeddingModel && p.embeddingDimensions
    ? { model: p.embeddingModel, dimensions: p.embeddingDimensions }
    : null;
}
