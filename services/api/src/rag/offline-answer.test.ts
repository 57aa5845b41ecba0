// The offline answer on a synthetic page ingested for real (MDX → chunks → SQLite → prepare → extractive answer):
// nothing from its quiz, exercise, "check your understanding" or learning-objective parts is ever quoted.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../adapters/vector/sqlite.ts";
import { syncDocs } from "../ingest/sync.ts";
import { answer, prepare } from "./pipeline.ts";

const PAGE = `---
title: Balance in walking
---

# Balance in walking

## Learning objectives

- Explain why the centre of mass must stay over the support polygon in a slow walk.
- Describe how the zero moment point is used to plan footsteps.

## Static and dynamic balance

A slow walk is statically stable: the centre of mass stays over the support polygon at every instant.
A fast walk is dynamically stable: the centre of mass leaves the support polygon between steps, and balance comes
from placing the next foot where the momentum carries the body.
The zero moment point is the point on the ground where the moments of the ground reaction force vanish.

## Check your understanding

1. Why does the centre of mass leave the support polygon in a fast walk?
2. Where must the zero moment point stay for the feet to remain flat on the ground?

<Quiz
  question="Which walk keeps the centre of mass over the support polygon at every instant?"
  options={["The statically stable slow walk", "The dynamically stable fast walk"]}
  answer={0}
/>

## Exercises

Walk fast on a treadmill and note where your centre of mass sits over the support polygon.
`;

/** Sentences of the page's asking parts (objectives, questions, quiz props, exercises). */
const ASKING = [
  "Explain why the centre of mass must stay over the support polygon in a slow walk",
  "Describe how the zero moment point is used to plan footsteps",
  "Why does the centre of mass leave the support polygon in a fast walk",
  "Where must the zero moment point stay",
  "Which walk keeps the centre of mass",
  "The statically stable slow walk",
  "The dynamically stable fast walk",
  "Walk fast on a treadmill",
];

describe("offline answers on a synthetic page", () => {
  it("quote the explanation, cite it, and never a quiz, exercise, review question or learning objective", async () => {
    const dir = tempDir("offline-answer-");
    const store = openSqliteStore({ path: ":memory:" });
    try {
      const docs = join(dir.path, "docs");
      mkdirSync(docs, { recursive: true });
      writeFileSync(join(docs, "balance.mdx"), PAGE);
      const summary = await syncDocs({ docsDir: docs, store });
      expect(summary.failed).toEqual([]);
      const rag = { store, bookBaseUrl: "http://book.invalid", topK: 5 };
      const beginner = {
        softwareBackground: "Beginner" as const,
        hardwareBackground: null,
        interestArea: "walking",
      };
      for (const message of [
        "Why does the centre of mass leave the support polygon in a fast walk?",
        "Which walk keeps the centre of mass over the support polygon at every instant?",
        "Explain in 2-3 sentences what the zero moment point is.",
      ]) {
        for (const profile of [null, beginner]) {
          const prepared = await prepare(rag, { message, profile });
          expect(prepared.grounded, message).toBe(true);
          const { response } = await answer(rag, prepared);
          // Every quoted sentence cites the explaining section; an asking section ranked above it is only named
          // by its page's title ("The book covers this in ...").
          const quoted = response.replace(/The book covers this in "Balance in walking" \[\d+\]\./, "");
          const cited = [...quoted.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
          expect(cited.length, message).toBeGreaterThan(0);
          for (const n of cited)
            expect(prepared.hits[n - 1]?.chunk.headingPath, message).toEqual(["Static and dynamic balance"]);
          for (const line of ASKING) expect(response, `${message}: ${line}`).not.toContain(line);
          expect(response, message).not.toMatch(/\?/);
        }
      }
      const { response } = await answer(
        rag,
        await prepare(rag, {
          message: "Why does the centre of mass leave the support polygon in a fast walk?",
        }),
      );
      expect(response).toContain("the centre of mass leaves the support polygon between steps");

      // Close but not covered: one pointer per page, an asking part named by its page, nothing quoted.
      writeFileSync(
        join(docs, "gears.md"),
        "# Gears\n\n## Ratios\n\nA gearbox trades speed for torque through its ratio, so a fast motor can walk a heavy leg.\n",
      );
      await syncDocs({ docsDir: docs, store });
      const near = await prepare(rag, {
        message: "How do ice skaters keep their balance when spinning fast on one foot?",
      });
      expect(near.grounded).toBe(false);
      expect(near.hits.map((h) => [h.n, h.chunk.docId])).toEqual([
        [1, "balance.mdx"],
        [2, "gears.md"],
      ]);
      const pointers = (await answer(rag, near)).response;
      expect(pointers).toMatch(
        /^I could not find a direct answer to this in the book\. The closest it comes is /,
      );
      expect(pointers).toContain('"Balance in walking" [1] and "Gears › Ratios" [2]');
      for (const line of ASKING) expect(pointers).not.toContain(line);
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});
