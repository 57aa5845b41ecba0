// The extractive answerer: best sentences, cited, shaped by the profile.
import { describe, expect, it } from "vitest";
import { depthFor, extractiveAnswer } from "./extractive.ts";
import type { Retrieved } from "./retrieve.ts";
import { contentStems } from "./text.ts";

function hit(n: number, title: string, heading: string, text: string): Retrieved {
  return {
    n,
    chunk: {
      id: `c${n}`,
      docId: "d",
      path: "d.md",
      title,
      headingPath: [heading],
      route: "/d",
      text,
      ordinal: 0,
      tokens: 1,
    },
    score: 1 / n,
    legs: ["lexical"],
    coverage: 1,
    stems: new Set(contentStems(text)),
  };
}

const hits = [
  hit(
    1,
    "Control",
    "PID control",
    "A PID controller computes a command from the error between a setpoint and a measurement. The proportional term reacts to the present error. The integral term removes steady-state error. The derivative term damps oscillation. Tuning the gains trades speed against overshoot.",
  ),
  hit(
    2,
    "Control",
    "Applications",
    "In warehouse logistics robots, PID loops hold the speed of each wheel. In surgical robots the same loops position instruments within a fraction of a millimetre.",
  ),
];

describe("extractiveAnswer", () => {
  it("answers with the most relevant sentences and cites them", () => {
    const a = extractiveAnswer({ message: "What does the integral term of a PID controller do?", hits });
    expect(a).toMatch(/integral term removes steady-state error/);
    expect(a).toMatch(/\[1\]/);
    for (const m of a.matchAll(/\[(\d+)\]/g)) expect(Number(m[1])).toBeLessThanOrEqual(2);
  });

  it("gives a beginner more context than an expert", () => {
    const q = { message: "What does the integral term of a PID controller do?", hits };
    const beginner = extractiveAnswer({
      ...q,
      profile: { softwareBackground: "Beginner", hardwareBackground: null, interestArea: null },
    });
    const expert = extractiveAnswer({
      ...q,
      profile: { softwareBackground: "Advanced", hardwareBackground: "Advanced", interestArea: null },
    });
    expect(beginner.length).toBeGreaterThan(expert.length);
    expect(beginner).toMatch(/basic idea/);
    expect(expert.split(/(?<=[.!?])\s/).length).toBeLessThanOrEqual(3);
  });

  it("adds an example from the reader's interest area when a source has one", () => {
    const a = extractiveAnswer({
      message: "What does the integral term of a PID controller do?",
      hits,
      profile: {
        softwareBackground: "Advanced",
        hardwareBackground: "Advanced",
        interestArea: "surgical robots",
      },
    });
    expect(a).toMatch(/Related to your interest in surgical robots: In surgical robots .* \[2\]/);
  });

  it("answers about a highlighted passage first", () => {
    const a = extractiveAnswer({
      message: "What does this mean?",
      hits,
      selectedText: "The derivative term damps oscillation.",
    });
    expect(a).toMatch(/^About the passage you selected: The derivative term damps oscillation\./);
  });
});

describe("depthFor", () => {
  it("is beginner if any background is, advanced only if all stated ones are, else neutral", () => {
    expect(depthFor(null)).toBe("neutral");
    expect(
      depthFor({ softwareBackground: "Advanced", hardwareBackground: "Beginner", interestArea: null }),
    ).toBe("beginner");
    expect(depthFor({ softwareBackground: "Advanced", hardwareBackground: null, interestArea: null })).toBe(
      "advanced",
    );
    expect(
      depthFor({ softwareBackground: "Advanced", hardwareBackground: "Intermediate", interestArea: null }),
    ).toBe("neutral");
  });
});
