// Small timing helpers for the in-process scenarios: percentiles of a sample and a timed loop.

/** The q-quantile (0..1) of `samples` by nearest rank; NaN for an empty sample. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Summary {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

export function summarize(samples: readonly number[]): Summary {
  const mean = samples.reduce((s, x) => s + x, 0) / (samples.length || 1);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), mean, n: samples.length };
}

/** Milliseconds since `start` (a performance.now() reading). */
export const since = (start: number) => performance.now() - start;

/** Runs `fn` `warmup` times untimed, then `n` times timed (sequentially); returns the milliseconds of each run. */
export async function timeEach<T>(
  n: number,
  warmup: number,
  fn: (i: number) => Promise<T> | T,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(since(t));
  }
  return out;
}

/** Rounds to `digits` significant decimals for reports (keeps integers as they are). */
export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
