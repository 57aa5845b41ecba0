// Qdrant unreachable (a closed port) or silent (a socket that never answers): search and chat answer 503 SEARCH_UNAVAILABLE quickly, /health says so.
import { createServer, type Server, type Socket } from "node:net";
import { freePort, newSecret, type ServiceProcess, startApiProcess, tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { call, envelopeCode, figure, postJson, readSse } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });

/** Generous: a 503 should take a connect timeout at most, never a client's patience. */
const BOUND_MS = 15_000;

async function blackhole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

for (const variant of ["closed port", "silent socket"] as const) {
  describe(`api-service with Qdrant unreachable (${variant})`, () => {
    const dir = tempDir("ai-book-qdrantfault-");
    const secret = newSecret();
    let api: ServiceProcess;
    let hole: Awaited<ReturnType<typeof blackhole>> | undefined;
    let auth: Record<string, string>;

    beforeAll(async () => {
      if (variant === "silent socket") hole = await blackhole();
      const qdrantUrl = hole ? hole.url : `http://127.0.0.1:${await freePort()}`;
      api = await startApiProcess({
        dataDir: dir.path,
        jwtSecret: secret,
        qdrantUrl,
        rateLimitPerMinute: 10_000,
      });
      auth = { authorization: `Bearer ${await signValid(secret, validClaims())}` };
    });
    afterAll(async () => {
      await api?.stop();
      await hole?.close();
      dir.cleanup();
    });

    it("answers search and chat with 503 SEARCH_UNAVAILABLE, fast, every time", async () => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        for (const [path, body] of [
          ["/v1/search", { query: "gyroscope" }],
          ["/v1/chat", { message: "What is a gyroscope?" }],
        ] as const) {
          const a = await postJson(`${api.url}${path}`, body, { headers: auth, timeoutMs: BOUND_MS });
          expect(a.status, `${path}: ${a.text}`).toBe(503);
          expect(envelopeCode(a)).toBe("SEARCH_UNAVAILABLE");
          times.push(a.ms);
        }
      }
      const s = await readSse(
        `${api.url}/v1/chat/stream`,
        { message: "What is a gyroscope?" },
        auth,
        BOUND_MS,
      );
      // Documented: retrieval runs before the stream begins, so the stream endpoint answers a plain 503.
      expect(s.status, s.text).toBe(503);
      expect(JSON.parse(s.text).error.code).toBe("SEARCH_UNAVAILABLE");
      const streamed = "503 before the stream";
      figure(
        "faults",
        `Qdrant ${variant}: ${times.length + 1} requests → 503 SEARCH_UNAVAILABLE, slowest ${Math.round(Math.max(...times))} ms; stream: ${streamed}`,
      );
    });

    it("reports unhealthy on /health and keeps running", async () => {
      const h = await call(`${api.url}/health`, { timeoutMs: BOUND_MS });
      expect(h.status, h.text).toBe(503);
      expect((h.json as { status: string }).status).toBe("unhealthy");
      expect(api.running()).toBe(true);
    });
  });
}
