// Citation validation, whole and across stream deltas.
import { describe, expect, it } from "vitest";
import { CitationStreamFilter, stripInvalidCitations } from "./citations.ts";

describe("stripInvalidCitations", () => {
  it("keeps citations to listed sources and removes the rest with their leading space", () => {
    expect(stripInvalidCitations("A [1]. B [3]. C [0].", 2)).toBe("A [1]. B. C.");
    expect(stripInvalidCitations("Groups [1, 4, 2] and [5,6].", 2)).toBe("Groups [1, 2] and.");
    expect(stripInvalidCitations("Nothing cited.", 0)).toBe("Nothing cited.");
    expect(stripInvalidCitations("No sources [1].", 0)).toBe("No sources.");
    expect(stripInvalidCitations("Arrays a[i] and [x] stay.", 3)).toBe("Arrays a[i] and [x] stay.");
  });
});

describe("CitationStreamFilter", () => {
  const run = (deltas: string[], count: number) => {
    const f = new CitationStreamFilter(count);
    const out = deltas.map((d) => f.push(d));
    out.push(f.flush());
    return out;
  };

  it("gives the same text as the whole-answer filter, however the deltas are split", () => {
    const text = "Balance needs the ZMP [1] inside the polygon [7]. Gait [2, 9] matters [12].";
    const expected = stripInvalidCitations(text, 2);
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const deltas = text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? [];
      expect(run(deltas, 2).join("")).toBe(expected);
    }
  });

  it("never emits part of an invalid citation", () => {
    const out = run(["see [", "4", "2", "] now"], 3);
    expect(out.some((o) => o.includes("["))).toBe(false);
    expect(out.join("")).toBe("see now");
  });

  it("does not hold text back for long when a bracket is not a citation", () => {
    const f = new CitationStreamFilter(2);
    expect(f.push("x [")).toBe("x");
    expect(f.push("a] y")).toBe(" [a] y");
  });
});
