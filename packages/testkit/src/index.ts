// Test helpers shared by every suite: temp dirs, free ports, owned Redis / PostgreSQL, log capture, an OpenAI stub.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(prefix = "ai-book-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, stepMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * A database of its own on the PostgreSQL server at `baseUrl` (e.g. the CI's DATABASE_URL), so suites
 * never see each other's rows. `drop()` removes it.
 */
export async function createPgDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `aibook_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A redis-server process this test owns (so it may stop it), on a free port, keeping nothing on disk. */
export async function startRedis(): Promise<{
  url: string;
  port: number;
  stop: () => Promise<void>;
  process: ChildProcess;
}> {
  const port = await freePort();
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const sock = net.connect(port, "127.0.0.1");
        sock.once("connect", () => {
          sock.destroy();
          resolve(true);
        });
        sock.once("error", () => resolve(false));
      }),
  );
  return {
    url,
    port,
    process: proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

/** A writable stream that keeps every log line, for asserting what was (not) logged. */
export function captureLogs(): { stream: Writable; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(l);
      cb();
    },
  });
  return { stream, lines, text: () => lines.join("\n") };
}

/** Skips with a printed reason when an env var a test needs is missing. */
export function requireEnv(name: string): string | undefined {
  const value = process.env[name];
  if (!value) console.warn(`[skip] ${name} is not set: skipping the tests that need it`);
  return value || undefined;
}
export * from "./openai-stub.ts";
export * from "./owned-redis.ts";
export * from "./pg-cluster.ts";
export * from "./qdrant-api.ts";
export * from "./qdrant-stub.ts";
export * from "./service-process.ts";
export * from "./source-address.ts";
export * from "./system.ts";
