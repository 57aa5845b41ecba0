// The reader-state ports (conversations, feedback, insights) over Kysely: the same queries on SQLite and PostgreSQL.
import type {
  AnswerMode,
  BackgroundLevel,
  Feedback,
  FeedbackReason,
  Rating,
  Source,
} from "@ai-book/contracts";
import type { Kysely, Transaction } from "kysely";
import type { FeedbackRow, HistoryStore, RecordOutcome, TurnRecord } from "../history/ports.ts";
import type { AppDatabase } from "./db.ts";
import { lookUp } from "./key-lookup.ts";
import type { Database, FeedbackTable } from "./schema.ts";

/** PostgreSQL returns count(*) as a string (bigint); SQLite as a number. */
const num = (v: unknown): number => Number(v ?? 0);

function toFeedback(
  row: Pick<FeedbackTable, "turn_id" | "rating" | "reason" | "comment" | "updated_at">,
): Feedback {
  return {
    answerId: row.turn_id,
    rating: row.rating as Rating,
    reason: (row.reason as FeedbackReason | null) ?? null,
    comment: row.comment,
    updatedAt: row.updated_at,
  };
}

/** Deletes the turns of these conversations with their sources and feedback (no foreign keys: both dialects alike). */
async function deleteTurnsOf(trx: Transaction<Database>, conversationIds: string[]): Promise<void> {
  if (conversationIds.length === 0) return;
  const turns = trx.selectFrom("turns").select("id").where("conversation_id", "in", conversationIds);
  await trx.deleteFrom("feedback").where("turn_id", "in", turns).execute();
  await trx.deleteFrom("turn_sources").where("turn_id", "in", turns).execute();
  await trx.deleteFrom("turns").where("conversation_id", "in", conversationIds).execute();
}

/** Removes conversations (and everything hanging from them) in batches that keep the statement size bounded. */
async function deleteConversations(trx: Transaction<Database>, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    await deleteTurnsOf(trx, batch);
    await trx.deleteFrom("conversations").where("id", "in", batch).execute();
  }
}

/** One turn inside a transaction: the conversation is created if new and must be the reader's. */
async function writeTurn(
  trx: Transaction<Database>,
  turn: TurnRecord,
  title: string,
): Promise<RecordOutcome> {
  const at = turn.createdAt.toISOString();
  await trx
    .insertInto("conversations")
    .values({ id: turn.conversationId, user_id: turn.userId, title, created_at: at, updated_at: at })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const updated = await trx
    .updateTable("conversations")
    .set({ updated_at: at })
    .where("id", "=", turn.conversationId)
    .where("user_id", "=", turn.userId)
    .executeTakeFirst();
  if (num(updated.numUpdatedRows) === 0) return "not_owner";
  await trx
    .insertInto("turns")
    .values({
      id: turn.answerId,
      conversation_id: turn.conversationId,
      user_id: turn.userId,
      question: turn.question,
      selected_text: turn.selectedText,
      answer: turn.answer,
      sources: JSON.stringify(turn.sources),
      mode: turn.mode,
      grounded: turn.grounded ? 1 : 0,
      processing_time_ms: turn.processingTimeMs,
      top_coverage: turn.topCoverage,
      software_background: turn.softwareBackground,
      hardware_background: turn.hardwareBackground,
      created_at: at,
    })
    .execute();
  if (turn.sources.length > 0)
    await trx
      .insertInto("turn_sources")
      .values(
        turn.sources.map((s, rank) => ({
          turn_id: turn.answerId,
          rank,
          path: s.path,
          title: s.title,
          heading: s.heading,
          url: s.url,
        })),
      )
      .execute();
  return "recorded";
}

