// Chapter variants on books we have never seen: every corpus of ../shared/corpus through a temporary index (their
// text stays outside the repository): every doc keeps its sections, placeholders round-trip, the study guide links.
import { existsSync } from "node:fs";
import { skipUnlessPresent } from "@ai-book/testkit";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../adapters/vector/sqlite.ts";
import { DEFAULT_CORPORA, readCorpora } from "../cli/eval-corpora.ts";
import { syncDocs } from "../ingest/sync.ts";
import type { DocumentSource } from "../rag/ports.ts";
import { originalMarkdown, placeholderProblem, protect, restore, structureProblem } from "./markdown.ts";
import { buildStudyGuide } from "./study-guide.ts";

const present = existsSync(DEFAULT_CORPORA);
const skip =
  !present && skipUnlessPresent(`${DEFAULT_CORPORA} is missing: skipping chapter variants on unseen books`);

async function indexed(docsDir: string): Promise<DocumentSource[]> {
  const store = openSqliteStore({ path: ":memory:" });
  try {
    await syncDocs({ docsDir, store });
    return await store.documentSources();
  } finally {
    await store.close();
  }
}

describe.skipIf(skip)("chapter variants on unseen books (../shared/corpus, temporary indexes)", () => {
  // Two books of different dialects, to bound the time: a Docusaurus book and a Hugging Face course (their own MDX).
  const all = present ? readCorpora(DEFAULT_CORPORA) : [];
  const corpora = ["mohsinraza-physical-ai-textbook", "huggingface-deep-rl-class"].flatMap((name) =>
    all.filter((c) => c.name === name),
  );

  for (const corpus of corpora) {
    it(`${corpus.name}: every doc rebuilds section by section and its study guide links into the book`, async () => {
      const book = await indexed(corpus.docsDir);
      expect(book.length).toBeGreaterThan(10);
      const anchors = new Map(book.map((d) => [d.route, new Set(d.sections.map((s) => s.anchor))]));
      let prerequisites = 0;
      let keyTerms = 0;
      for (const doc of book) {
        expect(doc.sections.length, doc.docId).toBeGreaterThan(0);
        for (const section of doc.sections) {
          const shape = { anchor: section.anchor, depth: section.depth, mdx: doc.mdx };
          // A model that gives the placeholders back as it got them: the section comes back byte for byte.
          const guarded = protect(section.markdown, shape, { translateHeading: true });
          expect(placeholderProblem(guarded.text, guarded), `${doc.docId}#${section.anchor}`).toBeNull();
          const original = originalMarkdown(section.markdown, shape);
          const back = restore(guarded.text, guarded);
          expect(back, `${doc.docId}#${section.anchor}`).toBe(original);
          expect(structureProblem(original, back, shape, { sameHeadingText: true })).toBeNull();
        }
        const { guide } = buildStudyGuide(
          doc,
          book,
          { softwareBackground: "Beginner", hardwareBackground: null, interestArea: null },
          "https://book.test",
        );
        prerequisites += guide.prerequisites.length;
        keyTerms += guide.keyTerms.length;
        for (const item of [...guide.prerequisites, ...guide.keyTerms, ...guide.questions]) {
          const [page, anchor] = item.url.slice("https://book.test".length).split("#");
          expect(anchors.get(page ?? "")?.has(anchor ?? ""), `${doc.docId}: ${item.url}`).toBe(true);
        }
      }
      // A book that defines its terms in bold gets prerequisites and key terms from its own pages.
      expect(prerequisites + keyTerms, corpus.name).toBeGreaterThan(0);
    }, 180_000);
  }
});
