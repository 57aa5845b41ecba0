// Resident memory at idle of the three processes `npm start` runs: the auth-service and the api-service (their
// production bundles, embedded defaults) and the book's static server.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "@ai-book/testkit";
import { openSqliteStore } from "../../services/api/src/adapters/vector/sqlite.ts";
import { syncDocs } from "../../services/api/src/ingest/sync.ts";
import { notRun, type Scenario } from "../lib/context.ts";
import { REPO_ROOT, rssOf, startService } from "../lib/processes.ts";
import type { Figure } from "../lib/report.ts";
import { percentile, round } from "../lib/stats.ts";

const TARGET = "< 500 MB together (issue 18), so each < 500";
const TARGET_MB = 500;
/** Readings after the warm-up request, one a second: the median is the figure (the heap breathes a little). */
const SAMPLES = 5;
/** Left alone this long after the warm-up before the first reading, so start-up garbage is collected. */
const SETTLE_MS = 3_000;

function rssMb(pid: number): number | undefined {
  const kb = rssOf(pid);
  return kb === undefined ? undefined : kb / 1024;
}

/** The book's server as `npm start` runs it (book/scripts/serve.ts), on a free port; undefined without a build. */
async function startBookServer(): Promise<{ pid: number; url: string; stop(): Promise<void> } | undefined> {
  const book = join(REPO_ROOT, "book");
  if (!existsSync(join(book, "build", "index.html"))) return undefined;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", join(book, "scripts", "serve.ts")],
    {
      cwd: book,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        PORT: "0",
        HOST: "127.0.0.1",
        TUTOR_AUTH_URL: "http://localhost:3001",
        TUTOR_API_URL: "http://localhost:8000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(t);
  };
  let url = "";
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error("exited");
        url = /at (http:\/\/\S+?:\d+)/.exec(out)?.[1] ?? "";
        return url !== "";
      },
      { timeoutMs: 60_000, stepMs: 100 },
    );
  } catch (err) {
    await stop();
    throw new Error(`the book server did not start (${String(err)}):\n${out.slice(-2000)}`);
  }
  return { pid: child.pid ?? -1, url, stop };
}

export const idleRss: Scenario = {
  id: "idle",
  figures: ["idle_rss_mb"],
  async run(ctx) {
    // The sample book indexed offline, as `npm start` does on a first start (the ingest CLI's code).
    const indexPath = join(ctx.workDir, "idle-index", "index.sqlite");
    const store = openSqliteStore({ path: indexPath });
    let indexed: Awaited<ReturnType<typeof syncDocs>>;
    try {
      indexed = await syncDocs({ docsDir: join(REPO_ROOT, "book", "docs"), store, reset: true });
    } finally {
      await store.close();
    }
    const owned: Array<{ stop(): Promise<void> }> = [];
    try {
      // Embedded defaults as `npm start` runs them: PGlite for accounts (a first start: initdb included), the
      // SQLite index, no Redis, no LLM key.
      const auth = await startService("auth", {
        DATA_DIR: join(ctx.workDir, "idle-auth"),
        JWT_SECRET: randomBytes(32).toString("hex"),
        BETTER_AUTH_SECRET: randomBytes(32).toString("hex"),
        CORS_ORIGINS: "http://localhost:3000",
        LOG_LEVEL: "info",
      });
      owned.push(auth);
      const api = await startService("api", {
        DATA_DIR: join(ctx.workDir, "idle-api"),
        INDEX_PATH: indexPath,
        JWT_SECRET: randomBytes(32).toString("hex"),
        LOG_LEVEL: "info",
      });
      owned.push(api);
      const book = await startBookServer();
      if (book) owned.push(book);

      // One request each, as a reader's first page load would make, then quiet.
      await fetch(`${auth.url}/health`).then((r) => r.text());
      await fetch(`${api.url}/health`).then((r) => r.text());
      if (book) await fetch(`${book.url}/`).then((r) => r.text());
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const readings: Record<"auth" | "api" | "book", number[]> = { auth: [], api: [], book: [] };
      for (let i = 0; i < SAMPLES; i++) {
        for (const [name, pid] of [
          ["auth", auth.pid],
          ["api", api.pid],
          ["book", book?.pid],
        ] as const) {
          const mb = pid === undefined ? undefined : rssMb(pid);
          if (mb !== undefined) readings[name].push(mb);
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      const auth_mb = round(percentile(readings.auth, 0.5), 1);
      const api_mb = round(percentile(readings.api, 0.5), 1);
      const book_mb = book ? round(percentile(readings.book, 0.5), 1) : null;
      const detail = {
        auth_mb,
        api_mb,
        book_mb,
        index_chunks: indexed.chunksAdded,
        note: "VmRSS median of 5 readings a second apart, 3 s after one request each; auth-service and api-service from their production bundles on embedded defaults (PGlite first start, the sample book indexed offline), the book's server as npm start runs it (book/scripts/serve.ts through tsx)",
      };
      if (book_mb === null) {
        return [
          {
            ...notRun(
              "idle_rss_mb",
              "MB resident (sum of 3)",
              TARGET,
              "the book has no build (npm run build -w book)",
            ),
            detail,
          },
        ];
      }
      const total = round(auth_mb + api_mb + book_mb, 0);
      const figure: Figure = {
        name: "idle_rss_mb",
        value: total,
        unit: "MB resident (sum of 3)",
        target: TARGET,
        met: total < TARGET_MB && Math.max(auth_mb, api_mb, book_mb) < TARGET_MB,
        detail,
      };
      return [figure];
    } finally {
      await Promise.allSettled(owned.map((o) => o.stop()));
    }
  },
};
