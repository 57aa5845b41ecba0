// A ChunkStore wrapper that (re)opens a remote backend lazily, so the service starts and recovers without it.
import type { Logger } from "@ai-book/http";
import type { ChunkStore } from "../../rag/ports.ts";

/** Retry an unreachable store's opening at most this often. */
const STORE_RETRY_MS = 5000;

/**
 * A ChunkStore that opens its backend lazily and again after a failure (at most every STORE_RETRY_MS), so a
 * service started while Qdrant is down answers 503 instead of refusing to start, and recovers by itself.
 */
export async function reconnectingStore(
  open: () => Promise<ChunkStore>,
  logger: Logger,
): Promise<ChunkStore> {
  let current: ChunkStore | undefined;
  let opening: Promise<ChunkStore> | undefined;
  let lastFailure = 0;
  let lastError: unknown;
  const get = (): Promise<ChunkStore> => {
    if (current) return Promise.resolve(current);
    if (opening) return opening;
    if (Date.now() - lastFailure < STORE_RETRY_MS) return Promise.reject(lastError);
    opening = open()
      .then((s) => {
        current = s;
        logger.info("chunk store connected");
        return s;
      })
      .catch((err: unknown) => {
        lastFailure = Date.now();
        lastError = err;
        logger.warn({ err: { message: (err as Error)?.message } }, "chunk store unreachable");
        throw err;
      })
      .finally(() => {
        opening = undefined;
      });
    return opening;
  };
  await get().catch(() => undefined);
  return {
    search: async (q) => (await get()).search(q),
    listDocuments: async () => (await get()).listDocuments(),
    replaceDocument: async (doc, chunks, vectors) => (await get()).replaceDocument(doc, chunks, vectors),
    deleteDocument: async (docId) => (await get()).deleteDocument(docId),
    // Both backends keep document sources (chapter variants); a backend without them answers "none".
    documentSource: async (route) => (await get()).documentSource?.(route) ?? null,
    documentSources: async () => (await get()).documentSources?.() ?? [],
    reset: async (embedding) => (await get()).reset(embedding),
    stats: async () => (await get()).stats(),
    close: async () => {
      await current?.close();
    },
  };
}
