// Reciprocal rank fusion: scores, legs, tie order, duplicates.
import { describe, expect, it } from "vitest";
import { RRF_K, reciprocalRankFusion } from "./fusion.ts";

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
