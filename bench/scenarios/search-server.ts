// Authenticated POST /v1/search under load, ours vs the FastAPI + PyJWT + numpy baseline; then the api-service's memory.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startOpenAIStub, stubEmbedding } from "@ai-book/testkit";
import type { BenchContext, Scenario } from "../lib/context.ts";
import { notRun } from "../lib/context.ts";
import { BENCH_DIMENSIONS, BENCH_EMBEDDING_MODEL } from "../lib/index-builder.ts";
import { type LoadResult, load } from "../lib/load.ts";
import {
  type OwnedProcess,
  pythonBaselineAvailable,
  startPythonBaseline,
  startService,
} from "../lib/processes.ts";
import type { Figure } from "../lib/report.ts";
import { percentile, round } from "../lib/stats.ts";
import { mintToken } from "../lib/token.ts";

const CONNECTIONS = 32;
const LIMIT = 5;
const RPS_TARGET = ">= 2.0";
const RSS_TARGET = "<= 250 MB; drift <= 10%";

async function checkSearch(url: string, token: string, query: string, label: string) {
  const res = await fetch(`${url}/v1/search`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ query, limit: LIMIT }),
  });
  const body = await res.text();
  if (res.status !== 200)
    throw new Error(`${label} /v1/search answered ${res.status}: ${body.slice(0, 300)}`);
  const parsed = JSON.parse(body) as { results?: unknown[] };
  if (!Array.isArray(parsed.results) || parsed.results.length === 0)
    throw new Error(`${label} /v1/search returned no results: ${body.slice(0, 300)}`);
}

function assertClean(r: LoadResult, label: string) {
  if (r.errors > 0 || r.non2xx > 0 || r.timeouts > 0)
    throw new Error(`${label}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts under load`);
}

const mb = (kb: number | undefined) => (kb === undefined ? Number.NaN : kb / 1024);

