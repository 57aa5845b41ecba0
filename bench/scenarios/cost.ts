// What the model costs (issue 15): tokens per chapter variant and per chat answer over the sample book, and the
// variant cache's hit rate in a scripted session of readers in 4 profile buckets. The LLM is the local
// OpenAI-protocol stub (in process: nothing here is timed); tokens are counted with gpt-tokenizer (o200k, gpt-4o).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { chapterVariantSchema, chatResponseSchema, type JwtClaims } from "@ai-book/contracts";
import { createLogger, startServer } from "@ai-book/http";
import { type RecordedRequest, type StubChatRequest, startOpenAIStub } from "@ai-book/testkit";
import { countTokens, encodeChat } from "gpt-tokenizer";
import { openSqliteStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import { createApp } from "../../services/api/src/app.ts";
import { loadConfig } from "../../services/api/src/config.ts";
import { buildDeps } from "../../services/api/src/deps.ts";
import { syncDocs } from "../../services/api/src/ingest/sync.ts";
import type { BenchContext, Scenario } from "../lib/context.ts";
import { REPO_ROOT } from "../lib/processes.ts";
import type { Figure } from "../lib/report.ts";
import { round } from "../lib/stats.ts";
import { mintToken } from "../lib/token.ts";

const BOOK_DOCS = join(REPO_ROOT, "book", "docs");
const QUESTIONS = join(REPO_ROOT, "book", "questions.tsv");

type Profile = Partial<Pick<JwtClaims, "softwareBackground" | "hardwareBackground" | "interestArea">>;

/** The 4 profile buckets of the scripted session. */
const BUCKETS: Profile[] = [
  { softwareBackground: "Beginner", hardwareBackground: "Beginner", interestArea: "humanoid locomotion" },
  { softwareBackground: "Beginner", hardwareBackground: "Advanced", interestArea: "manipulation" },
  { softwareBackground: "Advanced", hardwareBackground: "Beginner", interestArea: "reinforcement learning" },
  { softwareBackground: "Intermediate", hardwareBackground: "Intermediate", interestArea: null },
];

/**
 * The stub's answers, shaped like a model's: a variant section gives back its prose (every line a little longer,
 * placeholders kept), about the length a real rewrite has; a chat answer is a few cited sentences from its sources.
 */
function reply(req: StubChatRequest): string {
  const user = String(req.messages.at(-1)?.content ?? "");
  if (user.startsWith("Section of ")) {
    return user
      .replace(/^Section of [^\n]*:\n\n/, "")
      .split("\n")
      .map((l) => {
        if (!/\p{L}/u.test(l.replace(/⟦\d+⟧/g, ""))) return l;
        // A heading keeps its id placeholder at the end of its line.
        if (/^#{1,6} /.test(l)) return l.replace(/(\s*⟦\d+⟧)?$/, " (rewritten)$1");
        return `${l} In other words, this matters here.`;
      })
      .join("\n");
  }
  const system = String(req.messages[0]?.content ?? "");
  // Chat: two sentences of each of the first three sources, cited.
  const sources = [...system.matchAll(/^\[(\d)\] [^\n]*\n([^\n]+)/gm)].slice(0, 3);
  if (sources.length === 0) return "The book covers this in its sources [1].";
  return sources
    .map(
      (m) =>
        `${(m[2] ?? "")
          .split(/(?<=\.)\s/)
          .slice(0, 2)
          .join(" ")} [${m[1]}]`,
    )
    .join(" ");
}

interface Usage {
  requests: number;
  prompt: number;
  completion: number;
}

function usageOf(requests: readonly RecordedRequest[]): Usage {
  let prompt = 0;
  let completion = 0;
  for (const r of requests) {
    const body = r.body as { messages: Array<{ role: "system" | "user" | "assistant"; content: string }> };
    prompt += encodeChat(body.messages, "gpt-4o").length;
    completion += countTokens(r.replyText ?? "");
  }
  return { requests: requests.length, prompt, completion };
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** A small seeded generator (mulberry32): the session is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function startApi(ctx: BenchContext, name: string, indexPath: string, baseURL: string) {
  const secret = randomBytes(32).toString("hex");
  const config = loadConfig({
    NODE_ENV: "production",
    JWT_SECRET: secret,
    DATA_DIR: join(ctx.workDir, name),
    INDEX_PATH: indexPath,
    OPENAI_API_KEY: "sk-bench-not-a-real-key",
    OPENAI_BASE_URL: baseURL,
    LLM_MAX_RETRIES: "0",
    RATE_LIMIT_PER_MINUTE: "100000000",
    LLM_DAILY_TOKEN_BUDGET: "0",
    VARIANT_DAILY_LIMIT: "0",
    REVOCATION_DB_PATH: "off",
    LOG_LEVEL: "warn",
  });
  const logger = createLogger({
    service: "api-service",
    level: "warn",
    destination: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const deps = await buildDeps(config, { logger });
  const server = await startServer(createApp(deps), { port: 0 });
  const post = async (path: string, body: unknown, token: string) => {
    const res = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 200)
      throw new Error(`POST ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res.json() as Promise<unknown>;
  };
  return {
    secret,
    post,
    async stop() {
      await server.close(1000);
      await deps.close();
    },
  };
}

export const cost: Scenario = {
  id: "cost",
  figures: ["chapter_variant_tokens", "chat_answer_tokens", "variant_cache_hit_rate"],
  async run(ctx) {
    const stub = await startOpenAIStub({ reply });
    const indexPath = join(ctx.workDir, "cost-index.sqlite");
    const store = openSqliteStore({ path: indexPath });
    let routes: string[];
    try {
      await syncDocs({ docsDir: BOOK_DOCS, store });
      routes = (await store.documentSources()).map((d) => d.route);
    } finally {
      await store.close();
    }
    const figures: Figure[] = [];
    try {
      // 1. Tokens per chapter variant: each chapter personalized (one profile) and translated (Urdu), uncached.
      const api = await startApi(ctx, "cost-variants", indexPath, stub.baseURL);
      const chapters = ctx.profile.costChapters > 0 ? routes.slice(0, ctx.profile.costChapters) : routes;
      const perVariant: Record<"personalize" | "translate", Usage[]> = { personalize: [], translate: [] };
      let sections = 0;
      let kept = 0;
      try {
        const token = await mintToken(api.secret, "cost-reader", BUCKETS[0]);
        for (const doc of chapters) {
          for (const kind of ["personalize", "translate"] as const) {
            const before = stub.chatRequests().length;
            const body = chapterVariantSchema.parse(
              await api.post(
                `/v1/chapters/${kind}`,
                { doc, ...(kind === "translate" ? { language: "ur" } : {}) },
                token,
              ),
            );
            if (body.cached) throw new Error(`${kind} ${doc}: unexpectedly cached`);
            sections += body.sections.length;
            kept += body.sections.filter((s) => !s.original).length;
            perVariant[kind].push(usageOf(stub.chatRequests().slice(before)));
          }
        }

        // 2. Tokens per chat answer: the sample book's own questions (book/questions.tsv), one each, no history.
        const questions = readFileSync(QUESTIONS, "utf8")
          .split("\n")
          .slice(1)
          .map((l) => l.split("\t")[0]?.trim() ?? "")
          .filter(Boolean);
        const asked =
          ctx.profile.costQuestions > 0 ? questions.slice(0, ctx.profile.costQuestions) : questions;
        const perAnswer: Usage[] = [];
        let llmAnswers = 0;
        for (const message of asked) {
          const before = stub.chatRequests().length;
          const body = chatResponseSchema.parse(await api.post("/v1/chat", { message }, token));
          if (body.mode === "llm") llmAnswers += 1;
          perAnswer.push(usageOf(stub.chatRequests().slice(before)));
        }

        const summary = (us: Usage[]) => ({
          prompt: round(mean(us.map((u) => u.prompt)), 0),
          completion: round(mean(us.map((u) => u.completion)), 0),
          requests: round(mean(us.map((u) => u.requests)), 1),
        });
        const personalize = summary(perVariant.personalize);
        const translate = summary(perVariant.translate);
        const all = [...perVariant.personalize, ...perVariant.translate];
        const variantMean = mean(all.map((u) => u.prompt + u.completion));
        figures.push({
          name: "chapter_variant_tokens",
          value: round(variantMean, 0),
          unit: "tokens (prompt + completion) per chapter variant, mean",
          target: "measured (no target)",
          met: null,
          detail: {
            chapters: chapters.length,
            personalize,
            translate,
            sections_per_chapter: round(sections / (2 * chapters.length), 1),
            sections_kept_as_variant_pct: round((100 * kept) / Math.max(1, sections), 1),
          },
          note:
            "one request per section with prose (gpt-tokenizer o200k counts of what the api-service sent); the stub " +
            "answers with the section's prose lengthened a little, so completions approximate a rewrite of the same " +
            "length; a real Urdu translation takes more tokens than its English source",
        });
        const chat = summary(perAnswer);
        figures.push({
          name: "chat_answer_tokens",
          value: round(mean(perAnswer.map((u) => u.prompt + u.completion)), 0),
          unit: "tokens (prompt + completion) per chat answer, mean",
          target: "measured (no target)",
          met: null,
          detail: { questions: asked.length, answered_by_the_model: llmAnswers, ...chat },
          note:
            "book/questions.tsv, one question each, no history (no rewrite request); the stub answers with two " +
            "cited sentences of each of its first three sources",
        });
      } finally {
        await api.stop();
      }

      // 3. The cache in a scripted session: readers in 4 profile buckets open chapters in book order from the start
      // (each a seeded number of them), arriving in a seeded order; a fresh variant store.
      const session = await startApi(ctx, "cost-session", indexPath, stub.baseURL);
      try {
        const random = seeded(15);
        const readers = Array.from({ length: ctx.profile.costReaders }, (_, i) => ({
          id: `session-reader-${i}`,
          bucket: i % BUCKETS.length,
          chapters: 1 + Math.floor(random() * ctx.profile.costSessionChapters),
        }));
        // Arrival order: a Fisher–Yates shuffle with the same generator.
        for (let i = readers.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [readers[i], readers[j]] = [
            readers[j] as (typeof readers)[number],
            readers[i] as (typeof readers)[number],
          ];
        }
        let opened = 0;
        let hits = 0;
        const before = stub.chatRequests().length;
        const generated = new Set<string>();
        for (const reader of readers) {
          const token = await mintToken(session.secret, reader.id, BUCKETS[reader.bucket]);
          for (const doc of routes.slice(0, reader.chapters)) {
            const body = chapterVariantSchema.parse(
              await session.post("/v1/chapters/personalize", { doc }, token),
            );
            opened += 1;
            if (body.cached) hits += 1;
            else generated.add(`${reader.bucket} ${doc}`);
          }
        }
        const ideal = 1 - generated.size / opened;
        const rate = hits / opened;
        figures.push({
          name: "variant_cache_hit_rate",
          value: round(rate, 3),
          unit: `share of chapter openings served from the cache (${readers.length} readers, ${BUCKETS.length} profile buckets)`,
          target: "= 1 − distinct (bucket, chapter) ÷ openings: each variant made once",
          met: Math.abs(rate - ideal) < 1e-9,
          detail: {
            readers: readers.length,
            buckets: BUCKETS.length,
            openings: opened,
            cache_hits: hits,
            variants_made: generated.size,
            ideal_rate: round(ideal, 3),
            llm_requests: stub.chatRequests().length - before,
          },
        });
      } finally {
        await session.stop();
      }
    } finally {
      await stub.close();
    }
    return figures;
  },
};
