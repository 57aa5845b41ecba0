// Near-duplicate measure: hashed word 3-grams compared by Jaccard similarity.
import { describe, expect, it } from "vitest";
import { shingles } from "./analysis-cache.ts";
import { contentStems, jaccard, topicStems } from "./text.ts";

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
