// Incremental sync of a docs folder into a ChunkStore: hash per document, re-embed only what changed.
import { createHash } from "node:crypto";
import { lstat, readFile, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { glob } from "tinyglobby";
import type { Chunk, ChunkStore, Embedder, StagedRebuild } from "../rag/ports.ts";
import { CHUNKER_VERSION, type ChunkOptions, contextualText } from "./chunk.ts";
import { type BuiltDocument, buildDocument, isDocFile } from "./document.ts";
import { DEFAULT_MAX_FILE_BYTES } from "./limits.ts";
import { ParseError } from "./parse.ts";
import type { RouteOptions } from "./urls.ts";

export interface SyncOptions extends RouteOptions {
  docsDir: string;
  store: ChunkStore;
  /** Absent: a lexical-only index. */
  embedder?: Embedder & { usage?: () => { requests: number; tokens: number } };
  /** Drop everything first and ingest from scratch. */
  reset?: boolean;
  /** Parse and plan only: no embedding requests, no writes. */
  dryRun?: boolean;
  chunking?: ChunkOptions;
  /** An MDX page that does not parse is a failure instead of being read as plain Markdown (`--strict`). */
  strict?: boolean;
  /** Chunks for which this returns false are left out of the index (the eval uses it). */
  keepChunk?: (chunk: Chunk) => boolean;
  /** Documents embedded together, up to about this many chunks per round. @default 256 */
  chunksPerRound?: number;
  /** Larger files are skipped with a warning (INGEST_MAX_FILE_BYTES). @default DEFAULT_MAX_FILE_BYTES */
  maxFileBytes?: number;
  signal?: AbortSignal;
  onProgress?: (event: SyncProgress) => void;
}

/** A doc file left out of the index, and why (reported as a warning). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface SyncProgress {
  phase: "scan" | "index";
  /** Documents done in this phase, of `total`. */
  done: number;
  total: number;
  /** The document just finished. */
  docId?: string;
}

