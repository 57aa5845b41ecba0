// An owned PostgreSQL cluster for fault tests: initdb into a temp dir, pg_ctl on a free port, stop/start at will.
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./free-port.ts";
import { waitFor } from "./wait.ts";

const execFileAsync = promisify(execFile);

const BIN_DIRS = [
  "/usr/local/bin",
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
];

/** Directory holding initdb and pg_ctl, or undefined when PostgreSQL's server binaries are not installed. */
export function findPgBin(): string | undefined {
  return BIN_DIRS.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl")));
}

export interface OwnedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast mode: open connections are terminated, as in a crash of the database host). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the server if running and removes the data directory. */
  destroy(): Promise<void>;
}

/**
 * initdb + pg_ctl start on a free loopback port. PostgreSQL refuses to run as root, so when we are root the
 * cluster is created and run as the `postgres` system user (the temp dir is handed to it).
 */
export async function startPostgres(): Promise<OwnedPostgres> {
  const bin = findPgBin();
  if (!bin) throw new Error("startPostgres: initdb/pg_ctl not found");
  const root = mkdtempSync(join(tmpdir(), "ai-book-pg-"));
  const dataDir = join(root, "data");
  let uid: number | undefined;
  let gid: number | undefined;
  if (process.getuid?.() === 0) {
    uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(root, uid, gid);
  }
  // Asynchronous, so a test's event loop (its load workers, its timers) keeps running while pg_ctl waits.
  const run = async (cmd: string, args: string[]) => {
    try {
      await execFileAsync(join(bin, cmd), args, { uid, gid, cwd: root, encoding: "utf8", timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string };
      throw new Error(`${cmd} ${args.join(" ")} failed: ${e.stderr || e.stdout || String(err)}`);
    }
  };
  await run("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = async () => {
    await run("pg_ctl", [
      "-D",
      dataDir,
      "-o",
      opts,
      "-l",
      join(root, "server.log"),
      "-w",
      "-t",
      "30",
      "start",
    ]);
    // pg_ctl -w returns once the postmaster says it is ready; a real query proves a client gets in.
    await waitFor(
      async () => {
        const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
        try {
          await c.connect();
          await c.query("SELECT 1");
          return true;
        } finally {
          await c.end().catch(() => undefined);
        }
      },
      { timeoutMs: 60_000, stepMs: 100 },
    );
  };
  const stop = () => run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"]);
  await start();
  let destroyed = false;
  return {
    url,
    port,
    dataDir,
    start,
    stop,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
