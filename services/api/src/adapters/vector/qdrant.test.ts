// Runs the ChunkStore contract against a real Qdrant when QDRANT_URL is set (each test in its own collection).
import { requireEnv } from "@ai-book/testkit";
import { QdrantClient } from "@qdrant/js-client-rest";
import { describe, expect, it } from "vitest";
import { openQdrantStore, pointId } from "./qdrant.ts";
import { describeChunkStoreContract } from "./store-contract.ts";

const url = requireEnv("QDRANT_URL");
const apiKey = process.env.QDRANT_API_KEY || undefined;

describeChunkStoreContract(
  "qdrant",
  url
    ? async () => {
        const collection = `contract_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
        const store = await openQdrantStore({ url, apiKey, collection });
        return {
          store,
          openReader: () => openQdrantStore({ url, apiKey, collection }),
          cleanup: async () => {
            await new QdrantClient({ url, apiKey, checkCompatibility: false }).deleteCollection(collection);
          },
        };
      }
    : null,
);

describe("qdrant point ids", () => {
  it("are deterministic UUIDs", () => {
    const id = pointId("chunk:abc");
    expect(id).toBe(pointId("chunk:abc"));
    expect(id).not.toBe(pointId("chunk:abd"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