export interface SyncFailure {
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface SyncSummary {
  docsDir: string;
  dryRun: boolean;
  /** Why every document was re-indexed, when it was ("--reset", "embedding model changed ..."). */
  fullRebuild: string | null;
  scanned: number;
  unchanged: number;
  added: number;
  updated: number;
  deleted: number;
  /** Drafts are not published, so they are not indexed. */
  drafts: number;
  failed: SyncFailure[];
  /** Pages indexed with a work-around (an MDX page read as plain Markdown), with where the problem is. */
  warnings: SyncFailure[];
  /** Symbolic links, files resolving outside the docs folder, files over the size cap. */
  skipped: SkippedFile[];
  chunksAdded: number;
  chunksRemoved: number;
  embeddingRequests: number;
  embeddingTokens: number;
  ms: number;
}

/** A run that adds or removes at least 1/COMPACT_SHARE of the index's chunks compacts it (see `ChunkStore.compact`). */
const COMPACT_SHARE = 20;

/** Files read ahead of the parser. */
const READ_AHEAD = 8;

type Embedding = { model: string; dimensions: number } | null;

function sameEmbedding(a: Embedding, b: Embedding): boolean {
  return a === b || (a !== null && b !== null && a.model === b.model && a.dimensions === b.dimensions);
}

function describeEmbedding(e: Embedding): string {
  return e ? `${e.model} (${e.dimensions}-d)` : "none (lexical only)";
}

/** The document's identity for incremental sync: its source plus every setting that changes its chunks. */
export function documentHash(
  relPath: string,
  source: string,
  opts: RouteOptions & { chunking?: ChunkOptions; strict?: boolean },
) {
  return createHash("sha256")
    .update(
      JSON.stringify([
        CHUNKER_VERSION,
        relPath,
        opts.baseUrl ?? "/",
        opts.routeBasePath ?? "/docs",
        opts.chunking ?? {},
        opts.strict === true,
      ]),
    )
    .update("\u0000")
    .update(source)
    .digest("hex");
}

/**
 * Every doc file under `docsDir` as a "/"-separated relative path, sorted. The walk lists no symbolic link (file or
 * folder): a `docs/leak.md` linking to a file elsewhere must not put that file's text into answers. Each listed file
 * is checked again (not a link, real path inside the docs folder, at most `maxFileBytes`), and one that fails is
 * reported to `onSkip` instead.
 */
export async function listDocFiles(
  docsDir: string,
  opts: { maxFileBytes?: number; onSkip?: (skipped: SkippedFile) => void } = {},
): Promise<string[]> {
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const root = await realpath(docsDir);
  const files = await glob(["**/*.md", "**/*.mdx"], {
    cwd: docsDir,
    ignore: ["**/node_modules/**"],
    followSymbolicLinks: false,
  });
  const checked = await Promise.all(
    files.filter(isDocFile).map(async (rel): Promise<string | undefined> => {
      const path = join(docsDir, rel);
      const skip = (reason: string) => {
        opts.onSkip?.({ path: rel, reason });
        return undefined;
      };
      const st = await lstat(path);
      if (st.isSymbolicLink()) return skip("a symbolic link (not followed)");
      const real = await realpath(path);
      if (!real.startsWith(root + sep)) return skip("resolves outside the docs folder");
      if (st.size > maxBytes) return skip(`${st.size} bytes, over INGEST_MAX_FILE_BYTES (${maxBytes})`);
      return rel;
    }),
  );
  return checked.filter((f): f is string => f !== undefined).sort();
}

/**
 * Brings the store in line with the docs folder. Each document is replaced atomically with its hash, so an
 * interrupted run leaves every document fully old or fully new and the next run picks up where this one
 * stopped. A file that fails to parse is reported and keeps whatever the index had for it.
 */
export async function syncDocs(opts: SyncOptions): Promise<SyncSummary> {
  const started = performance.now();
  const { store, embedder } = opts;
  const routeOpts = {
    baseUrl: opts.baseUrl,
    routeBasePath: opts.routeBasePath,
    chunking: opts.chunking,
    strict: opts.strict,
  };
  const usageBefore = embedder?.usage?.() ?? { requests: 0, tokens: 0 };
  let ownRequests = 0;
  let ownTokens = 0;

  const summary: SyncSummary = {
    docsDir: opts.docsDir,
    dryRun: opts.dryRun === true,
    fullRebuild: null,
    scanned: 0,
    unchanged: 0,
    added: 0,
    updated: 0,
    deleted: 0,
    drafts: 0,
    failed: [],
    warnings: [],
    skipped: [],
    chunksAdded: 0,
    chunksRemoved: 0,
    embeddingRequests: 0,
    embeddingTokens: 0,
    ms: 0,
  };

  const want: Embedding = embedder ? { model: embedder.model, dimensions: embedder.dimensions } : null;
  const have = (await store.stats()).embedding;
  if (opts.reset) summary.fullRebuild = "--reset";
  else if (!sameEmbedding(have, want)) {
    summary.fullRebuild = `embedding changed from ${describeEmbedding(have)} to ${describeEmbedding(want)}`;
  }
  const storedList = await store.listDocuments();
  const stored = new Map(storedList.map((d) => [d.docId, d]));
  // Writes go to `target`: the store itself, or the staging index of a full rebuild readers do not see yet.
  let target: ChunkStore = store;
  let staged: StagedRebuild | undefined;
  if (summary.fullRebuild && !summary.dryRun) {
    if (store.beginRebuild) {
      staged = await store.beginRebuild(want);
      target = staged.store;
    } else await store.reset(want);
    summary.chunksRemoved += storedList.reduce((s, d) => s + d.chunkCount, 0);
    stored.clear();
  }

  // Scan: hash every file; parse only the changed ones.
  const files = await listDocFiles(opts.docsDir, {
    ...(opts.maxFileBytes !== undefined ? { maxFileBytes: opts.maxFileBytes } : {}),
    onSkip: (skipped) => summary.skipped.push(skipped),
  });
  const changed: Array<{ built: BuiltDocument; hash: string }> = [];
  const present = new Set<string>();
  // Files are read a few ahead of the one being parsed, so the reads overlap the (CPU-bound) parsing.
  const reads = new Map<number, Promise<string>>();
  const readAhead = (from: number) => {
    for (let j = from; j < Math.min(files.length, from + READ_AHEAD); j++) {
      if (reads.has(j)) continue;
      const read = readFile(`${opts.docsDir}/${files[j]}`, "utf8");
      // A read left in flight when an earlier file stops the sync must not become an unhandled rejection.
      read.catch(() => undefined);
      reads.set(j, read);
    }
  };
  for (const [i, relPath] of files.entries()) {
    opts.signal?.throwIfAborted();
    summary.scanned += 1;
    present.add(relPath);
    readAhead(i);
    const source = (await reads.get(i)) as string;
    reads.delete(i);
    const hash = documentHash(relPath, source, routeOpts);
    if (!summary.fullRebuild && stored.get(relPath)?.contentHash === hash) {
      summary.unchanged += 1;
    } else {
      try {
        const built = buildDocument(relPath, source, routeOpts);
        summary.warnings.push(...built.warnings);
        if (built.draft) {
          summary.drafts += 1;
          present.delete(relPath);
        } else {
          if (opts.keepChunk) built.chunks = built.chunks.filter(opts.keepChunk);
          changed.push({ built, hash });
        }
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        summary.failed.push({ path: relPath, line: err.line, column: err.column, message: err.reason });
      }
    }
    opts.onProgress?.({ phase: "scan", done: i + 1, total: files.length, docId: relPath });
  }

  const gone = [...stored.values()].filter((d) => !present.has(d.docId));
  for (const d of gone) {
    summary.deleted += 1;
    summary.chunksRemoved += d.chunkCount;
    if (!summary.dryRun) await target.deleteDocument(d.docId);
  }

  // Index: embed a round of documents together (few, full requests), then write each one atomically.
  // A round's texts that would make a partial request are carried into the next round, so every request
  // but the last is full; a document is written once all its vectors are in.
  const perRound = opts.chunksPerRound ?? 256;
  const batch = embedder?.maxInputsPerRequest ?? 0;
  let done = 0;
  let pending: Array<{ entry: (typeof changed)[number]; texts: string[]; vectors: Float32Array[] }> = [];
  let unembedded: Array<{ doc: (typeof pending)[number]; text: string }> = [];
  const write = async (doc: (typeof pending)[number], vectors: Float32Array[] | undefined) => {
    const { built, hash } = doc.entry;
    const old = stored.get(built.docId);
    if (!summary.dryRun) {
      opts.signal?.throwIfAborted();
      await target.replaceDocument(
        { docId: built.docId, contentHash: hash, ...(built.source ? { source: built.source } : {}) },
        built.chunks,
        vectors,
      );
    }
    if (old) {
      summary.updated += 1;
      summary.chunksRemoved += old.chunkCount;
    } else summary.added += 1;
    summary.chunksAdded += built.chunks.length;
    done += 1;
    opts.onProgress?.({ phase: "index", done, total: changed.length, docId: built.docId });
  };
  const embedding = embedder && !summary.dryRun;
  for (let start = 0; start < changed.length; ) {
    opts.signal?.throwIfAborted();
    let chunkCount = 0;
    let taken = 0;
    while (start < changed.length && (taken === 0 || chunkCount < perRound)) {
      const entry = changed[start++]!;
      taken += 1;
      chunkCount += entry.built.chunks.length;
      const doc = { entry, texts: entry.built.chunks.map(contextualText), vectors: [] as Float32Array[] };
      pending.push(doc);
      if (embedding) for (const text of doc.texts) unembedded.push({ doc, text });
    }
    if (embedding && unembedded.length > 0) {
      const last = start >= changed.length;
      // Whole requests only, unless this is the last round or the round is smaller than one request.
      const whole = batch > 0 && !last ? Math.floor(unembedded.length / batch) * batch : 0;
      const now = whole > 0 ? unembedded.slice(0, whole) : unembedded;
      unembedded = whole > 0 ? unembedded.slice(whole) : [];
      const vectors = await embedder.embed(
        now.map((u) => u.text),
        { signal: opts.signal },
      );
      ownRequests += 1;
      for (const [i, u] of now.entries()) u.doc.vectors.push(vectors[i]!);
    }
    const ready = pending.filter((d) => !embedding || d.vectors.length === d.texts.length);
    pending = pending.filter((d) => !ready.includes(d));
    for (const doc of ready) {
      if (embedding) ownTokens += doc.entry.built.chunks.reduce((t, c) => t + c.tokens, 0);
      await write(doc, embedding ? doc.vectors : undefined);
    }
  }

  // A rebuild, or a run that rewrote a good part of the index, ends with one merge of the keyword index (cheaper
  // searches, same results); a page edited in watch mode leaves it to the engine's own incremental merging.
  const indexed = storedList.reduce((n, d) => n + d.chunkCount, 0);
  if (
    !summary.dryRun &&
    (summary.fullRebuild || (summary.chunksAdded + summary.chunksRemoved) * COMPACT_SHARE >= indexed)
  )
    await target.compact?.();
  await staged?.commit();
  const usageAfter = embedder?.usage?.();
  if (usageAfter) {
    summary.embeddingRequests = usageAfter.requests - usageBefore.requests;
    summary.embeddingTokens = usageAfter.tokens - usageBefore.tokens;
  } else {
    summary.embeddingRequests = ownRequests;
    summary.embeddingTokens = ownTokens;
  }
  summary.ms = Math.round(performance.now() - started);
  return summary;
}
