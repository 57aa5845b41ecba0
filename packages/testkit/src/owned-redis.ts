// A redis-server a test owns (so it may stop it, and start it again on the same port), keeping nothing on disk.
import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import { freePort } from "./free-port.ts";
import { waitFor } from "./wait.ts";

export interface OwnedRedis {
  url: string;
  port: number;
  /** SIGTERM and wait for exit; clients see connection refused until start(). */
  stop(): Promise<void>;
  /** Starts a fresh (empty) server on the same port. */
  start(): Promise<void>;
  running(): boolean;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });

export async function startOwnedRedis(): Promise<OwnedRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    if (proc && proc.exitCode === null) return;
    proc = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    await waitFor(() => listening(port));
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    running: () => !!proc && proc.exitCode === null,
  };
}
