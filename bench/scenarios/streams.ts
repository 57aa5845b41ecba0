// /v1/chat/stream: time to `sources`, first-token overhead over the LLM's own, and many concurrent streams.
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import type { BenchContext, Scenario } from "../lib/context.ts";
import { type OwnedProcess, type StubProcess, startService, startStubProcess } from "../lib/processes.ts";
import type { Figure } from "../lib/report.ts";
import { type StreamTiming, timeStream } from "../lib/sse-client.ts";
import { round, type Summary, summarize } from "../lib/stats.ts";
import { mintToken } from "../lib/token.ts";

/** Chunks of the lexical index the streams answer from (the sample book is a few hundred; a book can grow). */
const STREAM_INDEX_CHUNKS = { full: 2_000, quick: 300, tiny: 60 } as const;
/** Per-token delay of the LLM server during the concurrent run, ms. */
const TOKEN_DELAY_MS = 20;

/** A reply of exactly `n` whitespace-separated tokens (the stub streams one word per delta), citing [1]. */
function replyOf(n: number): string {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? "[1]." : `word${i}`)).join(" ");
}

/** Time from request to the end of the stub's own stream, and to its first content delta. */
async function timeDirect(
  baseURL: string,
  stream = true,
): Promise<{ firstMs?: number; doneMs?: number; error?: string }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench-local-stub" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream, messages: [{ role: "user", content: "hi" }] }),
    });
    if (!res.body) return { error: `HTTP ${res.status}` };
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let firstMs: number | undefined;
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (firstMs === undefined && text.includes('"content":"word')) firstMs = performance.now() - t0;
    }
    return { firstMs, doneMs: performance.now() - t0 };
  } catch (err) {
    return { error: String(err) };
  }
}

interface ConcurrentLevel {
  streams: number;
  ratio: number;
  errors: StreamTiming[];
  ours: Summary;
  own: Summary;
}

function levelDetail(l: ConcurrentLevel) {
  const first = l.errors[0];
  return {
    ratio: round(l.ratio, 3),
    errors: l.errors.length,
    ...(first ? { first_error: checkOrder(first) ?? "no deltas" } : {}),
    duration_ms: { p50: round(l.ours.p50), p99: round(l.ours.p99) },
    llm_own_ms: { p50: round(l.own.p50), p99: round(l.own.p99) },
  };
}

function checkOrder(t: StreamTiming): string | undefined {
  if (t.error) return t.error;
  const expected = ["sources", "delta", "done"];
  if (t.order.join(",") !== expected.join(",")) return `event order ${t.order.join(",")}`;
  return undefined;
}

