// The api-service's own tables (one schema for SQLite and PostgreSQL): Kysely's view of them.
import type { Generated } from "kysely";

/** Timestamps are ISO-8601 UTC strings (fixed width, so they sort and compare as text in both dialects). */
export interface ConversationsTable {
  id: string;
  user_id: string;
  title: string;
  created_at: string;
  updated_at: string;
}

export interface TurnsTable {
  /** The answer id. */
  id: string;
  conversation_id: string;
  user_id: string;
  question: string;
  selected_text: string | null;
  answer: string;
  /** JSON array of the answer's sources (contracts' Source). */
  sources: string;
  mode: string;
  /** 0 / 1: SQLite has no boolean. */
  grounded: number;
  processing_time_ms: number;
  top_coverage: number;
  software_background: string | null;
  hardware_background: string | null;
  created_at: string;
}

/** One row per cited source of a turn, so insights can count per chapter and section in SQL. */
export interface TurnSourcesTable {
  turn_id: string;
  rank: number;
  path: string;
  title: string;
  heading: string;
  url: string;
}

export interface FeedbackTable {
  turn_id: string;
  user_id: string;
  rating: string;
  reason: string | null;
  comment: string | null;
  created_at: string;
  updated_at: string;
}

/** A made chapter variant (issue 15); `sections` is the JSON array of contracts' VariantSection. */
export interface ChapterVariantsTable {
  doc_id: string;
  content_hash: string;
  /** Hash of the profile bucket or the language (no reader's text). */
  audience: string;
  model: string;
  prompt_version: string;
  kind: string;
  language: string | null;
  sections: string;
  created_at: string;
}

/** New variants each reader had per UTC day (YYYY-MM-DD), for VARIANT_DAILY_LIMIT. */
export interface ChapterVariantQuotaTable {
  user_id: string;
  day: string;
  count: number;
}

export interface Database {
  conversations: ConversationsTable;
  turns: TurnsTable;
  turn_sources: TurnSourcesTable;
  feedback: FeedbackTable;
  chapter_variants: ChapterVariantsTable;
  chapter_variant_quota: ChapterVariantQuotaTable;
  kysely_migration: { name: string; timestamp: string; id?: Generated<number> };
}
