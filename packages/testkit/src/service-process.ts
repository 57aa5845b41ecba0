// Run a service's main.ts as a real child process (for fault, SIGTERM, cluster and soak tests), with its logs kept.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { waitFor } from "./wait.ts";

/** tsx's loader by absolute URL, so children may run in any cwd (e.g. a temp dir where no stray .env is read). */
const TSX_LOADER = import.meta.resolve("tsx");

/** Node's argv for an entry: TypeScript sources through tsx's loader, a built bundle (.mjs/.js) as it is. */
export function nodeArgsFor(entry: string): string[] {
  return entry.endsWith(".ts") ? ["--import", TSX_LOADER, entry] : ["--enable-source-maps", entry];
}

export interface ServiceProcessOptions {
  /**
   * The entry point, relative to cwd or absolute: TypeScript (services/auth/src/main.ts, run through tsx) or a
   * bundle from `npm run build` (services/auth/dist/main.mjs, run by plain Node as in production).
   */
  entry: string;
  /**
   * The whole environment of the child, on top of PATH/HOME/TMPDIR (nothing else of ours leaks in). Run it in a
   * `cwd` without a .env file, since the services read one.
   */
  env: Record<string, string | undefined>;
  /**
   * Base URL the service will listen on, e.g. http://127.0.0.1:41234. Leave it out when the service binds port 0:
   * the URL is then read from its "… listening" log line (`url` field), so no other process can take the port
   * between choosing and binding it.
   */
  url?: string;
  /** A label for error messages. */
  name?: string;
  /** Path polled until it answers with the service's own health body (JSON with a `status`). @default "/health" */
  readyPath?: string;
  /** @default 180_000 */
  readyTimeoutMs?: number;
  cwd?: string;
}

export interface ServiceProcess {
  name: string;
  url: string;
  pid: number;
  process: ChildProcess;
  /** Every line the process wrote to stdout and stderr, in order. */
  lines: string[];
  /** All output so far as one string. */
  output(): string;
  /** Lines parsed as JSON (pino), skipping any that are not. */
  jsonLines(): Array<Record<string, unknown>>;
  /** Resolves with the exit code / signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** Sends `signal` (default SIGTERM) and waits for exit; SIGKILL after `timeoutMs`. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resident set size in kB (Linux /proc), undefined once exited. */
  rssKb(): number | undefined;
  /** Number of open file descriptors (Linux /proc), undefined once exited. */
  openFds(): number | undefined;
}

/** Starts `node <entry>` (see `nodeArgsFor`) and waits until `readyPath` answers. Throws with the logs if it exits first. */
export async function startServiceProcess(opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const name = opts.name ?? opts.entry;
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, nodeArgsFor(opts.entry), {
    cwd: opts.cwd ?? process.cwd(),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) if (p) lines.push(p);
    });
    stream?.on("end", () => {
      if (rest) lines.push(rest);
      rest = "";
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      // let the pipes drain so the last log lines are kept
      setTimeout(() => resolve({ code, signal }), 50);
    });
  });
  const pid = child.pid ?? -1;
  const proc: ServiceProcess = {
    name,
    url: opts.url ?? "",
    pid,
    process: child,
    lines,
    output: () => lines.join("\n"),
    jsonLines: () =>
      lines.flatMap((l) => {
        try {
          const v = JSON.parse(l) as unknown;
          return v && typeof v === "object" ? [v as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    exited,
    running: () => exitInfo === undefined,
    stop: async (signal = "SIGTERM", timeoutMs = 15_000) => {
      if (exitInfo) return exitInfo;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
    rssKb: () => {
      try {
        const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    openFds: () => {
      try {
        return readdirSync(`/proc/${pid}/fd`).length;
      } catch {
        return undefined;
      }
    },
  };
  const readyPath = opts.readyPath ?? "/health";
  const listeningUrl = () => {
    for (const line of proc.jsonLines()) {
      if (typeof line.msg === "string" && line.msg.endsWith("listening") && typeof line.url === "string")
        return line.url;
    }
    return undefined;
  };
  let lastAnswer = "none yet";
  try {
    await waitFor(
      async () => {
        // Stop waiting at once when the process died (waitFor treats a throw as "not ready yet").
        if (exitInfo) return true;
        if (!opts.url) {
          const url = listeningUrl();
          if (!url) return false;
          proc.url = url;
        }
        const res = await fetch(proc.url + readyPath, { signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        lastAnswer = `${res.status} ${text.slice(0, 300)}`;
        // Our own health body (healthy or not: fault tests start services whose dependencies are down), not
        // whatever else might answer HTTP on that port.
        const body = JSON.parse(text) as { status?: unknown };
        return typeof body.status === "string";
      },
      { timeoutMs: opts.readyTimeoutMs ?? 180_000, stepMs: 100 },
    ).catch((err: unknown) => {
      if (!exitInfo) throw err;
    });
    if (exitInfo) throw new Error(`exited with ${JSON.stringify(exitInfo)}`);
  } catch (err) {
    await proc.stop("SIGKILL");
    throw new Error(
      `${name} did not become ready (${String(err)}); last ${readyPath} answer: ${lastAnswer}. Output:\n${proc.output().slice(-4000)}`,
    );
  }
  return proc;
}

/** Runs a service expecting it to refuse to start; resolves with its exit code and output (kills it after `timeoutMs`). */
export async function runUntilExit(
  entry: string,
  env: Record<string, string | undefined>,
  timeoutMs = 30_000,
  opts: { cwd?: string } = {},
  args: string[] = [],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; timedOut: boolean }> {
  const base: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const v = process.env[k];
    if (v) base[k] = v;
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) base[k] = v;
  const child = spawn(process.execPath, [...nodeArgsFor(entry), ...args], {
    env: base,
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => child.once("close", (c, s) => resolve({ code: c, signal: s })),
  );
  clearTimeout(timer);
  return { code, signal, output, timedOut };
}
