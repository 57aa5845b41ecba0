// An owned PostgreSQL cluster for fault tests: initdb into a temp dir, pg_ctl on a free port, stop/start at will.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./index.ts";

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
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(join(bin, cmd), args, { uid, gid, cwd: root, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0)
      throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr || r.stdout || r.error}`);
  };
  run("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = async () =>
    run("pg_ctl", ["-D", dataDir, "-o", opts, "-l", join(root, "server.log"), "-w", "-t", "30", "start"]);
  const stop = async () => run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "30", "stop"]);
  await start();
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    stop,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      spawnSync(join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"], {
        uid,
        gid,
        cwd: root,
      });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
