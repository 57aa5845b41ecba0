// Starter questions from a page's headings.
import { describe, expect, it } from "vitest";
import { starterQuestions } from "./starters.ts";

describe("starterQuestions", () => {
  it("asks about the page's teaching sections in order, skipping framing ones, at most three", () => {
    expect(
      starterQuestions([
        "Introduction",
        "Zero moment point",
        "Why do robots fall?",
        "Zero moment point",
        "Check your understanding",
        "Gait generation#",
        "Capture point",
      ]),
    ).toEqual([
      "What should I know about Zero moment point?",
      "Why do robots fall?",
      "What should I know about Gait generation?",
    ]);
  });

  it("offers nothing for a page without sections", () => {
    expect(starterQuestions([])).toEqual([]);
    expect(starterQuestions(["Summary", "References"])).toEqual([]);
  });
});
