// Whether the api-service's index already holds the book, asked through the api-service's own config and store code.
import { existsSync } from "node:fs";
import { openSqliteStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import { loadConfig } from "../../services/api/src/config.ts";

export interface IndexState {
  backend: "sqlite" | "qdrant";
  /** Chunks in the index; undefined when it cannot be told without side effects (Qdrant). */
  chunks: number | undefined;
  summary: string;
}

export async function describeIndex(env: Record<string, string>): Promise<IndexState> {
  const config = loadConfig(env);
  if (config.QDRANT_URL) {
    return {
      backend: "qdrant",
      chunks: undefined,
      summary: "Qdrant at QDRANT_URL (load it with `npm run ingest` when it is empty)",
    };
  }
  const path = config.INDEX_PATH;
  if (!existsSync(path)) return { backend: "sqlite", chunks: 0, summary: `no index yet at ${path}` };
  const store = openSqliteStore({ path });
  try {
    const stats = await store.stats();
    return {
      backend: "sqlite",
      chunks: stats.chunks,
      summary: `${stats.chunks} chunks from ${stats.documents} documents in ${path}`,
    };
  } finally {
    await store.close();
  }
}

export function indexIsEmpty(state: IndexState): boolean {
  return state.chunks === 0;
}
