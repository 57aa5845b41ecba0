// The process supervisor behind `npm start`: prefixed output, stop on request, kill after the grace period, crash reports.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type ChildSpec, Supervisor } from "../../scripts/lib/supervisor.ts";

function capture() {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return { out, text: () => text };
}

function nodeChild(name: string, script: string): ChildSpec {
  return {
    name,
    label: name,
    color: "cyan",
    command: process.execPath,
    args: ["-e", script],
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "" },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const STAYS_UP = 'console.log("ready"); setInterval(() => {}, 1000);';

describe("Supervisor", () => {
  it("prefixes every line of a child's output with its label", async () => {
    const log = capture();
    const sup = new Supervisor({ out: log.out, color: false });
    const child = sup.start(nodeChild("one", 'console.log("a\\nb"); console.error("c")'));
    await child.exited;
    await new Promise((r) => setImmediate(r));
    expect(log.text()).toContain("one   │ a\none   │ b\n");
    expect(log.text()).toContain("one   │ c\n");
  });

  it("stops every child with SIGTERM and kills one that ignores it after the grace period", async () => {
    const log = capture();
    const sup = new Supervisor({ out: log.out, color: false, graceMs: 500 });
    const polite = sup.start(nodeChild("polite", STAYS_UP));
    const stubborn = sup.start(nodeChild("stubborn", `process.on("SIGTERM", () => {}); ${STAYS_UP}`));
    await new Promise((r) => setTimeout(r, 300));
    await sup.stopAll();
    expect((await polite.exited).signal).toBe("SIGTERM");
    expect((await stubborn.exited).signal).toBe("SIGKILL");
    expect(log.text()).toContain("stubborn did not stop within 500 ms; killing it");
    expect(alive(polite.pid) || alive(stubborn.pid)).toBe(false);
    expect(sup.failed).toBeUndefined();
  });

  it("reports a child that dies unasked, once, with how it died", async () => {
    const log = capture();
    const sup = new Supervisor({ out: log.out, color: false });
    const reasons: string[] = [];
    sup.onUnexpectedExit((r) => reasons.push(r));
    const survivor = sup.start(nodeChild("survivor", STAYS_UP));
    const crasher = sup.start(nodeChild("crasher", "setTimeout(() => process.exit(3), 100)"));
    await crasher.exited;
    await new Promise((r) => setImmediate(r));
    expect(reasons).toEqual(["crasher exited with code 3; stopping the other processes"]);
    expect(sup.failed).toBe(reasons[0]);
    await sup.stopAll();
    expect(alive(survivor.pid)).toBe(false);
  });

  it("fails the health wait early when the child exits before it is healthy", async () => {
    const sup = new Supervisor({ out: capture().out, color: false });
    sup.onUnexpectedExit(() => {});
    const child = sup.start(nodeChild("short", "process.exit(1)"));
    await expect(sup.waitHealthy(child, "http://127.0.0.1:9/health", 30_000)).rejects.toThrow(
      /short stopped before it became healthy/,
    );
  });
});