export function createHistoryStore(database: AppDatabase): HistoryStore {
  const db: Kysely<Database> = database.db;

  return {
    ownerOf(conversationId) {
      return lookUp(db, "conversations", "user_id", { id: conversationId });
    },

    recordTurn(turn: TurnRecord, title: string): Promise<RecordOutcome> {
      return db.transaction().execute((trx) => writeTurn(trx, turn, title));
    },

    recordTurns(items) {
      // One transaction for a batch: one commit instead of one per turn.
      return db.transaction().execute(async (trx) => {
        const out: RecordOutcome[] = [];
        for (const { turn, title } of items) out.push(await writeTurn(trx, turn, title));
        return out;
      });
    },

    async list(userId, page) {
      let q = db
        .selectFrom("conversations as c")
        .select((eb) => [
          "c.id",
          "c.title",
          "c.created_at",
          "c.updated_at",
          eb
            .selectFrom("turns as t")
            .select((e) => e.fn.countAll().as("n"))
            .whereRef("t.conversation_id", "=", "c.id")
            .as("turns"),
        ])
        .where("c.user_id", "=", userId)
        .orderBy("c.updated_at", "desc")
        .orderBy("c.id", "desc")
        .limit(page.limit);
      if (page.before) q = q.where("c.updated_at", "<", page.before);
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        turns: num(r.turns),
      }));
    },

    async get(userId, conversationId) {
      const conv = await db
        .selectFrom("conversations")
        .selectAll()
        .where("id", "=", conversationId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      if (!conv) return undefined;
      const turns = await db
        .selectFrom("turns as t")
        .leftJoin("feedback as f", (j) =>
          j.onRef("f.turn_id", "=", "t.id").onRef("f.user_id", "=", "t.user_id"),
        )
        .select([
          "t.id",
          "t.question",
          "t.selected_text",
          "t.answer",
          "t.sources",
          "t.mode",
          "t.grounded",
          "t.processing_time_ms",
          "t.created_at",
          "f.turn_id as f_turn_id",
          "f.rating as f_rating",
          "f.reason as f_reason",
          "f.comment as f_comment",
          "f.updated_at as f_updated_at",
        ])
        .where("t.conversation_id", "=", conversationId)
        .orderBy("t.created_at", "asc")
        .orderBy("t.id", "asc")
        .execute();
      return {
        id: conv.id,
        title: conv.title,
        createdAt: conv.created_at,
        updatedAt: conv.updated_at,
        turns: turns.length,
        messages: turns.map((t) => ({
          answerId: t.id,
          question: t.question,
          selectedText: t.selected_text,
          answer: t.answer,
          sources: JSON.parse(t.sources) as Source[],
          mode: t.mode as AnswerMode,
          grounded: num(t.grounded) === 1,
          processingTimeMs: num(t.processing_time_ms),
          createdAt: t.created_at,
          feedback:
            t.f_turn_id && t.f_rating && t.f_updated_at
              ? toFeedback({
                  turn_id: t.f_turn_id,
                  rating: t.f_rating,
                  reason: t.f_reason,
                  comment: t.f_comment,
                  updated_at: t.f_updated_at,
                })
              : null,
        })),
      };
    },

    async rename(userId, conversationId, title) {
      const r = await db
        .updateTable("conversations")
        .set({ title })
        .where("id", "=", conversationId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return num(r.numUpdatedRows) > 0;
    },

    async delete(userId, conversationId) {
      return db.transaction().execute(async (trx) => {
        const owned = await lookUp(trx, "conversations", "id", { id: conversationId, user_id: userId });
        if (!owned) return false;
        await deleteConversations(trx, [conversationId]);
        return true;
      });
    },

    async deleteAll(userId) {
      return db.transaction().execute(async (trx) => {
        const ids = (
          await trx.selectFrom("conversations").select("id").where("user_id", "=", userId).execute()
        ).map((r) => r.id);
        await deleteConversations(trx, ids);
        // Feedback the reader gave is theirs too, even on a turn that is somehow orphaned.
        await trx.deleteFrom("feedback").where("user_id", "=", userId).execute();
        return ids.length;
      });
    },

    async pruneBefore(cutoff) {
      return db.transaction().execute(async (trx) => {
        const ids = (
          await trx
            .selectFrom("conversations")
            .select("id")
            .where("updated_at", "<", cutoff.toISOString())
            .execute()
        ).map((r) => r.id);
        await deleteConversations(trx, ids);
        return ids.length;
      });
    },

    async put(userId, answerId, input, now) {
      const owned = await lookUp(db, "turns", "id", { id: answerId, user_id: userId });
      if (!owned) return undefined;
      const at = now.toISOString();
      const values = {
        rating: input.rating,
        reason: input.reason ?? null,
        comment: input.comment ? input.comment : null,
        updated_at: at,
      };
      await db
        .insertInto("feedback")
        .values({ turn_id: answerId, user_id: userId, created_at: at, ...values })
        .onConflict((oc) => oc.columns(["turn_id", "user_id"]).doUpdateSet(values))
        .execute();
      return toFeedback({ turn_id: answerId, ...values });
    },

    async summary(since) {
      const from = since.toISOString();
      const totals = await db
        .selectFrom("turns")
        .select((eb) => [
          eb.fn.countAll().as("questions"),
          eb.fn.count("conversation_id").distinct().as("conversations"),
          eb.fn.count("user_id").distinct().as("readers"),
          eb.fn.sum(eb.case().when("grounded", "=", 0).then(1).else(0).end()).as("ungrounded"),
        ])
        .where("created_at", ">=", from)
        .executeTakeFirstOrThrow();
      const ratings = await db
        .selectFrom("feedback")
        .select((eb) => ["rating", eb.fn.countAll().as("n")])
        .where("updated_at", ">=", from)
        .groupBy("rating")
        .execute();
      const volume = await db
        .selectFrom("turns")
        .select((eb) => [
          eb.fn<string>("substr", [eb.ref("created_at"), eb.lit(1), eb.lit(10)]).as("day"),
          eb.fn.countAll().as("n"),
        ])
        .where("created_at", ">=", from)
        .groupBy("day")
        .orderBy("day")
        .execute();
      const chapters = await db
        .selectFrom("turn_sources as s")
        .innerJoin("turns as t", "t.id", "s.turn_id")
        .select((eb) => ["s.path", "s.title", eb.fn.count("s.turn_id").distinct().as("n")])
        .where("t.created_at", ">=", from)
        .groupBy(["s.path", "s.title"])
        .orderBy("n", "desc")
        .orderBy("s.path")
        .execute();
      const sections = await db
        .selectFrom("turn_sources as s")
        .innerJoin("turns as t", "t.id", "s.turn_id")
        .select((eb) => ["s.url", "s.title", "s.heading", eb.fn.count("s.turn_id").distinct().as("n")])
        .where("t.created_at", ">=", from)
        .groupBy(["s.url", "s.title", "s.heading"])
        .orderBy("n", "desc")
        .orderBy("s.url")
        .execute();
      const backgrounds = await db
        .selectFrom("turns")
        .select((eb) => ["software_background", "hardware_background", eb.fn.countAll().as("n")])
        .where("created_at", ">=", from)
        .groupBy(["software_background", "hardware_background"])
        .orderBy("n", "desc")
        .execute();
      return {
        totals: {
          questions: num(totals.questions),
          conversations: num(totals.conversations),
          readers: num(totals.readers),
          ungrounded: num(totals.ungrounded),
          thumbsUp: num(ratings.find((r) => r.rating === "up")?.n),
          thumbsDown: num(ratings.find((r) => r.rating === "down")?.n),
        },
        volume: volume.map((v) => ({ day: v.day, questions: num(v.n) })),
        chapters: chapters.map((c) => ({ chapter: c.title, path: c.path, questions: num(c.n) })),
        sections: sections.map((s) => ({
          chapter: s.title,
          heading: s.heading,
          url: s.url,
          questions: num(s.n),
        })),
        backgrounds: backgrounds.map((b) => ({
          softwareBackground: b.software_background as BackgroundLevel | null,
          hardwareBackground: b.hardware_background as BackgroundLevel | null,
          questions: num(b.n),
        })),
      };
    },

    async gapCandidates(since, weakCoverage) {
      const from = since.toISOString();
      const notInBook = db
        .selectFrom("feedback")
        .select("turn_id")
        .where("rating", "=", "down")
        .where("reason", "=", "not_in_book");
      const rows = await db
        .selectFrom("turns")
        .select(["question", "user_id"])
        .where("created_at", ">=", from)
        .where((eb) =>
          eb.or([eb("grounded", "=", 0), eb("top_coverage", "<", weakCoverage), eb("id", "in", notInBook)]),
        )
        .orderBy("created_at", "desc")
        // The newest 2,000 are the to-do list; clustering them blocks the event loop for about 0.25 s (5,000: 0.4 s,
        // synthetic questions on this 2-core machine), which an author's page load may cost, not every request.
        .limit(2000)
        .execute();
      return rows.map((r) => ({ question: r.question, userId: r.user_id }));
    },

    async feedback(since, filter) {
      const from = since.toISOString();
      const reasons = await db
        .selectFrom("feedback")
        .select((eb) => ["rating", "reason", eb.fn.countAll().as("n")])
        .where("updated_at", ">=", from)
        .groupBy(["rating", "reason"])
        .orderBy("n", "desc")
        .execute();
      let q = db
        .selectFrom("feedback as f")
        .innerJoin("turns as t", "t.id", "f.turn_id")
        .select([
          "f.turn_id",
          "f.rating",
          "f.reason",
          "f.comment",
          "f.updated_at",
          "f.user_id",
          "t.question",
          "t.answer",
          "t.grounded",
        ])
        .where("f.updated_at", ">=", from);
      if (filter.rating) q = q.where("f.rating", "=", filter.rating);
      if (filter.reason) q = q.where("f.reason", "=", filter.reason);
      const rows = await q
        .orderBy((eb) => eb.case().when("f.rating", "=", "down").then(0).else(1).end())
        .orderBy("f.updated_at", "desc")
        .limit(filter.limit)
        .execute();
      const ids = rows.map((r) => r.turn_id);
      const sources =
        ids.length === 0
          ? []
          : await db
              .selectFrom("turn_sources")
              .select(["turn_id", "title", "heading", "url"])
              .where("turn_id", "in", ids)
              .orderBy("turn_id")
              .orderBy("rank")
              .execute();
      const byTurn = new Map<string, FeedbackRow["sources"]>();
      for (const s of sources)
        byTurn.set(s.turn_id, [
          ...(byTurn.get(s.turn_id) ?? []),
          { title: s.title, heading: s.heading, url: s.url },
        ]);
      return {
        reasons: reasons.map((r) => ({ rating: r.rating as Rating, reason: r.reason, count: num(r.n) })),
        items: rows.map((r) => ({
          answerId: r.turn_id,
          rating: r.rating as Rating,
          reason: r.reason as FeedbackReason | null,
          comment: r.comment,
          question: r.question,
          answer: r.answer,
          grounded: num(r.grounded) === 1,
          sources: byTurn.get(r.turn_id) ?? [],
          updatedAt: r.updated_at,
          userId: r.user_id,
        })),
      };
    },

    close: () => database.close(),
  };
}
