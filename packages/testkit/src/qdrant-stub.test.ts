// The Qdrant protocol stub itself: it refuses what Qdrant's API description refuses and fuses the way Qdrant does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QDRANT_OPENAPI_PATH, qdrantApiAvailable } from "./qdrant-api.ts";
import { type QdrantStub, startQdrantStub } from "./qdrant-stub.ts";
import { skipUnlessPresent } from "./skips.ts";

const skip = skipUnlessPresent(
  !qdrantApiAvailable() && `${QDRANT_OPENAPI_PATH} is missing: skipping the Qdrant stub tests`,
);

describe.skipIf(skip)("Qdrant protocol stub", () => {
  let stub: QdrantStub;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stub.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { result?: unknown; status: unknown } };
  };
  beforeAll(async () => {
    stub = await startQdrantStub();
  });
  afterAll(async () => {
    await stub?.close();
  });

  it("refuses a body the description does not allow, says why, and records it", async () => {
    const res = await call("PUT", "/collections/c1", {
      vectors: { dense: { size: 0, distance: "Cosinus" } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.status)).toMatch(/size must be >= 1/);
    const last = stub.requests.at(-1);
    expect(last?.operation).toBe("create_collection");
    expect(last?.violations.join(" ")).toMatch(/distance/);
  });

  it("refuses undeclared or mistyped query parameters and unknown routes", async () => {
    expect((await call("PUT", "/collections/c2?wait=maybe", {})).status).toBe(400);
    expect((await call("PUT", "/collections/c2?frobnicate=1", {})).status).toBe(400);
    expect((await call("POST", "/collections/c2/points/frobnicate", {})).status).toBe(404);
    expect(stub.violations().length).toBeGreaterThanOrEqual(3);
  });

  it("fuses by Qdrant's rule: 1 / (k + position), positions from 0", async () => {
    await call("PUT", "/collections/rrf", { sparse_vectors: { s: {} } });
    await call("PUT", "/collections/rrf/points?wait=true", {
      points: [
        { id: 1, vector: { s: { indices: [7], values: [2] } }, payload: {} },
        { id: 2, vector: { s: { indices: [7], values: [1] } }, payload: {} },
      ],
    });
    const res = await call("POST", "/collections/rrf/points/query", {
      prefetch: [{ query: { indices: [7], values: [1] }, using: "s", limit: 5 }],
      query: { rrf: { k: 10 } },
      limit: 5,
    });
    expect(res.status).toBe(200);
    const points = (res.body.result as { points: Array<{ id: number; score: number }> }).points;
    expect(points.map((p) => p.id)).toEqual([1, 2]);
    expect(points[0]?.score).toBeCloseTo(1 / 10, 12);
    expect(points[1]?.score).toBeCloseTo(1 / 11, 12);
  });

  it("refuses filters on unindexed keys in strict mode, as a managed cluster does", async () => {
    await call("PUT", "/collections/strict", { sparse_vectors: { s: {} } });
    const res = await call("POST", "/collections/strict/points/delete?wait=true", {
      filter: { must: [{ key: "color", match: { value: "red" } }] },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.status)).toMatch(/Index required but not found for \\"color\\"/);
  });
});
