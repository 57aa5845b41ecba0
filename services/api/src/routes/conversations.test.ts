// Conversations, feedback and insights on the real store: embedded SQLite, and PostgreSQL when DATABASE_URL is set.
import {
  chatResponseSchema,
  conversationListSchema,
  conversationSchema,
  errorEnvelopeSchema,
  feedbackSchema,
  insightsFeedbackSchema,
  insightsGapsSchema,
  insightsSummarySchema,
  streamEventSchemas,
} from "@ai-book/contracts";
import {
  createPgDatabase,
  findPgBin,
  type OwnedPostgres,
  requireEnv,
  skipUnlessPresent,
  startPostgres,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse, signToken, startTestApi, type TestApi } from "../../test/harness.ts";
import { openDatabase } from "../store/db.ts";
import { createHistoryStore } from "../store/history-store.ts";

const pgBase = requireEnv("DATABASE_URL");

interface Variant {
  name: string;
  /** Env for every api instance of the variant (they share the database). */
  env: () => Record<string, string>;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

function embedded(): Variant {
  let dir: ReturnType<typeof tempDir> | undefined;
  return {
    name: "embedded SQLite",
    env: () => ({ DATA_DIR: dir?.path ?? "" }),
    setup: async () => {
      dir = tempDir("ai-book-history-");
    },
    teardown: async () => dir?.cleanup(),
  };
}

function postgres(base: string): Variant {
  let db: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
  return {
    name: "PostgreSQL",
    env: () => ({ API_DATABASE_URL: db?.url ?? "" }),
    setup: async () => {
      db = await createPgDatabase(base);
    },
    teardown: async () => db?.drop(),
  };
}

const variants: Variant[] = [embedded(), ...(pgBase ? [postgres(pgBase)] : [])];

async function call(api: TestApi, method: string, path: string, token: string | null, body?: unknown) {
  return fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function ask(api: TestApi, token: string, message: string, conversationId?: string) {
  const res = await api.post("/v1/chat", { message, ...(conversationId ? { conversationId } : {}) }, token);
  expect(res.status).toBe(200);
  const body = chatResponseSchema.parse(await res.json());
  await api.deps.recorder.flush();
  return body;
}

/** Rows of a table in the variant's database (those whose `column` is `value`), counted through a separate connection. */
async function countRows(
  env: Record<string, string>,
  table: string,
  where?: { column: string; value: string },
): Promise<number> {
  const database = await openDatabase({
    url: env.API_DATABASE_URL,
    sqlitePath: `${env.DATA_DIR}/api.sqlite`,
  });
  try {
    const filter = where ? sql` where ${sql.ref(where.column)} = ${where.value}` : sql``;
    const r = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)}${filter}`.execute(database.db);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await database.close();
  }
}

const BASE_ENV = { RATE_LIMIT_PER_MINUTE: "1000", CHAT_RETENTION_DAYS: "0" };

describe.each(variants)("conversations on $name", (variant) => {
  let api: TestApi;
  let second: TestApi;
  let ada: string;
  let bob: string;
  let author: string;
  const env = (): Record<string, string> => ({ ...BASE_ENV, ...variant.env() });

  beforeAll(async () => {
    await variant.setup();
    api = await startTestApi(env());
    ada = await signToken({ userId: "ada", profile: { softwareBackground: "Beginner" } });
    bob = await signToken({ userId: "bob" });
    author = await signToken({ userId: "carol", claims: { role: "author" } });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await second?.stop();
    await variant.teardown();
  });

  it("records each turn after the answer: ids in the JSON body and in the stream's done event", async () => {
    const first = await ask(api, ada, "What is the zero moment point?");
    expect(first.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.answerId).toMatch(/^[0-9a-f-]{36}$/);
    // A follow-up from the same chapter's other section.
    expect(first.suggestions).toContain("Tell me more about Gait generation (Bipedal Locomotion)");

    const res = await api.post(
      "/v1/chat/stream",
      { message: "How is gait generated?", conversationId: first.conversationId },
      ada,
    );
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    const done = streamEventSchemas.done.parse(events.find((e) => e.event === "done")?.data);
    expect(done.conversationId).toBe(first.conversationId);
    expect(done.answerId).not.toBe(first.answerId);
    await api.deps.recorder.flush();

    const list = conversationListSchema.parse(
      await (await call(api, "GET", "/v1/conversations", ada)).json(),
    );
    expect(list.conversations).toHaveLength(1);
    expect(list.conversations[0]).toMatchObject({
      id: first.conversationId,
      title: "What is the zero moment point?",
      turns: 2,
    });

    const conv = conversationSchema.parse(
      await (await call(api, "GET", `/v1/conversations/${first.conversationId}`, ada)).json(),
    );
    expect(conv.messages.map((m) => m.question)).toEqual([
      "What is the zero moment point?",
      "How is gait generated?",
    ]);
    expect(conv.messages[0]?.answerId).toBe(first.answerId);
    expect(conv.messages[0]?.answer).toBe(first.response);
    expect(conv.messages[0]?.sources).toEqual(first.sources);
    expect(conv.messages[0]?.grounded).toBe(true);
    expect(conv.messages[0]?.mode).toBe("extractive");
    // The streamed answer is stored whole: the concatenated deltas.
    const streamed = events
      .filter((e) => e.event === "delta")
      .map((e) => (e.data as { text: string }).text)
      .join("");
    expect(conv.messages[1]?.answer).toBe(streamed);
    expect(conv.messages[1]?.answerId).toBe(done.answerId);
  });

  it("one reader cannot see, change, export, delete or continue another's conversation (404)", async () => {
    const mine = await ask(api, ada, "What does a series elastic actuator do?");
    const path = `/v1/conversations/${mine.conversationId}`;
    for (const [method, p, body] of [
      ["GET", path, undefined],
      ["GET", `${path}/export`, undefined],
      ["PATCH", path, { title: "mine now" }],
      ["DELETE", path, undefined],
    ] as const) {
      const res = await call(api, method, p, bob, body);
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(errorEnvelopeSchema.parse(await res.json()).error.code).toBe("CONVERSATION_NOT_FOUND");
    }
    const hijack = await api.post(
      "/v1/chat",
      { message: "What is PID?", conversationId: mine.conversationId },
      bob,
    );
    expect(hijack.status).toBe(404);
    const stream = await api.post(
      "/v1/chat/stream",
      { message: "What is PID?", conversationId: mine.conversationId },
      bob,
    );
    expect(stream.status).toBe(404);
    expect(
      conversationListSchema.parse(await (await call(api, "GET", "/v1/conversations", bob)).json()),
    ).toEqual({
      conversations: [],
    });
    // Still intact for its owner.
    const conv = conversationSchema.parse(await (await call(api, "GET", path, ada)).json());
    expect(conv.turns).toBe(1);
  });

  it("survives a restart and is seen by a second api instance on the same database", async () => {
    const mine = await ask(api, ada, "How does a PID controller work?");
    await api.stop();
    api = await startTestApi(env());
    second = await startTestApi(env());
    for (const instance of [api, second]) {
      const conv = conversationSchema.parse(
        await (await call(instance, "GET", `/v1/conversations/${mine.conversationId}`, ada)).json(),
      );
      expect(conv.messages[0]?.question).toBe("How does a PID controller work?");
    }
    // A turn written through the second instance continues the same conversation.
    const next = await ask(second, ada, "What does the integral term remove?", mine.conversationId);
    expect(next.conversationId).toBe(mine.conversationId);
    const conv = conversationSchema.parse(
      await (await call(api, "GET", `/v1/conversations/${mine.conversationId}`, ada)).json(),
    );
    expect(conv.turns).toBe(2);

    // Pages, newest first: `before` is the last updatedAt of the previous page.
    const all = conversationListSchema.parse(await (await call(api, "GET", "/v1/conversations", ada)).json());
    expect(all.conversations.length).toBeGreaterThanOrEqual(3);
    expect(all.conversations[0]?.id).toBe(mine.conversationId);
    const page1 = conversationListSchema.parse(
      await (await call(api, "GET", "/v1/conversations?limit=1", ada)).json(),
    );
    expect(page1.conversations.map((c) => c.id)).toEqual([mine.conversationId]);
    const before = encodeURIComponent(page1.conversations[0]?.updatedAt ?? "");
    const page2 = conversationListSchema.parse(
      await (await call(api, "GET", `/v1/conversations?limit=100&before=${before}`, ada)).json(),
    );
    expect(page2.conversations.map((c) => c.id)).toEqual(all.conversations.slice(1).map((c) => c.id));
  }, 60_000);

  it("renames, exports as Markdown, validates ids and titles", async () => {
    const mine = await ask(api, ada, "Where is the IMU placed on a humanoid?");
    const path = `/v1/conversations/${mine.conversationId}`;
    const renamed = await call(api, "PATCH", path, ada, { title: "IMU placement" });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toEqual({ id: mine.conversationId, title: "IMU placement" });

    const md = await call(api, "GET", `${path}/export`, ada);
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toMatch(/^text\/markdown/);
    expect(md.headers.get("content-disposition")).toMatch(/attachment; filename="conversation-/);
    const text = await md.text();
    expect(text).toMatch(/^# IMU placement\n/);
    expect(text).toContain("## Question\n\nWhere is the IMU placed on a humanoid?");
    expect(text).toMatch(/\n1\. \[[^\]]+\]\(http:\/\/book\.test\/docs\/sensors\/imu#placement\)/);

    for (const [method, p, body, code] of [
      ["GET", "/v1/conversations/not-a-uuid", undefined, "VALIDATION_ERROR"],
      ["PATCH", path, { title: "" }, "VALIDATION_ERROR"],
      ["PATCH", path, { title: "x".repeat(201) }, "VALIDATION_ERROR"],
      ["PATCH", path, { title: "ok", extra: 1 }, "VALIDATION_ERROR"],
      ["PATCH", path, "{not json", "INVALID_JSON"],
      ["GET", "/v1/conversations?limit=0", undefined, "VALIDATION_ERROR"],
      ["GET", "/v1/conversations/00000000-0000-4000-8000-000000000000", undefined, "CONVERSATION_NOT_FOUND"],
    ] as const) {
      const res = await call(api, method, p, ada, body);
      expect(errorEnvelopeSchema.parse(await res.json()).error.code, `${method} ${p}`).toBe(code);
    }
    const noToken = await call(api, "GET", "/v1/conversations", null);
    expect(noToken.status).toBe(401);
  });

  it("feedback: one per reader per answer, editable, validated, only on the reader's own answers", async () => {
    const mine = await ask(api, ada, "Why does a gyroscope drift?");
    const path = `/v1/answers/${mine.answerId}/feedback`;
    const up = await call(api, "PUT", path, ada, { rating: "up" });
    expect(up.status).toBe(200);
    expect(feedbackSchema.parse(await up.json())).toMatchObject({
      rating: "up",
      reason: null,
      comment: null,
    });
    const down = await call(api, "PUT", path, ada, {
      rating: "down",
      reason: "outdated",
      comment: "Old filter",
    });
    expect(down.status).toBe(200);
    expect(await down.json()).toMatchObject({ rating: "down", reason: "outdated", comment: "Old filter" });

    const conv = conversationSchema.parse(
      await (await call(api, "GET", `/v1/conversations/${mine.conversationId}`, ada)).json(),
    );
    expect(conv.messages[0]?.feedback).toMatchObject({ rating: "down", reason: "outdated" });

    for (const body of [
      {},
      { rating: "sideways" },
      { rating: "up", reason: "wrong" },
      { rating: "down", reason: "boring" },
      { rating: "down", comment: "x".repeat(2001) },
      { rating: "down", extra: true },
    ]) {
      const res = await call(api, "PUT", path, ada, body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(errorEnvelopeSchema.parse(await res.json()).error.code).toBe("VALIDATION_ERROR");
    }
    const notJson = await fetch(`${api.url}${path}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ada}`, "content-type": "text/plain" },
      body: "up",
    });
    expect(notJson.status).toBe(415);
    const others = await call(api, "PUT", path, bob, { rating: "up" });
    expect(others.status).toBe(404);
    expect(errorEnvelopeSchema.parse(await others.json()).error.code).toBe("ANSWER_NOT_FOUND");
    const badId = await call(api, "PUT", "/v1/answers/nope/feedback", ada, { rating: "up" });
    expect(badId.status).toBe(400);
    // Still one row for this answer, in the database and in the author's view: the second PUT replaced the first.
    expect(await countRows(env(), "feedback", { column: "turn_id", value: mine.answerId })).toBe(1);
    const fb = insightsFeedbackSchema.parse(
      await (await call(api, "GET", "/v1/insights/feedback", author)).json(),
    );
    expect(fb.items.filter((i) => i.answerId === mine.answerId)).toHaveLength(1);
  });

  it("insights: an author sees the gap cluster of off-book questions and the thumbs-down; a reader gets 403", async () => {
    const offBook = [
      "What is the best recipe for sourdough bread?",
      "How long should sourdough bread proof?",
      "Which flour makes the best sourdough bread?",
    ];
    for (const q of offBook) {
      const r = await ask(api, bob, q);
      expect(r.grounded).toBe(false);
      expect(r.suggestions).toEqual([]);
    }
    const rated = await ask(api, bob, "How does a complementary filter fuse sensors?");
    expect(
      (
        await call(api, "PUT", `/v1/answers/${rated.answerId}/feedback`, bob, {
          rating: "down",
          reason: "not_in_book",
          comment: "=HYPERLINK(1)",
        })
      ).status,
    ).toBe(200);

    for (const p of ["/v1/insights/summary", "/v1/insights/gaps", "/v1/insights/feedback"]) {
      const res = await call(api, "GET", p, bob);
      expect(res.status, p).toBe(403);
      expect(errorEnvelopeSchema.parse(await res.json()).error.code).toBe("FORBIDDEN_ROLE");
    }

    const gaps = insightsGapsSchema.parse(await (await call(api, "GET", "/v1/insights/gaps", author)).json());
    const bread = gaps.clusters.find((k) => k.examples.some((e) => /sourdough/.test(e)));
    expect(bread?.size).toBe(3);
    expect(new Set(bread?.examples)).toEqual(new Set(offBook));
    expect(bread?.terms).toContain("sourdough");
    expect(bread?.readers).toBeUndefined();
    expect(
      gaps.clusters.some((k) => k.examples.includes("How does a complementary filter fuse sensors?")),
    ).toBe(true);
    const filterCluster = gaps.clusters.find((k) => k.examples.some((e) => /complementary/.test(e)));
    expect(filterCluster?.sections[0]?.url).toMatch(/imu/);

    const fb = insightsFeedbackSchema.parse(
      await (await call(api, "GET", "/v1/insights/feedback?rating=down&reason=not_in_book", author)).json(),
    );
    expect(fb.items.map((i) => i.question)).toContain("How does a complementary filter fuse sensors?");
    expect(fb.items.every((i) => i.reader === undefined)).toBe(true);
    expect(fb.reasons.find((r) => r.reason === "not_in_book")?.count).toBeGreaterThanOrEqual(1);

    const summary = insightsSummarySchema.parse(
      await (await call(api, "GET", "/v1/insights/summary", author)).json(),
    );
    expect(summary.totals.ungrounded).toBeGreaterThanOrEqual(3);
    expect(summary.totals.thumbsDown).toBeGreaterThanOrEqual(1);
    expect(summary.chapters.some((ch) => ch.chapter === "Sensors")).toBe(true);
    expect(summary.sections.some((s) => s.url.endsWith("#zero-moment-point"))).toBe(true);
    expect(summary.backgrounds.some((b) => b.softwareBackground === "Beginner")).toBe(true);
    expect(summary.volume.at(-1)?.day).toBe(new Date().toISOString().slice(0, 10));
    expect(JSON.stringify(summary)).not.toMatch(/"(ada|bob)"/);

    const csv = await call(api, "GET", "/v1/insights/feedback?format=csv", author);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const csvText = await csv.text();
    expect(csvText.split("\n")[0]).toBe("updatedAt,rating,reason,comment,question,answer,grounded,sources");
    // A reader's text never reaches a spreadsheet as a formula.
    expect(csvText).toContain("'=HYPERLINK(1)");
    expect(csvText).not.toMatch(/\b(ada|bob)\b/);
    const gapsCsv = await (await call(api, "GET", "/v1/insights/gaps?format=csv", author)).text();
    expect(gapsCsv.split("\n")[0]).toBe("size,terms,examples,sections");
    expect(gapsCsv).toMatch(/^3,.*sourdough/m);
    const sectionsCsv = await (
      await call(api, "GET", "/v1/insights/summary?format=csv&table=sections", author)
    ).text();
    expect(sectionsCsv.split("\n")[0]).toBe("chapter,heading,url,questions");
    const bad = await call(api, "GET", "/v1/insights/summary?format=xml", author);
    expect(bad.status).toBe(400);
  });

  it("readers' ids are shown only to an admin, and only with INSIGHTS_SHOW_READERS=true", async () => {
    const admin = await signToken({ userId: "root", claims: { role: "admin" } });
    const hidden = insightsGapsSchema.parse(
      await (await call(api, "GET", "/v1/insights/gaps", admin)).json(),
    );
    expect(hidden.clusters.every((k) => k.readers === undefined)).toBe(true);
    const shown = await startTestApi({ ...env(), INSIGHTS_SHOW_READERS: "true" });
    try {
      const asAdmin = insightsGapsSchema.parse(
        await (await call(shown, "GET", "/v1/insights/gaps", admin)).json(),
      );
      const bread = asAdmin.clusters.find((k) => k.examples.some((e) => /sourdough/.test(e)));
      expect(bread?.readers).toEqual(["bob"]);
      const asAuthor = insightsGapsSchema.parse(
        await (await call(shown, "GET", "/v1/insights/gaps", author)).json(),
      );
      expect(asAuthor.clusters.every((k) => k.readers === undefined)).toBe(true);
      const fb = insightsFeedbackSchema.parse(
        await (await call(shown, "GET", "/v1/insights/feedback", admin)).json(),
      );
      expect(fb.items.some((i) => i.reader === "bob")).toBe(true);
    } finally {
      await shown.stop();
    }
  }, 60_000);

  it("deleting one conversation and then all of them removes their rows, feedback included", async () => {
    const dan = await signToken({ userId: "dan" });
    const a = await ask(api, dan, "What is the zero moment point?");
    await ask(api, dan, "What is a support polygon?", a.conversationId);
    const b = await ask(api, dan, "How is an IMU mounted?");
    await call(api, "PUT", `/v1/answers/${a.answerId}/feedback`, dan, { rating: "up" });
    const before = {
      turns: await countRows(env(), "turns"),
      feedback: await countRows(env(), "feedback"),
      conversations: await countRows(env(), "conversations"),
    };
    const del = await call(api, "DELETE", `/v1/conversations/${a.conversationId}`, dan);
    expect(await del.json()).toEqual({ deleted: 1 });
    expect(await countRows(env(), "turns")).toBe(before.turns - 2);
    expect(await countRows(env(), "feedback")).toBe(before.feedback - 1);
    expect(await countRows(env(), "conversations")).toBe(before.conversations - 1);
    expect((await call(api, "GET", `/v1/conversations/${a.conversationId}`, dan)).status).toBe(404);
    expect((await call(api, "PUT", `/v1/answers/${a.answerId}/feedback`, dan, { rating: "up" })).status).toBe(
      404,
    );

    await ask(api, dan, "What is PID control?");
    const all = await call(api, "DELETE", "/v1/conversations", dan);
    expect(await all.json()).toEqual({ deleted: 2 });
    expect(
      conversationListSchema.parse(await (await call(api, "GET", "/v1/conversations", dan)).json()),
    ).toEqual({
      conversations: [],
    });
    expect(await countRows(env(), "conversations")).toBe(before.conversations - 2);
    expect((await call(api, "GET", `/v1/conversations/${b.conversationId}`, dan)).status).toBe(404);
    // Other readers' conversations are untouched.
    expect(
      conversationListSchema.parse(await (await call(api, "GET", "/v1/conversations", ada)).json())
        .conversations.length,
    ).toBeGreaterThan(0);
  });

  it("CHAT_RETENTION_DAYS removes conversations untouched for longer, at start-up, and keeps recent ones", async () => {
    const e = env();
    const database = await openDatabase({ url: e.API_DATABASE_URL, sqlitePath: `${e.DATA_DIR}/api.sqlite` });
    const store = createHistoryStore(database);
    const old = crypto.randomUUID();
    const turn = {
      answerId: crypto.randomUUID(),
      conversationId: old,
      userId: "erin",
      question: "An old question",
      selectedText: null,
      answer: "An old answer",
      sources: [
        {
          id: "old-source",
          title: "Sensors",
          heading: "Inertial measurement units",
          url: "http://book.test/docs/sensors/imu#inertial-measurement-units",
          path: "sensors/imu.md",
          score: 1,
          snippet: "An IMU",
        },
      ],
      mode: "extractive" as const,
      grounded: false,
      processingTimeMs: 1,
      topCoverage: 0,
      softwareBackground: null,
      hardwareBackground: null,
      createdAt: new Date(Date.now() - 40 * 24 * 3600 * 1000),
    };
    expect(await store.recordTurn(turn, "old")).toBe("recorded");
    expect(
      await store.put("erin", turn.answerId, { rating: "down", reason: "wrong" }, turn.createdAt),
    ).toBeDefined();
    await store.close();
    const rowsOf = async () => ({
      conversations: await countRows(e, "conversations", { column: "id", value: old }),
      turns: await countRows(e, "turns", { column: "conversation_id", value: old }),
      sources: await countRows(e, "turn_sources", { column: "turn_id", value: turn.answerId }),
      feedback: await countRows(e, "feedback", { column: "turn_id", value: turn.answerId }),
    });
    expect(await rowsOf()).toEqual({ conversations: 1, turns: 1, sources: 1, feedback: 1 });
    const erin = await signToken({ userId: "erin" });
    const fresh = await ask(api, erin, "What is gait generation?");

    const pruning = await startTestApi({ ...e, CHAT_RETENTION_DAYS: "30" });
    try {
      await waitFor(
        async () => (await call(pruning, "GET", `/v1/conversations/${old}`, erin)).status === 404,
        30_000,
      );
      const list = conversationListSchema.parse(
        await (await call(pruning, "GET", "/v1/conversations", erin)).json(),
      );
      expect(list.conversations.map((c) => c.id)).toEqual([fresh.conversationId]);
      const metrics = await (await fetch(`${pruning.url}/metrics`)).text();
      expect(metrics).toMatch(/history_writes_total\{outcome="pruned"\} 1/);
      // Gone from the database, its turn and that turn's feedback with it.
      expect(await rowsOf()).toEqual({ conversations: 0, turns: 0, sources: 0, feedback: 0 });
      expect(await countRows(e, "conversations", { column: "id", value: fresh.conversationId })).toBe(1);
    } finally {
      await pruning.stop();
    }
  }, 60_000);
});

describe("a failing history write (embedded store)", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(BASE_ENV);
  });
  afterAll(() => api.stop());

  it("never reaches the reader: the answer is whole, the failure is logged without the question and counted", async () => {
    // Break the store for real: the turns table disappears under the running service.
    const Sqlite = (await import("better-sqlite3")).default;
    const raw = new Sqlite(api.config.apiDatabasePath);
    raw.exec("DROP TABLE turns");
    raw.close();
    const token = await signToken();
    const res = await api.post("/v1/chat/stream", { message: "What secret question is this?" }, token);
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    expect(events.map((e) => e.event).at(-1)).toBe("done");
    const json = await api.post("/v1/chat", { message: "What is the zero moment point?" }, token);
    expect(json.status).toBe(200);
    await api.deps.recorder.flush();
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/history_writes_total\{outcome="failed"\} 2/);
    expect(api.logs.text()).toMatch(/recording a chat turn failed/);
    expect(api.logs.text()).not.toMatch(/secret question/);
    // Reading the broken history is a 503 in the envelope, not a 500.
    const list = await fetch(`${api.url}/v1/conversations`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.status).toBe(503);
    expect(errorEnvelopeSchema.parse(await list.json()).error.code).toBe("STORE_UNAVAILABLE");
  });
});

describe.skipIf(
  skipUnlessPresent(!findPgBin() && "initdb/pg_ctl not installed: skipping the owned-cluster outage test"),
)("PostgreSQL going down under a running api-service (owned cluster)", () => {
  let pgServer: OwnedPostgres;
  let api: TestApi;
  beforeAll(async () => {
    pgServer = await startPostgres();
    api = await startTestApi({ ...BASE_ENV, API_DATABASE_URL: pgServer.url });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    await pgServer?.destroy();
  });

  it("chat keeps answering (the lost turns are counted); history answers 503; all recover when it returns", async () => {
    const token = await signToken({ userId: "frank" });
    const before = await ask(api, token, "What is the zero moment point?");
    await pgServer.stop();

    const during = await api.post(
      "/v1/chat",
      { message: "What is gait generation?", conversationId: before.conversationId },
      token,
    );
    expect(during.status).toBe(200);
    await api.deps.recorder.flush();
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/history_writes_total\{outcome="failed"\} 1/);
    expect(metrics).toMatch(/history_writes_total\{outcome="lookup_failed"\} 1/);
    const list = await call(api, "GET", "/v1/conversations", token);
    expect(list.status).toBe(503);
    expect(errorEnvelopeSchema.parse(await list.json()).error.code).toBe("STORE_UNAVAILABLE");

    await pgServer.start();
    await waitFor(async () => (await call(api, "GET", "/v1/conversations", token)).status === 200, 30_000);
    const conv = conversationSchema.parse(
      await (await call(api, "GET", `/v1/conversations/${before.conversationId}`, token)).json(),
    );
    expect(conv.turns).toBe(1);
  }, 120_000);
});

describe("a chapter search that never answers", () => {
  it("costs the chapter's suggestions, not the answer: done arrives with the retrieved sections' ones", async () => {
    const base = await startTestApi(BASE_ENV);
    const { createApp } = await import("../app.ts");
    const { startServer } = await import("@ai-book/http");
    const store = base.deps.store;
    // The store as it is, except that listing a document (or searching inside one) for the suggestions hangs forever.
    const hanging = new Proxy(store, {
      get(target, key) {
        if (key === "documentChunks") return () => new Promise<never>(() => undefined);
        if (key === "search")
          return (q: Parameters<typeof store.search>[0]) =>
            q.filters?.pathPrefix ? new Promise<never>(() => undefined) : target.search(q);
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const server = await startServer(createApp({ ...base.deps, store: hanging }), { port: 0 });
    try {
      const res = await fetch(`${server.url}/v1/chat/stream`, {
        method: "POST",
        headers: { authorization: `Bearer ${await signToken()}`, "content-type": "application/json" },
        body: JSON.stringify({ message: "What is the zero moment point?" }),
      });
      const { events } = await readSse(res);
      const done = streamEventSchemas.done.parse(events.find((e) => e.event === "done")?.data);
      expect(done.grounded).toBe(true);
      expect(Array.isArray(done.suggestions)).toBe(true);
    } finally {
      await server.close(1000);
      await base.stop();
    }
  });
});

describe.skipIf(!pgBase)("a history write held up by a locked table (PostgreSQL)", () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let api: TestApi;
  beforeAll(async () => {
    db = await createPgDatabase(pgBase as string);
    api = await startTestApi({ ...BASE_ENV, API_DATABASE_URL: db.url });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await db?.drop();
  });

  it("never holds up an answer: both streams end with done while the write waits, and the turns land after", async () => {
    const token = await signToken({ userId: "gus" });
    const pg = (await import("pg")).default;
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    let conversationId = "";
    try {
      // Another session takes the turns table: every insert into it waits until this transaction ends.
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE turns IN ACCESS EXCLUSIVE MODE");
      const stream = async (body: Record<string, unknown>) => {
        const res = await api.post("/v1/chat/stream", body, token);
        expect(res.status).toBe(200);
        const { events } = await readSse(res);
        expect(events.map((e) => e.event).at(-1)).toBe("done");
        return streamEventSchemas.done.parse(events.at(-1)?.data);
      };
      const first = await stream({ message: "What is the zero moment point?" });
      // The first turn's write is now waiting on the lock; the next answer does not wait for it.
      await waitFor(async () => {
        const r = await locker.query<{ n: string }>(
          "select count(*) as n from pg_locks where not granted and relation = 'turns'::regclass",
        );
        return Number(r.rows[0]?.n) > 0;
      }, 20_000);
      const second = await stream({
        message: "How is gait generated?",
        conversationId: first.conversationId,
      });
      expect(second.conversationId).toBe(first.conversationId);
      conversationId = first.conversationId;
      await locker.query("COMMIT");
    } finally {
      await locker.end();
    }
    await api.deps.recorder.flush();
    const conv = conversationSchema.parse(
      await (await call(api, "GET", `/v1/conversations/${conversationId}`, token)).json(),
    );
    expect(conv.messages.map((m) => m.question)).toEqual([
      "What is the zero moment point?",
      "How is gait generated?",
    ]);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).not.toMatch(/history_writes_total\{outcome="failed"\}/);
  }, 60_000);
});
