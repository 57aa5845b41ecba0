// The ports the RAG domain talks through: chunk store, embedder, chat model. Adapters implement them.

/** One indexed piece of a document: a section, or part of one when a section is long. */
export interface Chunk {
  /** Deterministic id: the same document content always yields the same ids (so re-ingest replaces, never duplicates). */
  id: string;
  /** Stable identity of the source document: its path relative to the docs folder, with "/" separators. */
  docId: string;
  /** Source file relative to the docs folder (same as docId today; kept apart for the public `path` field). */
  path: string;
  /** Document title (frontmatter title, else the first h1, else the file name). */
  title: string;
  /** Headings from the document's top section down to this chunk's section; empty for the lead before any heading. */
  headingPath: string[];
  /** Site-relative deep link: Docusaurus baseUrl + route + "#anchor" (anchor omitted for the lead). */
  route: string;
  /** The chunk's own text (no title/heading prefix). */
  text: string;
  /** Position of the chunk within its document, from 0. */
  ordinal: number;
  /** Token count of `text` with the title/heading prefix, by the real tokenizer. */
  tokens: number;
}

export interface SearchFilters {
  /** Only chunks whose `path` starts with this prefix. */
  pathPrefix?: string;
}

export interface SearchQuery {
  /** The text for the lexical (BM25) leg; always used. */
  text: string;
  /** The query embedding for the dense leg; absent in offline mode. */
  vector?: Float32Array;
  limit: number;
  filters?: SearchFilters;
}

export interface SearchHit {
  chunk: Chunk;
  /** Fused score, higher is better; comparable only within one result list. */
  score: number;
  /** Which legs found the chunk (for tests and metrics). */
  legs: Array<"lexical" | "dense">;
}

export interface StoredDocument {
  docId: string;
  contentHash: string;
  chunkCount: number;
}

/** One section of a document's source, as written: what chapter variants are made from (never the rendered HTML). */
export interface SourceSection {
  /** The heading's anchor (its id on the page); "" for the lead before the first heading. */
  anchor: string;
  /** The heading's text (no `{#id}`); "" for the lead. */
  heading: string;
  /** Heading depth (2-6; 1 for an h1 that is not the page title); 0 for the lead. */
  depth: number;
  /** The section's Markdown/MDX from its heading line to the next section's (frontmatter left out). */
  markdown: string;
}

/** What ingest keeps of a document so it can be rebuilt section by section. */
export interface DocumentSource {
  docId: string;
  /** The page route (baseUrl + routeBasePath + slug), no anchor: how readers and the book name the doc. */
  route: string;
  title: string;
  /** The frontmatter's `sidebar_position`, when set (book order together with the path's number prefixes). */
  position: number | null;
  /** True for an .mdx file. */
  mdx: boolean;
  /** The document's content hash (the one incremental ingest keys on). */
  contentHash: string;
  sections: SourceSection[];
}

export interface StoreStats {
  backend: "sqlite" | "qdrant";
  chunks: number;
  documents: number;
  /** Embedding model and size the vectors were made with; null when the index is lexical-only. */
  embedding: { model: string; dimensions: number } | null;
}

/** Where chunks live: SQLite (embedded default) or Qdrant. One contract test suite runs against each. */
export interface ChunkStore {
  /**
   * Hybrid search: BM25 always, plus dense when `vector` is given, fused by the store (SQLite: convex score fusion;
   * Qdrant: reciprocal rank fusion server-side).
   */
  search(query: SearchQuery): Promise<SearchHit[]>;
  /**
   * Whether a query vector of `dimensions` would be used now (false: a lexical-only index, or vectors of another
   * size), so retrieval can skip the embedding call. Stores that cannot tell cheaply leave it out.
   */
  usesVectors?(dimensions: number): boolean;
  /**
   * The chunks of one document in reading order (an indexed lookup, no ranking), for the follow-up suggestions.
   * Stores that cannot list a document cheaply leave it out (a search restricted to the document is used instead).
   */
  documentChunks?(docId: string): Promise<Chunk[]>;
  /** Every stored document with its content hash, for incremental ingest. */
  listDocuments(): Promise<StoredDocument[]>;
  /**
   * Replaces all chunks of one document atomically (delete then add): a reader sees the old or the new
   * document, never a mix. `vectors[i]` belongs to `chunks[i]` and is required when the store has embeddings.
   */
  replaceDocument(
    doc: { docId: string; contentHash: string; source?: Omit<DocumentSource, "docId" | "contentHash"> },
    chunks: Chunk[],
    vectors?: Float32Array[],
  ): Promise<void>;
  /**
   * The source of the document at this page route (kept by `replaceDocument` when given one), or null. Stores that
   * keep no sources leave it out (chapter variants are then unavailable).
   */
  documentSource?(route: string): Promise<DocumentSource | null>;
  /** Every kept document source, for what spans the book (the offline study guide's prerequisites). */
  documentSources?(): Promise<DocumentSource[]>;
  deleteDocument(docId: string): Promise<void>;
  /**
   * Merges what a run of writes left fragmented, once at the end of an ingest that changed much of the index
   * (SQLite: FTS5's `optimize`, one keyword segment instead of one per written document). Results do not change;
   * searches get cheaper. Stores that maintain themselves leave it out.
   */
  compact?(): Promise<void>;
  /** Drops everything (ingest --reset, or a change of embedding model). */
  reset(embedding: { model: string; dimensions: number } | null): Promise<void>;
  /**
   * Rebuilds into a staging index readers do not see until `commit()` swaps it in (Qdrant: a new collection behind
   * the alias), so a full re-ingest never shows an empty or half-built index. Stores without it use `reset`.
   */
  beginRebuild?(embedding: { model: string; dimensions: number } | null): Promise<StagedRebuild>;
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

/** A full rebuild in progress: write into `store`, then `commit()` makes it the index readers see. */
export interface StagedRebuild {
  store: ChunkStore;
  commit(): Promise<void>;
}

/** Turns texts into vectors, batching within the provider's limits. */
export interface Embedder {
  readonly model: string;
  readonly dimensions: number;
  /** Inputs the embedder sends per request, when it batches by count (ingest fills whole requests with it). */
  readonly maxInputsPerRequest?: number;
  embed(texts: string[], opts?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface GenerateOptions {
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  /** Called once with the provider's token counts when it reports them (streams: at the end). */
  onUsage?: (usage: { promptTokens: number; completionTokens: number }) => void;
}

/** An LLM behind the OpenAI chat-completions protocol (or anything shaped like it). */
export interface ChatModel {
  readonly model: string;
  complete(messages: ChatMessage[], opts?: GenerateOptions): Promise<{ text: string; outputTokens?: number }>;
  /** Yields text deltas in order; aborting `signal` aborts the upstream request. */
  stream(messages: ChatMessage[], opts?: GenerateOptions): AsyncIterable<string>;
}
