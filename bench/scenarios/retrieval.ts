// In-process retrieval: latency by index size (dense and hybrid) and dense search against a bare brute-force scan.
import { openSqliteStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import type { BenchContext, Scenario } from "../lib/context.ts";
import { BENCH_DIMENSIONS } from "../lib/index-builder.ts";
import type { Figure } from "../lib/report.ts";
import { round, summarize, timeEach } from "../lib/stats.ts";

const LIMIT = 10;

/** Top-k row indices by dot product over a row-major matrix: the floor any exact dense search has to beat. */
export function bruteForceTopK(matrix: Float32Array, dims: number, q: Float32Array, k: number): number[] {
  const rows = matrix.length / dims;
  const bestIdx: number[] = [];
  const bestScore: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const off = r * dims;
    for (let i = 0; i < dims; i++) s += (matrix[off + i] as number) * (q[i] as number);
    if (bestIdx.length < k || s > (bestScore[bestScore.length - 1] as number)) {
      let pos = bestScore.length;
      while (pos > 0 && (bestScore[pos - 1] as number) < s) pos--;
      bestScore.splice(pos, 0, s);
      bestIdx.splice(pos, 0, r);
      if (bestIdx.length > k) {
        bestIdx.pop();
        bestScore.pop();
      }
    }
  }
  return bestIdx;
}

async function latencyAt(ctx: BenchContext, chunks: number) {
  const built = await ctx.index(chunks);
  const store = openSqliteStore({ path: built.path, dimensions: BENCH_DIMENSIONS });
  try {
    const qs = built.queries;
    const n = ctx.profile.latencyQueries;
    const warm = Math.min(20, n);
    const dense = await timeEach(n, warm, (i) => {
      const q = qs[i % qs.length];
      return store.search({ text: "", vector: q?.vector, limit: LIMIT });
    });
    const hybrid = await timeEach(n, warm, (i) => {
      const q = qs[i % qs.length];
      return store.search({ text: q?.text ?? "", vector: q?.vector, limit: LIMIT });
    });
    const d = summarize(dense);
    const h = summarize(hybrid);
    return {
      chunks,
      dense: { p50: round(d.p50), p99: round(d.p99) },
      hybrid: { p50: round(h.p50), p99: round(h.p99) },
    };
  } finally {
    await store.close();
  }
}

export const searchLatencyBySize: Scenario = {
  id: "latency",
  figures: ["search_latency_by_size"],
  async run(ctx) {
    const rows: Awaited<ReturnType<typeof latencyAt>>[] = [];
    for (const size of ctx.profile.latencySizes) {
      rows.push(await latencyAt(ctx, size));
      ctx.log(`  ${size} chunks: ${JSON.stringify(rows[rows.length - 1])}`);
    }
    const by = (n: number) => rows.find((r) => r.chunks === n);
    const worst = (r: (typeof rows)[number]) => Math.max(r.dense.p50, r.hybrid.p50);
    // Growth no worse than linear: each step's p50 ratio at most the size ratio.
    const linear = rows.every((r, i) => {
      const prev = rows[i - 1];
      return !prev || worst(r) / Math.max(worst(prev), 0.01) <= r.chunks / prev.chunks;
    });
    const at10k = by(10_000);
    const at100k = by(100_000);
    const met =
      ctx.profile.mode === "full"
        ? linear && !!at10k && !!at100k && worst(at10k) <= 10 && worst(at100k) <= 60
        : linear;
    const headline = at10k ?? rows[rows.length - 1];
    const detail: Record<string, unknown> = {};
    for (const r of rows) detail[`${r.chunks}`] = { dense: r.dense, hybrid: r.hybrid };
    detail.linear_growth = linear;
    const figure: Figure = {
      name: "search_latency_by_size",
      value: headline ? headline.hybrid.p50 : null,
      unit: `ms (hybrid p50 at ${headline?.chunks ?? "?"} chunks)`,
      target: "10k: p50 <= 10 ms; 100k: p50 <= 60 ms; growth no worse than linear",
      met,
      detail,
      note: `top-${LIMIT}, ${ctx.profile.latencyQueries} sequential queries per cell; p50 checked on the slower of dense and hybrid`,
    };
    return [figure];
  },
};

export const retrievalVsLimit: Scenario = {
  id: "limit",
  figures: ["retrieval_vs_limit"],
  async run(ctx) {
    const built = await ctx.index(ctx.profile.serverChunks);
    const matrix = built.matrix;
    if (!matrix) throw new Error("retrieval_vs_limit needs the index's vector matrix");
    const store = openSqliteStore({ path: built.path, dimensions: BENCH_DIMENSIONS });
    try {
      const qs = built.queries;
      const n = ctx.profile.latencyQueries;
      const warm = Math.min(10, n);
      // Interleave the two so machine noise hits both alike.
      const storeTimes: number[] = [];
      const bruteTimes: number[] = [];
      for (let round_ = 0; round_ < 2; round_++) {
        storeTimes.push(
          ...(await timeEach(Math.ceil(n / 2), warm, (i) =>
            store.search({ text: "", vector: qs[i % qs.length]?.vector, limit: LIMIT }),
          )),
        );
        bruteTimes.push(
          ...(await timeEach(Math.ceil(n / 2), warm, (i) =>
            bruteForceTopK(matrix, BENCH_DIMENSIONS, qs[i % qs.length]?.vector as Float32Array, LIMIT),
          )),
        );
      }
      const s = summarize(storeTimes);
      const b = summarize(bruteTimes);
      const ratio = s.p50 / b.p50;
      return [
        {
          name: "retrieval_vs_limit",
          value: round(ratio, 3),
          unit: "ratio (store dense p50 ÷ brute-force p50)",
          target: "<= 1.5",
          met: ratio <= 1.5,
          detail: {
            chunks: built.chunks,
            store_dense_ms: { p50: round(s.p50), p99: round(s.p99) },
            brute_force_ms: { p50: round(b.p50), p99: round(b.p99) },
          },
          note: "the store answers from the index file (binary-quantised KNN + float re-score); the reference is a plain JS loop over one Float32Array in memory",
        },
      ];
    } finally {
      await store.close();
    }
  },
};
