// Tests of citation linking: [n] markers become links to their sources, nothing else changes.
import type { Source } from "@ai-book/contracts";
import { describe, expect, it } from "vitest";
import { linkCitations, sourceLabel, toLocalPath } from "./citations.ts";

const make = (n: number): Source => ({
  id: `c${n}`,
  title: `Doc ${n}`,
  heading: `Doc ${n} > Part ${n}`,
  url: `http://localhost:3000/docs/doc-${n}#part-${n}`,
  path: `doc-${n}.md`,
  score: 1,
  snippet: "",
});
const sources = [make(1), make(2)];

describe("linkCitations", () => {
  it("links single, listed and adjacent citations", () => {
    expect(linkCitations("A [1], B [1, 2] and C [2][1].", sources)).toBe(
      'A [[1]](<http://localhost:3000/docs/doc-1#part-1> "Source 1: Doc 1 › Part 1"), ' +
        'B [[1]](<http://localhost:3000/docs/doc-1#part-1> "Source 1: Doc 1 › Part 1")' +
        '[[2]](<http://localhost:3000/docs/doc-2#part-2> "Source 2: Doc 2 › Part 2") and ' +
        'C [[2]](<http://localhost:3000/docs/doc-2#part-2> "Source 2: Doc 2 › Part 2")' +
        '[[1]](<http://localhost:3000/docs/doc-1#part-1> "Source 1: Doc 1 › Part 1").',
    );
  });

  it("leaves unknown numbers, existing links, code and a partial marker alone", () => {
    const text = "See [3], [x](http://e.test), `a[1]` and\n```\nv[1]\n```\nthen [1";
    expect(linkCitations(text, sources)).toBe(text);
    expect(linkCitations("plain [1]", [])).toBe("plain [1]");
  });
});

describe("sourceLabel and toLocalPath", () => {
  it("names the section after the document", () => {
    expect(sourceLabel(make(1))).toBe("Doc 1 › Part 1");
    expect(sourceLabel({ ...make(1), heading: "" })).toBe("Doc 1");
  });

  it("turns same-origin URLs into route paths and leaves others", () => {
    expect(toLocalPath("http://localhost:3000/docs/a#b", "http://localhost:3000")).toBe("/docs/a#b");
    expect(toLocalPath("https://elsewhere.test/docs/a", "http://localhost:3000")).toBeUndefined();
  });
});
