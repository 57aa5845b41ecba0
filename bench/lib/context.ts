// What every scenario receives: the run's sizes (full, quick or tiny), a scratch directory, shared built indexes, a logger.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
  /** Chapters of the sample book personalized and translated for the cost figures (0 = every one). */
  costChapters: number;
  /** Questions of book/questions.tsv asked for the chat cost (0 = every one). */
  costQuestions: number;
  /** Readers of the scripted cache session (in 4 profile buckets), and the chapters each opens at most. */
  costReaders: number;
  costSessionChapters: number;
}

export const PROFILES: Record<Profile["mode"], Profile> = {
  full: {
    mode: "full",
    latencySizes: [1_000, 10_000, 100_000],
    latencyQueries: 100,
    serverChunks: 10_000,
    loadSeconds: 10,
    requests: 500,
    concurrentStreams: 200,
    streamTokens: 50,
    ingestWords: 100_000,
    rssRequests: 10_000,
    signins: 60,
    costChapters: 0,
    costQuestions: 0,
    costReaders: 20,
    costSessionChapters: 8,
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
    costChapters: 4,
    costQuestions: 8,
    costReaders: 20,
    costSessionChapters: 3,
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
    costChapters: 2,
    costQuestions: 3,
    costReaders: 8,
    costSessionChapters: 2,
  },
};

const HERE = dirname(fileURLToPath(import.meta.url));
const SHAPING_SOURCES = [
  join(HERE, "corpus.ts"),
  join(HERE, "index-builder.ts"),
  join(HERE, "..", "..", "services", "api", "src", "adapters", "vector", "sqlite.ts"),
];

/** Where a big synthetic index is kept between runs: a hash of the corpus generator and the store's code. */
function cachedIndexDir(key: string): string {
  const h = createHash("sha256");
  for (const f of SHAPING_SOURCES) h.update(readFileSync(f));
  return join(tmpdir(), "ai-book-bench-cache", `index-${key}-${h.digest("hex").slice(0, 16)}`);
}

function saveQueries(b: BuiltIndex) {
  return b.queries.map((q) => ({ ...q, vector: Array.from(q.vector) }));
}

function restoreQueries(b: BuiltIndex): BuiltIndex["queries"] {
  return (
    b.queries as unknown as Array<{ text: string; terms: string[]; vector: number[]; topic: number }>
  ).map((q) => ({ ...q, vector: Float32Array.from(q.vector) }));
}

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
      // Big indexes take minutes to build on 2 cores: kept between runs, keyed by the code that shapes them.
      const cached = chunks >= 50_000 ? cachedIndexDir(key) : undefined;
      if (cached && existsSync(join(cached, "complete.json"))) {
        this.log(`reusing the synthetic index of ${chunks} chunks in ${cached}`);
        built = Promise.resolve(
          JSON.parse(readFileSync(join(cached, "complete.json"), "utf8")) as BuiltIndex,
        ).then((b) => ({ ...b, queries: restoreQueries(b), buildSeconds: 0 }));
        this.#indexes.set(key, built);
        return built;
      }
      if (cached) {
        // Indexes built by older code are dead weight (a gigabyte each): drop them.
        const parent = dirname(cached);
        if (existsSync(parent))
          for (const old of readdirSync(parent))
            if (old.startsWith(`index-${key}-`)) rmSync(join(parent, old), { recursive: true, force: true });
      }
      this.log(`building a synthetic ${lexical ? "lexical-only " : ""}index of ${chunks} chunks`);
      built = buildIndex({
        dir: cached ?? join(this.workDir, `index-${key}`),
        chunks,
        lexical,
        keepMatrix: withExtras,
        baselineFiles: withExtras,
      }).then((b) => {
        if (cached)
          writeFileSync(join(cached, "complete.json"), JSON.stringify({ ...b, queries: saveQueries(b) }));
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
