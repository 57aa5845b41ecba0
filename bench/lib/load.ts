// Load generation with autocannon: a bounded run (duration or request count) against a loopback URL, summarised.
import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Bodies sent in turn (one per request, cycling), JSON-encoded by the caller. */
  bodies?: string[];
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  duration?: number;
  /** Total requests instead of a duration. */
  amount?: number;
  /** HTTP pipelining factor. @default 1 */
  pipelining?: number;
}

export interface LoadResult {
  rps: number;
  requests: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  durationS: number;
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(opts.url))
    throw new Error(`refusing non-loopback URL ${opts.url}`);
  const bodies = opts.bodies ?? [];
  let next = 0;
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? "GET",
    headers: opts.headers,
    connections: opts.connections,
    pipelining: opts.pipelining ?? 1,
    timeout: 30,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? 5 }),
    ...(bodies.length > 0
      ? {
          requests: [
            {
              setupRequest: (req) => {
                req.body = bodies[next++ % bodies.length];
                return req;
              },
            },
          ],
        }
      : {}),
  });
  const requests = result.requests.total;
  const durationS = result.duration;
  return {
    rps: requests / Math.max(durationS, 0.001),
    requests,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    durationS,
  };
}
