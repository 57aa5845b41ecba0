// Offline follow-up suggestions: the chapter's own review questions first, then its other sections' headings.
import { describe, expect, it } from "vitest";
import { suggestFollowUps } from "./follow-ups.ts";
import type { Chunk } from "./ports.ts";
import type { Retrieved } from "./retrieve.ts";

const chunk = (id: string, headingPath: string[], text = "Some text."): Chunk => ({
  id,
  docId: "walking.md",
  path: "walking.md",
  title: "Walking",
  headingPath,
  route: `/docs/walking#${id}`,
  text,
  ordinal: 0,
  tokens: 10,
});
const hit = (c: Chunk): Retrieved => ({
  n: 1,
  chunk: c,
  score: 1,
  legs: ["lexical"],
  coverage: 1,
  stems: new Set(),
});

describe("suggestFollowUps", () => {
  const top = chunk("zmp", ["Balance", "Zero moment point"]);
  const review = chunk(
    "review",
    ["Review questions"],
    "1. Why must the ZMP stay inside the support polygon?\n2. What does the inverted pendulum model simplify?\n- What is the zero moment point?",
  );
  const gait = chunk("gait", ["Gait generation"]);

  it("puts the book's review questions first, skips the one just asked, and stops at three", () => {
    const out = suggestFollowUps("What is the zero moment point?", [hit(top)], [review, gait, top]);
    expect(out).toEqual([
      "Why must the ZMP stay inside the support polygon?",
      "What does the inverted pendulum model simplify?",
      "Tell me more about Gait generation (Walking)",
    ]);
  });

  it("offers the neighbouring sections, and the parent topic when there is little else", () => {
    expect(suggestFollowUps("Explain ZMP", [hit(top)], [gait])).toEqual([
      "Tell me more about Gait generation (Walking)",
      "How does Zero moment point fit into Balance?",
    ]);
  });

  it("suggests nothing without sections", () => {
    expect(suggestFollowUps("What is sourdough?", [], [])).toEqual([]);
  });
});

describe("createSiblingFinder (real SQLite index)", () => {
  it("finds the other sections of the best section's document once, then remembers them", async () => {
    const { tempDir } = await import("@ai-book/testkit");
    const { openSqliteStore } = await import("../adapters/vector/sqlite.ts");
    const { FIXTURE_CHUNKS, writeFixtureIndex } = await import("../../test/harness.ts");
    const { createSiblingFinder } = await import("./follow-ups.ts");
    const dir = tempDir();
    try {
      const path = `${dir.path}/index.sqlite`;
      await writeFixtureIndex(path);
      const store = openSqliteStore({ path });
      let searches = 0;
      const counting = {
        search: (q: Parameters<typeof store.search>[0]) => {
          searches++;
          return store.search(q);
        },
      };
      const find = createSiblingFinder(counting);
      const zmp = FIXTURE_CHUNKS.find((c) => c.headingPath[0] === "Zero moment point") as Chunk;
      const first = await find([hit(zmp)]);
      expect(first.map((c) => c.headingPath.at(-1)).sort()).toEqual(["Gait generation", "Zero moment point"]);
      expect(first.every((c) => c.docId === zmp.docId)).toBe(true);
      expect(await find([hit(zmp)])).toEqual(first);
      expect(searches).toBe(1);
      expect(await find([])).toEqual([]);
      // With the store's own listing (SQLite has one): the whole document, in reading order, without a search.
      const listed = await createSiblingFinder(store)([hit(zmp)]);
      expect(listed.map((c) => c.headingPath.at(-1))).toEqual(["Zero moment point", "Gait generation"]);
      await store.close();
    } finally {
      dir.cleanup();
    }
  });
});
