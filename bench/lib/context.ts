// What every scenario receives: the run's sizes (full, quick or tiny), a scratch directory, shared built indexes, a logger.
import { join } from "node:path";
import { type BuiltIndex, buildIndex } from "./index-builder.ts";
import type { Figure } from "./report.ts";

export interface Profile {
  mode: "full" | "quick" | "tiny";
  /** Index sizes of search_latency_by_size (the 1k, 10k, 100k). */
  latencySizes: number[];
  /** Timed queries per size and mode. */
  latencyQueries: number;
  /** Index size the server scenarios and retrieval_vs_limit use (the 10k). */
  serverChunks: number;
  /** autocannon duration of each side of a throughput comparison, seconds. */
  loadSeconds: number;
  /** Requests for latency-by-request scenarios (auth overhead, ttfb, sign-in). */
  requests: number;
  concurrentStreams: number;
  streamTokens: number;
  /** Approximate words of the replicated sample book for ingest_throughput. */
  ingestWords: number;
  /** Requests sent before reading the api-service's resident memory. */
  rssRequests: number;
  /** Timed sign-ins (each costs a scrypt verify, tens of ms). */
  signins: number;
}

export const PROFILES: Record<Profile["mode"], Profile> = {
  full: {
    mode: "full",
    latencySizes: [1_000, 10_000, 100_000],
    latencyQueries: 200,
    serverChunks: 10_000,
    loadSeconds: 15,
    requests: 500,
    concurrentStreams: 200,
    streamTokens: 50,
    ingestWords: 100_000,
    rssRequests: 10_000,
    signins: 60,
  },
  quick: {
    mode: "quick",
    latencySizes: [100, 300, 1_000],
    latencyQueries: 20,
    serverChunks: 1_000,
    loadSeconds: 1,
    requests: 20,
    concurrentStreams: 10,
    streamTokens: 10,
    ingestWords: 3_000,
    rssRequests: 100,
    signins: 5,
  },
  tiny: {
    mode: "tiny",
    latencySizes: [20, 60],
    latencyQueries: 5,
    serverChunks: 100,
    loadSeconds: 0.5,
    requests: 10,
    concurrentStreams: 4,
    streamTokens: 5,
    ingestWords: 2_000,
    rssRequests: 40,
    signins: 3,
  },
};

export class BenchContext {
  readonly profile: Profile;
  readonly workDir: string;
  readonly log: (msg: string) => void;
  readonly #indexes = new Map<string, Promise<BuiltIndex>>();

  constructor(profile: Profile, workDir: string, log: (msg: string) => void = () => {}) {
    this.profile = profile;
    this.workDir = workDir;
    this.log = log;
  }

  /**
   * A synthetic index of `chunks` chunks, built once per run and shared by the scenarios that need that size
   * (with the brute-force matrix and the baseline's files, so every consumer sees the same vectors).
   */
  index(chunks: number, opts: { lexical?: boolean } = {}): Promise<BuiltIndex> {
    const lexical = opts.lexical ?? false;
    const key = `${chunks}${lexical ? "-lexical" : ""}`;
    let built = this.#indexes.get(key);
    if (!built) {
      const withExtras = chunks <= 20_000 && !lexical;
      this.log(`building a synthetic ${lexical ? "lexical-only " : ""}index of ${chunks} chunks`);
      built = buildIndex({
        dir: join(this.workDir, `index-${key}`),
        chunks,
        lexical,
        keepMatrix: withExtras,
        baselineFiles: withExtras,
      }).then((b) => {
        this.log(`  built ${chunks} chunks in ${b.buildSeconds.toFixed(1)} s`);
        return b;
      });
      this.#indexes.set(key, built);
    }
    return built;
  }
}

export interface Scenario {
  /** Short id used by `--only`. */
  id: string;
  /** The figures it produces, in the order. */
  figures: Figure["name"][];
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** A figure that could not be measured, with the reason. */
export function notRun(name: Figure["name"], unit: string, target: string, reason: string): Figure {
  return { name, value: null, unit, target, met: null, note: `not run: ${reason}` };
}
