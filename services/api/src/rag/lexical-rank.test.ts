// Lexical re-ranking and query analysis: hub pages, document aggregation, proximity, letter-digit names, quiz phrasing.
import { describe, expect, it } from "vitest";
import { isHubPage, rankSections } from "./lexical-rank.ts";
import { queryConcepts, queryPairs, queryPhrases, queryTerms } from "./lexicon.ts";

describe("hub pages", () => {
  it("are overview, index, summary, glossary and capstone pages, and exercise material, by name", () => {
    for (const p of [
      "module-1/index.md",
      "README.md",
      "unit2/summary.mdx",
      "unit3/glossary.mdx",
      "chapter-1/00-overview.md",
      "week-13-capstone.md",
      "unit6/additional-readings.mdx",
      "module-1-ros2/assessments/ros2-package-project.md",
      "unit1/quiz.mdx",
    ])
      expect(isHubPage(p), p).toBe(true);
    for (const p of [
      "unit3/deep-q-algorithm.mdx",
      "module-1/week-3-lesson-1-ros2-architecture.md",
      "chapter2/3.mdx",
      "sensors/indexing-point-clouds.md",
    ])
      expect(isHubPage(p), p).toBe(false);
  });

  it("are damped, not dropped: the lesson outranks an overview that scores a little higher", () => {
    const ranked = rankSections(
      [
        { item: "overview", docId: "ch1/index.md", score: 10 },
        { item: "lesson", docId: "ch1/zmp.md", score: 9 },
        { item: "other", docId: "ch2/gait.md", score: 2 },
      ],
      { docWeight: 0, hubPenalty: 0.75, phraseWeight: 0 },
    );
    expect(ranked).toEqual(["lesson", "overview", "other"]);
  });
});

describe("section ranking", () => {
  it("adds a document's other sections (geometrically) and phrase evidence to each section's score", () => {
    const sections = [
      { item: "a1", docId: "a.md", score: 5 },
      { item: "b1", docId: "b.md", score: 5.5 },
      { item: "a2", docId: "a.md", score: 4 },
    ];
    expect(rankSections(sections, { docWeight: 0, hubPenalty: 1, phraseWeight: 0 })).toEqual([
      "b1",
      "a1",
      "a2",
    ]);
    // a.md's next section adds 0.5 × 4 to each of its sections: 7 and 6 against 5.5.
    expect(rankSections(sections, { docWeight: 0.5, hubPenalty: 1, phraseWeight: 0 })).toEqual([
      "a1",
      "a2",
      "b1",
    ]);
    const withPhrase = sections.map((s) => ({ ...s, phraseScore: s.item === "a2" ? 4 : 0 }));
    expect(rankSections(withPhrase, { docWeight: 0, hubPenalty: 1, phraseWeight: 0.5 })[0]).toBe("a2");
  });
});

describe("query analysis", () => {
  it("searches a letter-digit name both ways it is written", () => {
    expect(queryConcepts("Do ROS2 nodes talk?")).toEqual([["ros2", "ros 2"], ["nodes"], ["talk"]]);
    expect(queryConcepts("Do ROS 2 nodes talk?")).toEqual([["ros 2", "ros2"], ["nodes"], ["talk"]]);
    expect(queryConcepts("Which YOLOv8 model is smallest?")[0]).toEqual(["yolov8", "yolov 8"]);
  });

  it("drops quiz instruction words and length instructions, keeping the topic", () => {
    expect(
      queryTerms(
        "Which of the following statements are true about the Monte Carlo method? (Check all that apply)",
      ),
    ).toEqual(["monte", "carlo", "method"]);
    expect(queryTerms("Explain in 2-3 sentences why an IMU drifts. Provide one specific example.")).toEqual([
      "imu",
      "drifts",
    ]);
    // Nothing but instruction words: they are kept, so the query still matches something.
    expect(queryTerms("Which option is correct?")).toEqual(["option", "correct"]);
    expect(queryTerms("Which option is correct?", { instructionWords: true })).toEqual(["option", "correct"]);
  });

  it("pairs adjacent content words as phrases", () => {
    // Words with a function word between them ("modify a custom") are not adjacent.
    expect(queryPhrases("When you modify a custom message definition, what must you rebuild?")).toEqual([
      "custom message",
      "message definition",
    ]);
    expect(queryPhrases("What is torque?")).toEqual([]);
  });

  it("pairs content words that follow each other once function and instruction words are gone", () => {
    expect(queryPairs("What is the difference between a node and a topic in ROS 2?")).toEqual([
      ["difference", "node"],
      ["node", "topic"],
      ["topic", "ros"],
      ["ros", "2"],
    ]);
    // Each pair once; no pair of a word with itself.
    expect(queryPairs("Which of the following are true? Nodes talk to nodes, nodes talk.")).toEqual([
      ["nodes", "talk"],
      ["talk", "nodes"],
    ]);
    expect(queryPairs("What is torque?")).toEqual([]);
  });
});
