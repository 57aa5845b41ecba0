// The chapter variants' store over Kysely: kept variants and daily counts, the same queries on SQLite and PostgreSQL.
import type { VariantSection } from "@ai-book/contracts";
import { sql } from "kysely";
import type { StoredVariant, VariantKey, VariantStore } from "../chapters/ports.ts";
import type { AppDatabase } from "./db.ts";

/** Daily counts older than this many days are removed (they only ever matter for today). */
const QUOTA_KEEP_DAYS = 2;

export function createVariantStore(database: AppDatabase): VariantStore {
  const { db } = database;
  const byKey = (key: VariantKey) =>
    db
      .selectFrom("chapter_variants")
      .where("doc_id", "=", key.docId)
      .where("content_hash", "=", key.contentHash)
      .where("audience", "=", key.audience)
      .where("model", "=", key.model)
      .where("prompt_version", "=", key.promptVersion);
  return {
    async get(key) {
      const row = await byKey(key).select(["kind", "language", "sections"]).executeTakeFirst();
      if (!row) return null;
      return {
        kind: row.kind as StoredVariant["kind"],
        language: row.language,
        sections: JSON.parse(row.sections) as VariantSection[],
      };
    },

    async put(key, variant) {
      await db
        .insertInto("chapter_variants")
        .values({
          doc_id: key.docId,
          content_hash: key.contentHash,
          audience: key.audience,
          model: key.model,
          prompt_version: key.promptVersion,
          kind: variant.kind,
          language: variant.language,
          sections: JSON.stringify(variant.sections),
          created_at: new Date().toISOString(),
        })
        // Two readers of one bucket who both missed the cache made the same variant: the first one kept stays.
        .onConflict((oc) =>
          oc.columns(["doc_id", "content_hash", "audience", "model", "prompt_version"]).doNothing(),
        )
        .execute();
    },

    async dropStale(docId, contentHash) {
      const res = await db
        .deleteFrom("chapter_variants")
        .where("doc_id", "=", docId)
        .where("content_hash", "!=", contentHash)
        .executeTakeFirst();
      return Number(res.numDeletedRows ?? 0);
    },

    async takeQuota(userId, day, limit) {
      // One statement: the count goes up only while under the limit, so concurrent requests cannot pass it.
      const row = await db
        .insertInto("chapter_variant_quota")
        .values({ user_id: userId, day, count: 1 })
        .onConflict((oc) =>
          oc
            .columns(["user_id", "day"])
            .doUpdateSet({ count: sql`chapter_variant_quota.count + 1` })
            .where("chapter_variant_quota.count", "<", limit),
        )
        .returning("count")
        .executeTakeFirst();
      if (row && Number(row.count) === 1) {
        // A reader's first new variant of the day: a good moment to forget old days (a cheap indexed delete).
        const cutoff = new Date(Date.parse(`${day}T00:00:00Z`) - QUOTA_KEEP_DAYS * 86_400_000)
          .toISOString()
          .slice(0, 10);
        await db.deleteFrom("chapter_variant_quota").where("day", "<", cutoff).execute();
      }
      return row !== undefined && Number(row.count) <= limit;
    },

    async returnQuota(userId, day) {
      await db
        .updateTable("chapter_variant_quota")
        .set({ count: sql`count - 1` })
        .where("user_id", "=", userId)
        .where("day", "=", day)
        .where("count", ">", 0)
        .execute();
    },
  };
}
