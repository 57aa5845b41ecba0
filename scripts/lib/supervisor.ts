// Runs the system's long-lived processes: prefixed output, health waits, and all-or-nothing shutdown.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { styleText } from "node:util";

type Color = "cyan" | "magenta" | "yellow" | "green" | "blue";

export interface ChildSpec {
  /** Shown in messages, e.g. "auth-service". */
  name: string;
  /** Prefix of each output line, e.g. "auth". */
  label: string;
  color: Color;
  command: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
}

export interface Managed {
  spec: ChildSpec;
  process: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SupervisorOptions {
  /** Where start.ts's own messages and the children's prefixed lines go. */
  out?: NodeJS.WritableStream;
  /** How long children get after SIGTERM before their process group is killed. @default 10000 */
  graceMs?: number;
  /** Colour the prefixes. @default out is a TTY and NO_COLOR is unset */
  color?: boolean;
}

const EXIT_TIMEOUT = Symbol("timeout");

/** Sends `signal` to the child's whole process group (it may have children of its own); ignores the already-gone. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export class Supervisor {
  readonly children: Managed[] = [];
  private stopping: Promise<void> | undefined;
  private failure: string | undefined;
  private readonly out: NodeJS.WritableStream;
  private readonly graceMs: number;
  private readonly color: boolean;
  private readonly labelWidth = 5;
  private onFailure: ((reason: string) => void) | undefined;

  constructor(opts: SupervisorOptions = {}) {
    this.out = opts.out ?? process.stdout;
    this.graceMs = opts.graceMs ?? 10_000;
    this.color =
      opts.color ??
      (Boolean((this.out as NodeJS.WriteStream).isTTY) && !process.env.NO_COLOR && !process.env.CI);
    // Last resort if start.ts dies without stopping them: no orphaned servers holding the ports.
    process.once("exit", () => {
      for (const c of this.children)
        if (c.process.exitCode === null && c.process.signalCode === null) killGroup(c.pid, "SIGKILL");
    });
  }

  /** The reason the system failed (a child died unasked), if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Called once when a child exits while nobody asked it to. */
  onUnexpectedExit(handler: (reason: string) => void): void {
    this.onFailure = handler;
  }

  log(message: string): void {
    this.out.write(`${this.prefix("start", "green")}${message}\n`);
  }

  private prefix(label: string, color: Color): string {
    const text = `${label.padEnd(this.labelWidth)} │ `;
    return this.color ? styleText(color, text) : text;
  }

  /**
   * Starts a long-lived child in its own process group (so a terminal's Ctrl-C reaches start.ts only, which then
   * stops each child exactly once), with every output line prefixed by its label.
   */
  start(spec: ChildSpec): Managed {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
    const prefix = this.prefix(spec.label, spec.color);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
        this.out.write(`${prefix}${line}\n`),
      );
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    const managed: Managed = { spec, process: child, pid: child.pid, exited };
    this.children.push(managed);
    this.log(`${spec.name} started (pid ${child.pid})`);
    void exited.then(({ code, signal }) => {
      // Whatever it left behind in its group goes with it.
      killGroup(managed.pid, "SIGTERM");
      if (this.stopping) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const reason = `${spec.name} ${how}; stopping the other processes`;
      this.failure ??= reason;
      this.log(reason);
      this.onFailure?.(reason);
    });
    return managed;
  }

  /** Polls `url` until it answers 2xx; fails early if `managed` exits, late after `timeoutMs`. */
  async waitHealthy(managed: Managed, url: string, timeoutMs = 180_000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    let gone = false;
    void managed.exited.then(() => {
      gone = true;
    });
    while (!gone && !this.stopping) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return res;
        last = `HTTP ${res.status}`;
        await res.body?.cancel();
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline)
        throw new Error(`${managed.spec.name} is not healthy at ${url} after ${timeoutMs} ms (${last})`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${managed.spec.name} stopped before it became healthy (${last})`);
  }

  /**
   * Stops every running child: SIGTERM to each process group, then SIGKILL to those still running after the grace
   * period. Idempotent; `force` (a second Ctrl-C) kills at once.
   */
  stopAll(force = false): Promise<void> {
    if (force) for (const c of this.running()) killGroup(c.pid, "SIGKILL");
    this.stopping ??= (async () => {
      const running = this.running();
      for (const c of running) killGroup(c.pid, "SIGTERM");
      await Promise.all(
        running.map(async (c) => {
          let timer: NodeJS.Timeout | undefined;
          const result = await Promise.race([
            c.exited,
            new Promise<typeof EXIT_TIMEOUT>((r) => {
              timer = setTimeout(() => r(EXIT_TIMEOUT), this.graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (result === EXIT_TIMEOUT) {
            this.log(`${c.spec.name} did not stop within ${this.graceMs} ms; killing it`);
            killGroup(c.pid, "SIGKILL");
            await c.exited;
          }
        }),
      );
    })();
    return this.stopping;
  }

  private running(): Managed[] {
    return this.children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
  }
}

/** Runs a one-shot command in the foreground (its own output, e.g. a progress bar, goes straight to the terminal). */
export function runToCompletion(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: Record<string, string>; onStart?: (stop: () => void) => void },
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: "inherit",
      detached: true,
    });
    child.once("error", reject);
    const pid = child.pid;
    const stop = () => {
      if (pid !== undefined) killGroup(pid, "SIGTERM");
    };
    const onExit = () => {
      if (pid !== undefined) killGroup(pid, "SIGKILL");
    };
    process.once("exit", onExit);
    opts.onStart?.(stop);
    child.once("exit", (code, signal) => {
      process.off("exit", onExit);
      resolve({ code, signal });
    });
  });
}
