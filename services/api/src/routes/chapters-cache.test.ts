// The chapter-variant cache on the real store (embedded SQLite, and PostgreSQL when DATABASE_URL is set), with the
// local OpenAI-protocol stub counting every model request: a repeat costs none, a re-ingested doc is made again alone.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chapterVariantSchema } from "@ai-book/contracts";
import { createPgDatabase, type OpenAIStub, requireEnv, startOpenAIStub, tempDir } from "@ai-book/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestDocs, signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { openDatabase } from "../store/db.ts";

const pgBase = requireEnv("DATABASE_URL");

const CHAPTER_A = (version: string) => `---
title: Gears
---

# Gears

A gear train trades speed for torque. This is version ${version} of the chapter.

## Backlash

**Backlash** is the play between meshing teeth. It makes a joint's position uncertain by a small angle.

\`\`\`python
ratio = teeth_out / teeth_in
\`\`\`
`;

const CHAPTER_B = `---
title: Belts
---

# Belts

A timing belt carries motion between pulleys without slipping.

## Tension

Belt tension must be checked after the first hours of running, because new belts stretch.
`;

/** Echoes each prose line with a mark, keeping every placeholder. */
function echo(text: string): string {
  return text
    .split("\n")
    .map((l) => (/\p{L}/u.test(l.replace(/⟦\d+⟧/g, "")) ? `${l} (for you)` : l))
    .join("\n");
}

const variants = [
  { name: "embedded SQLite", env: async () => ({ env: {}, drop: async () => undefined }) },
  ...(pgBase
    ? [
        {
          name: "PostgreSQL",
          env: async () => {
            const db = await createPgDatabase(pgBase);
            return { env: { API_DATABASE_URL: db.url }, drop: db.drop };
          },
        },
      ]
    : []),
];

for (const variant of variants) {
  describe(`chapter variant cache on ${variant.name} (local OpenAI-protocol stub)`, () => {
    let stub: OpenAIStub;
    let api: TestApi;
    let docs: ReturnType<typeof tempDir>;
    let drop: () => Promise<void>;
    let env: Record<string, string>;

    beforeAll(async () => {
      stub = await startOpenAIStub();
      docs = tempDir("ai-book-chapters-");
      writeFileSync(join(docs.path, "gears.md"), CHAPTER_A("one"));
      writeFileSync(join(docs.path, "belts.md"), CHAPTER_B);
      ({ env, drop } = await variant.env());
      api = await startTestApi(
        { ...env, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: stub.baseURL, LLM_MAX_RETRIES: "0" },
        { docsDir: docs.path },
      );
    });
    afterAll(async () => {
      await api?.stop();
      await stub?.close();
      await drop?.();
      docs?.cleanup();
    });
    beforeEach(() => {
      stub.reset();
      stub.setReply((req) =>
        echo(String(req.messages.at(-1)?.content ?? "").replace(/^Section of [^\n]*:\n\n/, "")),
      );
    });

    const personalize = async (doc: string, userId: string) => {
      const token = await signToken({
        userId,
        profile: { softwareBackground: "Beginner", interestArea: "Farming" },
      });
      const res = await api.post("/v1/chapters/personalize", { doc }, token);
      expect(res.status).toBe(200);
      return chapterVariantSchema.parse(await res.json());
    };

    const variantRows = async () => {
      const database = await openDatabase({
        url: env.API_DATABASE_URL,
        sqlitePath: api.config.apiDatabasePath,
      });
      try {
        const { rows } = await sql<{ doc_id: string; n: number | string }>`
          select doc_id, count(*) as n from chapter_variants group by doc_id order by doc_id`.execute(
          database.db,
        );
        return Object.fromEntries(rows.map((r) => [r.doc_id, Number(r.n)]));
      } finally {
        await database.close();
      }
    };

    it("a repeat costs zero LLM calls; re-ingesting one changed doc regenerates that doc alone", async () => {
      const gears = await personalize("/docs/gears", "reader-1");
      const belts = await personalize("/docs/belts", "reader-1");
      expect([gears.cached, belts.cached]).toEqual([false, false]);
      const made = stub.chatRequests().length;
      // Lead and two sections each: one request per section with prose.
      expect(made).toBe(gears.sections.length + belts.sections.length);

      // Another reader with the same profile bucket (interest spelled differently): all from the cache.
      const token = await signToken({
        userId: "reader-2",
        profile: { softwareBackground: "Beginner", interestArea: "  farming " },
      });
      for (const doc of ["/docs/gears", "/docs/belts"]) {
        const again = chapterVariantSchema.parse(
          await (await api.post("/v1/chapters/personalize", { doc }, token)).json(),
        );
        expect(again.cached).toBe(true);
      }
      expect(stub.chatRequests()).toHaveLength(made);
      expect(await variantRows()).toEqual({ "belts.md": 1, "gears.md": 1 });

      // The author changes one chapter and re-ingests.
      writeFileSync(join(docs.path, "gears.md"), CHAPTER_A("two"));
      await ingestDocs(docs.path, api.config.INDEX_PATH);
      const regenerated = await personalize("/docs/gears", "reader-3");
      expect(regenerated.cached).toBe(false);
      expect(regenerated.sections[0]?.markdown).toMatch(/version two of the chapter\. \(for you\)/);
      expect(regenerated.sections.some((s) => s.original)).toBe(false);
      // One regeneration of that doc: one request per section, no retries.
      expect(stub.chatRequests().length - made).toBe(regenerated.sections.length);
      const untouched = await personalize("/docs/belts", "reader-3");
      expect(untouched.cached).toBe(true);
      expect(stub.chatRequests().length - made).toBe(regenerated.sections.length);
      // The old version's variant is gone, the other doc's kept.
      expect(await variantRows()).toEqual({ "belts.md": 1, "gears.md": 1 });
    });
  });
}
