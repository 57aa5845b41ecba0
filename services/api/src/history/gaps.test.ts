// Lexical clustering of unanswered questions into coverage gaps, and the clusters' nearest sections.
import { describe, expect, it } from "vitest";
import { clusterQuestions, coverageGaps } from "./gaps.ts";

const q = (question: string, userId = "u1") => ({ question, userId });

describe("clusterQuestions", () => {
  it("groups rephrasings that share two content words and keeps one-word overlaps apart", () => {
    const clusters = clusterQuestions([
      q("What is the best recipe for sourdough bread?"),
      q("How long should sourdough bread proof?"),
      q("Which flour makes the best sourdough bread?"),
      q("How do I paint a robot?"),
      q("What is a robot arm?"),
      q("How are robot arms calibrated?"),
    ]);
    const sizes = clusters.map((c) => c.members.map((m) => m.question).sort());
    expect(sizes[0]).toEqual([
      "How long should sourdough bread proof?",
      "What is the best recipe for sourdough bread?",
      "Which flour makes the best sourdough bread?",
    ]);
    expect(clusters[0]?.terms.slice(0, 2).sort()).toEqual(["bread", "sourdough"]);
    // "robot arm" twice is a cluster; painting a robot shares one word only.
    expect(sizes).toContainEqual(["How are robot arms calibrated?", "What is a robot arm?"]);
    expect(sizes).toContainEqual(["How do I paint a robot?"]);
  });

  it("ignores questions with no content words", () => {
    expect(clusterQuestions([q("what is it?")]).length).toBeLessThanOrEqual(1);
    expect(clusterQuestions([])).toEqual([]);
  });
});

describe("coverageGaps", () => {
  it("adds examples, the nearest sections, and reader ids only when asked", async () => {
    const candidates = [
      q("sourdough bread recipe", "a"),
      q("sourdough bread proofing", "b"),
      q("sourdough bread recipe", "a"),
    ];
    const asked: string[] = [];
    const nearestSections = async (text: string) => {
      asked.push(text);
      return [{ title: "Kitchen", heading: "Bread", url: "http://book/kitchen#bread" }];
    };
    const [hidden] = await coverageGaps(candidates, { nearestSections, showReaders: false, limit: 10 });
    expect(hidden).toMatchObject({ size: 3, sections: [{ heading: "Bread" }] });
    expect(hidden?.examples).toEqual(["sourdough bread recipe", "sourdough bread proofing"]);
    expect(hidden?.readers).toBeUndefined();
    expect(asked[0]).toMatch(/sourdough/);
    const [shown] = await coverageGaps(candidates, { nearestSections, showReaders: true, limit: 10 });
    expect(shown?.readers?.sort()).toEqual(["a", "b"]);
  });
});