export async function runSearchServer(ctx: BenchContext): Promise<Figure[]> {
  const p = ctx.profile;
  const built = await ctx.index(p.serverChunks);
  if (!built.baselineDir) throw new Error("the server index lacks the baseline's files");
  const secret = randomBytes(32).toString("hex");
  const token = await mintToken(secret);
  // The embedding server returns the corpus's own query vectors, so both sides rank against the same vectors.
  const queryVectors = new Map(built.queries.map((q) => [q.text, Array.from(q.vector)]));
  const stub = await startOpenAIStub({
    embed: (text, dims) => queryVectors.get(text) ?? stubEmbedding(text, dims),
  });
  const owned: OwnedProcess[] = [];
  try {
    const api = await startService("api", {
      JWT_SECRET: secret,
      DATA_DIR: join(ctx.workDir, "api-search"),
      INDEX_PATH: built.path,
      OPENAI_API_KEY: "sk-bench-local-stub",
      OPENAI_BASE_URL: stub.baseURL,
      EMBEDDING_MODEL: BENCH_EMBEDDING_MODEL,
      EMBEDDING_DIMENSIONS: String(BENCH_DIMENSIONS),
      RATE_LIMIT_PER_MINUTE: "100000000",
      LOG_LEVEL: "info",
    });
    owned.push(api);
    const python = pythonBaselineAvailable()
      ? await startPythonBaseline({ dataDir: built.baselineDir, jwtSecret: secret })
      : undefined;
    if (python) owned.push(python);

    const bodies = built.queries.map((q) => JSON.stringify({ query: q.text, limit: LIMIT }));
    const first = built.queries[0]?.text ?? "robot";
    await checkSearch(api.url, token, first, "api-service");
    if (python) await checkSearch(python.url, token, first, "baseline");
    const loadOf = (url: string, seconds: number) =>
      load({
        url: `${url}/v1/search`,
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        bodies,
        connections: CONNECTIONS,
        duration: seconds,
      });
    let apiRequests = 0;
    const warm = Math.max(0.5, Math.min(3, p.loadSeconds / 3));
    apiRequests += (await loadOf(api.url, warm)).requests;
    if (python) await loadOf(python.url, warm);

    // Alternate rounds so that the shared machine's noise falls on both sides alike.
    const rounds = p.mode === "full" ? 2 : 1;
    const ours: LoadResult[] = [];
    const theirs: LoadResult[] = [];
    for (let r = 0; r < rounds; r++) {
      if (python) {
        const b = await loadOf(python.url, p.loadSeconds);
        assertClean(b, "baseline");
        theirs.push(b);
      }
      const a = await loadOf(api.url, p.loadSeconds);
      assertClean(a, "api-service");
      ours.push(a);
      apiRequests += a.requests;
      ctx.log(
        `  round ${r + 1}: ours ${a.rps.toFixed(0)} rps (p50 ${a.p50} ms)` +
          (theirs[r] ? `, baseline ${theirs[r]?.rps.toFixed(0)} rps (p50 ${theirs[r]?.p50} ms)` : ""),
      );
    }
    const sum = (xs: LoadResult[], f: (x: LoadResult) => number) => xs.reduce((s, x) => s + f(x), 0);
    const ourRps = sum(ours, (x) => x.requests) / sum(ours, (x) => x.durationS);
    const figures: Figure[] = [];
    if (python) {
      const theirRps = sum(theirs, (x) => x.requests) / sum(theirs, (x) => x.durationS);
      const ratio = ourRps / theirRps;
      figures.push({
        name: "search_rps_ratio",
        value: round(ratio, 3),
        unit: "ratio (our rps ÷ baseline rps)",
        target: RPS_TARGET,
        met: ratio >= 2,
        detail: {
          chunks: built.chunks,
          ours: { rps: round(ourRps, 1), p50_ms: ours[0]?.p50, p99_ms: ours[0]?.p99 },
          baseline: { rps: round(theirRps, 1), p50_ms: theirs[0]?.p50, p99_ms: theirs[0]?.p99 },
          connections: CONNECTIONS,
          seconds_per_side: rounds * p.loadSeconds,
        },
        note:
          "one process each (the api-service's production bundle; uvicorn --workers 1); ours embeds each query through the local " +
          "OpenAI-protocol server once and then remembers it (EMBEDDING_CACHE_SIZE, as deployed), fuses BM25 + dense and de-duplicates; " +
          "the baseline looks the same query vector up in memory and ranks dense only",
      });
    } else {
      figures.push(
        notRun("search_rps_ratio", "ratio", RPS_TARGET, "/usr/bin/python3 lacks fastapi/uvicorn/jwt/numpy"),
      );
    }
    if (python) {
      await python.stop();
      owned.splice(owned.indexOf(python), 1);
    }

    // Memory: RSS sampled after every step of 100 requests, over two halves of the request budget. The V8 heap
    // breathes with 32 requests in flight (measured: heap used 60-160 MB between collections), so one reading is
    // noise: the figure is the peak, the drift compares the halves' medians. Each half is also bounded in time
    // (on a busy 2-core machine 10k searches take minutes); the request count reached is reported.
    const half = Math.ceil(p.rssRequests / 2);
    const halfBudgetMs = p.mode === "full" ? 60_000 : 5_000;
    const sendUpTo = async (amount: number, samples: number[]) => {
      let sent = 0;
      const deadline = Date.now() + halfBudgetMs;
      while (sent < amount && Date.now() < deadline) {
        const step = Math.min(amount - sent, 100);
        const r = await load({
          url: `${api.url}/v1/search`,
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          bodies,
          // autocannon wants at least one request per connection
          connections: Math.min(CONNECTIONS, step),
          amount: step,
        });
        assertClean(r, "api-service (memory run)");
        sent += r.requests;
        samples.push(mb(api.rssKb()));
      }
      if (samples.length === 0) samples.push(mb(api.rssKb()));
      return sent;
    };
    const firstSamples: number[] = [];
    const secondSamples: number[] = [];
    const firstHalf = apiRequests + (await sendUpTo(half - apiRequests, firstSamples));
    const secondHalf = await sendUpTo(half, secondSamples);
    const total = firstHalf + secondHalf;
    const peak = Math.max(...firstSamples, ...secondSamples);
    const m1 = percentile(firstSamples, 0.5);
    const m2 = percentile(secondSamples, 0.5);
    const drift = (m2 - m1) / m1;
    figures.push({
      name: "api_rss_mb",
      value: round(peak, 1),
      unit: "MB resident (peak)",
      target: RSS_TARGET,
      met: peak <= 250 && drift <= 0.1,
      detail: {
        chunks: built.chunks,
        requests: total,
        rss_median_first_half_mb: round(m1, 1),
        rss_median_second_half_mb: round(m2, 1),
        drift_pct: round(drift * 100, 2),
        samples: firstSamples.length + secondSamples.length,
      },
      note: "the api-service's production bundle under authenticated /v1/search at 32 connections; drift = second half's median RSS over the first's",
    });
    return figures;
  } finally {
    for (const o of owned.reverse()) await o.stop().catch(() => {});
    await stub.close();
  }
}

export const searchServer: Scenario = {
  id: "search",
  figures: ["search_rps_ratio", "api_rss_mb"],
  run: runSearchServer,
};
