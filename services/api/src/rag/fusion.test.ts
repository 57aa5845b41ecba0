// Reciprocal rank fusion and the convex score fusion: scores, legs, tie order, duplicates, a strong lexical hit kept.
import { describe, expect, it } from "vitest";
import { convexFusion, RRF_K, reciprocalRankFusion } from "./fusion.ts";

/** A leg's hits in rank order, from id → score (ids are letters, so the object keeps its written order). */
function hits(scores: Record<string, number>): Array<{ id: string; score: number }> {
  return Object.entries(scores).map(([id, score]) => ({ id, score }));
}

describe("reciprocalRankFusion", () => {
  it("adds 1/(k+rank) over the lists and records the legs that found each id", () => {
    const fused = reciprocalRankFusion([
      { leg: "lexical", ids: ["a", "b", "c"] },
      { leg: "dense", ids: ["c", "d"] },
    ]);
    expect(fused.map((f) => f.id)).toEqual(["c", "a", "b", "d"]);
    expect(fused[0]).toEqual({
      id: "c",
      score: 1 / (RRF_K + 3) + 1 / (RRF_K + 1),
      legs: ["lexical", "dense"],
    });
    expect(fused.find((f) => f.id === "d")?.legs).toEqual(["dense"]);
  });

  it("breaks ties by best rank, then by first appearance, and ignores repeats within a list", () => {
    const fused = reciprocalRankFusion([
      { leg: "lexical", ids: ["x", "y", "x"] },
      { leg: "dense", ids: ["y", "x"] },
    ]);
    expect(fused.map((f) => f.id)).toEqual(["x", "y"]);
    expect(fused[0]?.score).toBeCloseTo(fused[1]?.score ?? 0, 12);
  });

  it("honours limit and k", () => {
    const fused = reciprocalRankFusion([{ leg: "lexical", ids: ["a", "b", "c"] }], { k: 1, limit: 2 });
    expect(fused).toEqual([
      { id: "a", score: 1 / 2, legs: ["lexical"] },
      { id: "b", score: 1 / 3, legs: ["lexical"] },
    ]);
    expect(reciprocalRankFusion([])).toEqual([]);
  });
});

describe("convexFusion", () => {
  // The lexical leg is sure of "a" (far ahead of the rest); the dense leg ranks it last and prefers "b".
  const lexical = hits({ a: 30, b: 12, c: 11, d: 10 });
  const dense = hits({ b: 0.9, c: 0.85, d: 0.8, a: 0.5 });

  it("keeps a strong lexical first hit that reciprocal ranks would drown", () => {
    const rrf = reciprocalRankFusion([
      { leg: "lexical", ids: lexical.map((h) => h.id) },
      { leg: "dense", ids: dense.map((h) => h.id) },
    ]);
    expect(rrf[0]?.id).toBe("b");
    const fused = convexFusion([
      { leg: "lexical", hits: lexical, weight: 1 },
      { leg: "dense", hits: dense, weight: 0.25 },
    ]);
    expect(fused.map((f) => f.id)).toEqual(["a", "b", "c", "d"]);
    // min-max normalised: a = 1 + 0.25 × 0, b = (12 - 10) / 20 + 0.25 × 1
    expect(fused[0]?.score).toBeCloseTo(1, 9);
    expect(fused[1]?.score).toBeCloseTo(0.1 + 0.25, 9);
    expect(fused[0]?.legs).toEqual(["lexical", "dense"]);
  });

  it("lets the dense leg decide between close lexical hits, and keeps dense-only hits", () => {
    const fused = convexFusion(
      [
        { leg: "lexical", hits: hits({ x: 10, y: 9.9, z: 1 }), weight: 1 },
        { leg: "dense", hits: hits({ y: 0.9, w: 0.8, x: 0.1 }), weight: 0.25 },
      ],
      { limit: 3 },
    );
    expect(fused.map((f) => f.id)).toEqual(["y", "x", "w"]);
    expect(fused[2]?.legs).toEqual(["dense"]);
    // One hit alone, or equal scores, normalise to 1.
    expect(convexFusion([{ leg: "lexical", hits: [{ id: "q", score: 3 }], weight: 1 }])).toEqual([
      { id: "q", score: 1, legs: ["lexical"] },
    ]);
  });
});