export async function runStreams(ctx: BenchContext): Promise<Figure[]> {
  const p = ctx.profile;
  const built = await ctx.index(STREAM_INDEX_CHUNKS[p.mode], { lexical: true });
  const secret = randomBytes(32).toString("hex");
  const token = await mintToken(secret);
  const tokens = p.streamTokens;
  const stub: StubProcess = await startStubProcess({ reply: replyOf(tokens) });
  const owned: OwnedProcess[] = [];
  try {
    const api = await startService("api", {
      JWT_SECRET: secret,
      DATA_DIR: join(ctx.workDir, "api-streams"),
      INDEX_PATH: built.path,
      OPENAI_API_KEY: "sk-bench-local-stub",
      OPENAI_BASE_URL: stub.baseURL,
      RATE_LIMIT_PER_MINUTE: "100000000",
      // One bench reader asks hundreds of questions: no daily LLM budget (issue 19), as no rate limit.
      LLM_DAILY_TOKEN_BUDGET: "0",
      LOG_LEVEL: "info",
    });
    owned.push(api);
    // --conversations: the streams continue 10 conversations of the bench reader (each turn recorded after `done`
    // as always, plus the check that the conversation is the reader's), as a reader's follow-ups do.
    const conversationIds = Array.from({ length: 10 }, () => randomUUID());
    const questions = built.queries.map((q, i) => ({
      message: `What is ${q.terms.join(" ")}?`,
      ...(p.streamConversations ? { conversationId: conversationIds[i % conversationIds.length] } : {}),
    }));
    const url = `${api.url}/v1/chat/stream`;
    const probe = await timeStream(url, token, questions[0]);
    const bad = checkOrder(probe);
    if (bad) throw new Error(`/v1/chat/stream probe: ${bad}`);

    // 1. Sequential streams against an instant LLM: time to `sources` and to the first delta.
    const n = Math.max(10, Math.min(p.requests, 300));
    for (let i = 0; i < Math.min(20, n); i++) await timeStream(url, token, questions[i % questions.length]);
    const seq: StreamTiming[] = [];
    const direct: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = await timeStream(url, token, questions[i % questions.length]);
      const err = checkOrder(t);
      if (err) throw new Error(`stream ${i}: ${err}`);
      seq.push(t);
      const d = await timeDirect(stub.baseURL);
      if (d.firstMs !== undefined) direct.push(d.firstMs);
    }
    const sources = summarize(seq.map((t) => t.sourcesMs as number));
    const first = summarize(seq.map((t) => t.firstDeltaMs as number));
    const llmFirst = summarize(direct);
    const overhead = first.p50 - llmFirst.p50;

    // 2. Many concurrent streams against a pacing LLM, at each count; the LLM's own duration is measured at the
    // same concurrency just before.
    await stub.set({ tokenDelayMs: TOKEN_DELAY_MS });
    const levels: ConcurrentLevel[] = [];
    for (const c of p.concurrentStreams) {
      const directRuns = await Promise.all(Array.from({ length: c }, () => timeDirect(stub.baseURL)));
      const through = await Promise.all(
        Array.from({ length: c }, (_, i) => timeStream(url, token, questions[i % questions.length])),
      );
      const errors = through.filter((t) => checkOrder(t) !== undefined || t.deltas < 1);
      const own = summarize(directRuns.flatMap((d) => (d.doneMs === undefined ? [] : [d.doneMs])));
      const ours = summarize(through.flatMap((t) => (t.doneMs === undefined ? [] : [t.doneMs])));
      levels.push({ streams: c, ratio: ours.p99 / own.p99, errors, ours, own });
    }
    const [target, ...others] = levels as [ConcurrentLevel, ...ConcurrentLevel[]];

    return [
      {
        name: "stream_ttfb_ms",
        value: round(sources.p50),
        unit: "ms p50 (request → sources event)",
        target: "p50 <= 15 ms",
        met: sources.p50 <= 15,
        detail: {
          p99: round(sources.p99),
          streams: n,
          index_chunks: built.chunks,
          conversations: p.streamConversations ? "continued" : "new per question",
        },
        note: "lexical-only index; LLM = the OpenAI-protocol stub in its own process, answering instantly",
      },
      {
        name: "first_token_overhead_ms",
        value: round(overhead),
        unit: "ms p50 (first delta − the LLM's own first delta)",
        target: "p50 <= 20 ms",
        met: overhead <= 20,
        detail: {
          first_delta_ms: { p50: round(first.p50), p99: round(first.p99) },
          llm_first_delta_ms: { p50: round(llmFirst.p50), p99: round(llmFirst.p99) },
        },
      },
      {
        name: "concurrent_streams",
        value: round(target.ratio, 3),
        unit: `ratio (p99 stream duration ÷ the LLM's own p99), ${target.streams} streams × ${tokens} tokens`,
        target: `0 errors at every count; p99 duration <= 1.2 × the LLM server's own at ${target.streams} streams`,
        met: levels.every((l) => l.errors.length === 0) && target.ratio <= 1.2,
        detail: {
          ...Object.fromEntries(levels.map((l) => [`at_${l.streams}`, levelDetail(l)])),
          token_delay_ms: TOKEN_DELAY_MS,
        },
        note: `one api process; ${others.map((l) => l.streams).join(" and ") || "no other counts"} reported beside the target's`,
      },
    ];
  } finally {
    for (const o of owned.reverse()) await o.stop().catch(() => {});
    await stub.stop();
  }
}

export const streams: Scenario = {
  id: "streams",
  figures: ["stream_ttfb_ms", "first_token_overhead_ms", "concurrent_streams"],
  run: runStreams,
};
