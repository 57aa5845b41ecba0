// The api-service's schema migrations, in code, run at start-up on SQLite and PostgreSQL alike (Kysely's Migrator).
import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";

const MIGRATIONS: Record<string, Migration> = {
  "0001_conversations_feedback": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("conversations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("conversations_user_updated")
        .on("conversations")
        .columns(["user_id", "updated_at"])
        .execute();
      await db.schema.createIndex("conversations_updated").on("conversations").column("updated_at").execute();
      await db.schema
        .createTable("turns")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("question", "text", (c) => c.notNull())
        .addColumn("selected_text", "text")
        .addColumn("answer", "text", (c) => c.notNull())
        .addColumn("sources", "text", (c) => c.notNull())
        .addColumn("mode", "text", (c) => c.notNull())
        .addColumn("grounded", "integer", (c) => c.notNull())
        .addColumn("processing_time_ms", "double precision", (c) => c.notNull())
        .addColumn("top_coverage", "double precision", (c) => c.notNull())
        .addColumn("software_background", "text")
        .addColumn("hardware_background", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("turns_conversation")
        .on("turns")
        .columns(["conversation_id", "created_at"])
        .execute();
      await db.schema.createIndex("turns_created").on("turns").column("created_at").execute();
      await db.schema
        .createTable("turn_sources")
        .addColumn("turn_id", "text", (c) => c.notNull())
        .addColumn("rank", "integer", (c) => c.notNull())
        .addColumn("path", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("heading", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("turn_sources_pk", ["turn_id", "rank"])
        .execute();
      await db.schema
        .createTable("feedback")
        .addColumn("turn_id", "text", (c) => c.notNull())
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("rating", "text", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("comment", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        // One per reader per answer: a second PUT replaces the first.
        .addPrimaryKeyConstraint("feedback_pk", ["turn_id", "user_id"])
        .execute();
      await db.schema.createIndex("feedback_updated").on("feedback").column("updated_at").execute();
    },
  },
  // Chapter variants (issue 15): made variants by (doc version, audience, model, prompt), and each reader's daily count.
  "0004_chapter_variants": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("chapter_variants")
        .addColumn("doc_id", "text", (c) => c.notNull())
        .addColumn("content_hash", "text", (c) => c.notNull())
        .addColumn("audience", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("prompt_version", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("language", "text")
        .addColumn("sections", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("chapter_variants_pk", [
          "doc_id",
          "content_hash",
          "audience",
          "model",
          "prompt_version",
        ])
        .execute();
      await db.schema
        .createTable("chapter_variant_quota")
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("day", "text", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("chapter_variant_quota_pk", ["user_id", "day"])
        .execute();
      await db.schema
        .createIndex("chapter_variant_quota_day")
        .on("chapter_variant_quota")
        .column("day")
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** Brings the database to the latest schema; safe when several instances start at once (the Migrator locks). */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${(error as Error).message ?? error}`, {
      cause: error,
    });
  }
}
