// Picks the chunk store from configuration: Qdrant when QDRANT_URL is set, else the embedded SQLite file.
import type { ChunkStore } from "../../rag/ports.ts";
import { openQdrantStore } from "./qdrant.ts";
import { openSqliteStore } from "./sqlite.ts";

export interface StoreConfig {
  QDRANT_URL?: string;
  QDRANT_API_KEY?: string;
  QDRANT_COLLECTION: string;
  INDEX_PATH: string;
}

/**
 * Opens the configured store. `dimensions` is the embedding size queries will carry (when an embedder is
 * configured); the SQLite store refuses to open an index built with another size.
 */
export async function openChunkStore(
  config: StoreConfig,
  opts: { dimensions?: number } = {},
): Promise<ChunkStore> {
  if (config.QDRANT_URL) {
    return openQdrantStore({
      url: config.QDRANT_URL,
      apiKey: config.QDRANT_API_KEY,
      collection: config.QDRANT_COLLECTION,
    });
  }
  return openSqliteStore({ path: config.INDEX_PATH, dimensions: opts.dimensions });
}
