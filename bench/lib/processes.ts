// Child processes the bench owns: the Python baseline (uvicorn) and the api/auth services' bundles, on free loopback ports.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type ServiceProcess, startServiceProcess, waitFor } from "@ai-book/testkit";
import { buildServices } from "../../scripts/build.ts";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BASELINE_DIR = join(REPO_ROOT, "bench", "baselines");

export interface OwnedProcess {
  url: string;
  pid: number;
  rssKb(): number | undefined;
  stop(): Promise<void>;
  output(): string;
}

/** Resident memory of a process in kB (Linux /proc), undefined once it has exited. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** True when /usr/bin/python3 has the baseline's Debian packages. */
export function pythonBaselineAvailable(): boolean {
  const r = spawnSync("/usr/bin/python3", ["-c", "import fastapi, uvicorn, jwt, numpy"], { stdio: "ignore" });
  return r.status === 0;
}

/** Starts the FastAPI baseline with one uvicorn worker over the files in `dataDir`. */
export async function startPythonBaseline(opts: {
  dataDir: string;
  jwtSecret: string;
  workers?: number;
}): Promise<OwnedProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    "/usr/bin/python3",
    [
      "-m",
      "uvicorn",
      "search_api:app",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      String(opts.workers ?? 1),
      "--log-level",
      "warning",
      "--no-access-log",
    ],
    {
      cwd: BASELINE_DIR,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        BASELINE_DATA: opts.dataDir,
        JWT_SECRET: opts.jwtSecret,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out = (out + d).slice(-8000);
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    out = (out + d).slice(-8000);
  });
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once("exit", () => {
      exited = true;
      r();
    }),
  );
  const stop = async () => {
    if (exited) return;
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await gone;
    clearTimeout(t);
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error("exited");
        const res = await fetch(`${url}/health`);
        return res.ok;
      },
      60_000,
      100,
    );
  } catch (err) {
    await stop();
    throw new Error(`Python baseline did not start (${String(err)}):\n${out}`);
  }
  const pid = child.pid ?? -1;
  return { url, pid, rssKb: () => rssOf(pid), stop, output: () => out };
}

/** Starts a service as production does (`services/<name>/dist/main.mjs`, built once per run) on a free port. */
/** One build per bench run: the services are measured as production runs them, from their bundles. */
let built: Promise<unknown> | undefined;

export async function startService(
  service: "api" | "auth",
  env: Record<string, string | undefined>,
): Promise<OwnedProcess & { proc: ServiceProcess }> {
  built ??= buildServices();
  await built;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const portVar = service === "api" ? "API_SERVER_PORT" : "AUTH_SERVER_PORT";
  const hostVar = service === "api" ? "API_SERVER_HOST" : "AUTH_SERVER_HOST";
  const proc = await startServiceProcess({
    entry: join(REPO_ROOT, "services", service, "dist", "main.mjs"),
    env: {
      NODE_ENV: "production",
      // BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile of each service process there when it stops.
      ...(process.env.BENCH_CPU_PROF_DIR
        ? {
            BENCH_CPU_PROF_DIR: process.env.BENCH_CPU_PROF_DIR,
            NODE_OPTIONS: `--import ${join(REPO_ROOT, "bench", "lib", "cpu-profile-preload.mjs")}`,
          }
        : {}),
      ...env,
      [portVar]: String(port),
      [hostVar]: "127.0.0.1",
    },
    url,
    name: `${service}-service`,
    cwd: REPO_ROOT,
  });
  return {
    url,
    pid: proc.pid,
    proc,
    rssKb: () => proc.rssKb(),
    stop: async () => {
      await proc.stop();
    },
    output: () => proc.output(),
  };
}

export interface StubProcess {
  url: string;
  baseURL: string;
  /** Changes the stub's delays; resolves once applied. */
  set(delays: { tokenDelayMs?: number; firstByteDelayMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** The OpenAI-protocol stub (packages/testkit) in its own process. */
export async function startStubProcess(opts: {
  reply?: string;
  tokenDelayMs?: number;
  firstByteDelayMs?: number;
}): Promise<StubProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "bench", "lib", "stub-main.ts"), JSON.stringify(opts)],
    {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let rest = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    const parts = (rest + d).split("\n");
    rest = parts.pop() ?? "";
    for (const l of parts) {
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const l = lines.shift();
      if (l !== undefined) return resolve(l);
      const timer = setTimeout(() => reject(new Error("the stub process did not answer")), 30_000);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const first = JSON.parse(await nextLine()) as { url: string; baseURL: string };
  return {
    url: first.url,
    baseURL: first.baseURL,
    async set(delays) {
      child.stdin?.write(`${JSON.stringify(delays)}\n`);
      await nextLine();
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin?.end();
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}
