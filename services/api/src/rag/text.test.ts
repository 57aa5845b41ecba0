// Near-duplicate measure: hashed word 3-grams compared by Jaccard similarity.
import { describe, expect, it } from "vitest";
import { shingles } from "./analysis-cache.ts";
import { contentStems, jaccard, jaccardAtLeast, topicStems } from "./text.ts";

const base = Array.from({ length: 120 }, (_, i) => `word${i % 37}x${i}`).join(" ");

describe("shingles + jaccard", () => {
  it("gives 1 for the same words whatever the case and spacing, 0 for texts sharing no 3-gram", () => {
    expect(jaccard(shingles(base), shingles(base.toUpperCase().replaceAll(" ", "\n  ")))).toBe(1);
    expect(jaccard(shingles("alpha beta gamma delta"), shingles("one two three four"))).toBe(0);
  });

  it("scores a copy with one word changed as a near duplicate, and half a text as not", () => {
    const edited = base.replace("word5x5", "changed");
    const score = jaccard(shingles(base), shingles(edited));
    expect(score).toBeGreaterThan(0.9);
    expect(score).toBeLessThan(1);
    const half = base.split(" ").slice(0, 60).join(" ");
    expect(jaccard(shingles(base), shingles(half))).toBeCloseTo(58 / 118, 5);
  });

  it("keeps each 3-gram once, sorted, and a short text as one entry", () => {
    const s = shingles("a b c a b c a b c");
    expect([...s]).toEqual([...s].sort((x, y) => x - y));
    expect(s.length).toBe(3); // "a b c", "b c a", "c a b"
    expect(shingles("two words").length).toBe(1);
    expect(jaccard(shingles(""), shingles(""))).toBe(1);
  });

  it("jaccardAtLeast answers as jaccard(a, b) >= t on random sets, at and around the boundary", () => {
    // A seeded generator: sets drawn from a small universe so that overlaps of every size occur.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const set = (n: number, universe: number) =>
      Uint32Array.from(new Set(Array.from({ length: n }, () => Math.floor(next() * universe)))).sort();
    let checked = 0;
    for (let k = 0; k < 3000; k++) {
      const universe = 5 + Math.floor(next() * 60);
      const a = set(Math.floor(next() * 40), universe);
      const b = next() < 0.3 ? a.slice() : set(Math.floor(next() * 40), universe);
      for (const t of [0.5, 0.8, jaccard(a, b) || 0.8]) {
        expect(jaccardAtLeast(a, b, t), `${[...a]} / ${[...b]} at ${t}`).toBe(jaccard(a, b) >= t);
        checked++;
      }
    }
    expect(checked).toBe(9000);
    expect(jaccardAtLeast(new Uint32Array(), new Uint32Array(), 0.8)).toBe(true);
    expect(jaccardAtLeast(Uint32Array.of(1, 2, 3, 4, 5), Uint32Array.of(1, 2, 3, 4), 0.8)).toBe(true);
    expect(jaccardAtLeast(Uint32Array.of(1, 2, 3, 4, 5), Uint32Array.of(1, 2, 3), 0.8)).toBe(false);
  });
});

describe("topic words", () => {
  it("are the content stems without quiz instructions or lone letters, else the content stems", () => {
    expect(topicStems("Which of the following statements are true about decentralized learning?")).toEqual([
      "decentr",
      "learn",
    ]);
    expect(topicStems("In your own words, what is a raycast? Answer in 2 sentences.")).toEqual([
      "raycast",
      "answer",
    ]);
    expect(topicStems("The policy is called a b _ _ _ n")).toEqual(["polici", "call"]);
    expect(topicStems("Which statements are true?")).toEqual(contentStems("Which statements are true?"));
  });
});
