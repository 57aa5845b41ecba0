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

describe("what an offline answer never quotes", () => {
  const balance = [
    hit(
      1,
      "Walking",
      "Learning objectives",
      "Explain why the centre of mass must stay over the support polygon when a humanoid walks slowly.",
    ),
    hit(
      2,
      "Walking",
      "Dynamic balance",
      [
        "Why can a humanoid not keep its centre of mass over its feet when walking fast?",
        "At speed the centre of mass moves ahead of the feet between steps, so balance comes from placing the next foot where the momentum will carry the body.",
        "The zero moment point must stay inside the support polygon for the feet to stay flat.",
        "Check your understanding",
        "- Why is the centre of mass outside the feet during a fast walk?",
        "- What keeps the zero moment point inside the support polygon when walking fast?",
      ].join("\n"),
    ),
    hit(
      3,
      "Walking",
      "Exercises",
      "Walk fast on a treadmill and watch where your centre of mass is over your feet; write down what you notice.",
    ),
  ];

  it("leaves out questions, exercise and quiz lists, and learning objectives, and cites what it keeps", () => {
    const message = "Why can a humanoid not keep its centre of mass over its feet when walking fast?";
    const beginner = {
      softwareBackground: "Beginner" as const,
      hardwareBackground: null,
      interestArea: null,
    };
    for (const profile of [null, beginner]) {
      const text = extractiveAnswer({ message, hits: balance, profile });
      expect(text).toContain("At speed the centre of mass moves ahead of the feet between steps");
      expect(text).not.toMatch(/\?/);
      expect(text).not.toMatch(/Explain why|treadmill|Check your understanding/);
      expect(text).toMatch(/\[2\]/);
      expect(text).not.toMatch(/\[3\]/);
      // The first-ranked section only asks: its page is named (where retrieval found the answer), not quoted.
      expect(text).toContain('The book covers this in "Walking" [1].');
      expect(text.match(/\[1\]/g)).toHaveLength(1);
    }
  });
});
