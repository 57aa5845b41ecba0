// SIGTERM while streams and requests are in flight: stop accepting, finish what is in flight, exit 0 — for both services.
import {
  authDatabase,
  clientAddress,
  closeAddressAgents,
  fromAddress,
  ingestBook,
  newSecret,
  type OpenAIStub,
  type ServiceProcess,
  startApiProcess,
  startAuthProcess,
  startOpenAIStub,
  TRUSTED_ORIGIN,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import { afterAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { call, figure, postJson, readSse, sleep } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 400_000 });

const REPLY =
  "A gyroscope measures angular velocity [1]. Integrating it gives orientation, and small errors accumulate into drift [1]. Fusion with the accelerometer corrects it [2].";

describe("graceful shutdown on SIGTERM", () => {
  const dir = tempDir("ai-book-sigterm-");
  let stub: OpenAIStub | undefined;
  let api: ServiceProcess | undefined;
  let auth: ServiceProcess | undefined;
  let db: Awaited<ReturnType<typeof authDatabase>> | undefined;
  afterAll(async () => {
    await Promise.all([api?.stop("SIGKILL"), auth?.stop("SIGKILL")]);
    await stub?.close();
    await db?.drop();
    await closeAddressAgents();
    dir.cleanup();
  });

  it("api-service: in-flight streams and chats complete, new connections are refused, exit code 0", async () => {
    const secret = newSecret();
    stub = await startOpenAIStub({ reply: () => REPLY, tokenDelayMs: 120 });
    const env = { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: "sk-test-stub" };
    await ingestBook({ dataDir: `${dir.path}/api`, env });
    api = await startApiProcess({
      dataDir: `${dir.path}/api`,
      jwtSecret: secret,
      openaiBaseUrl: stub.baseURL,
      rateLimitPerMinute: 10_000,
      env: { SHUTDOWN_GRACE_MS: "20000", LLM_TIMEOUT_MS: "15000" },
    });
    const headers = { authorization: `Bearer ${await signValid(secret, validClaims())}` };
    const question = { message: "What does a gyroscope measure and why does it drift?" };
    stub.reset();
    stub.setFirstByteDelay(1_500);
    const streams = Array.from({ length: 3 }, () =>
      readSse(`${api!.url}/v1/chat/stream`, question, headers, 60_000),
    );
    const chats = Array.from({ length: 3 }, () =>
      postJson(`${api!.url}/v1/chat`, question, { headers, timeoutMs: 60_000 }),
    );
    await waitFor(() => stub!.chatRequests().length >= 6, 30_000);

    const signalled = Date.now();
    api.process.kill("SIGTERM");
    await sleep(400);
    const late = await call(`${api.url}/health`, { timeoutMs: 5_000 });
    const [s, c] = await Promise.all([Promise.all(streams), Promise.all(chats)]);
    const exit = await api.exited;
    const exitMs = Date.now() - signalled;

    figure(
      "faults",
      `SIGTERM api-service: ${s.length} streams + ${c.length} chats in flight → ${s.filter((x) => x.events.at(-1)?.event === "done").length} streams done, ` +
        `${c.filter((x) => x.status === 200).length} chats 200; late request → ${late.status || late.failure}; exit ${exit.code} after ${exitMs} ms`,
    );
    expect(
      late.status === 0 || late.status === 503,
      `a request after SIGTERM was served: ${late.status}`,
    ).toBe(true);
    for (const x of s) {
      expect(x.failure, "stream cut").toBeUndefined();
      expect(x.events[0]?.event).toBe("sources");
      expect(x.events.at(-1)?.event).toBe("done");
      expect(JSON.parse(x.events.at(-1)!.data).mode).toBe("llm");
    }
    for (const x of c) expect(x.status, x.failure ?? x.text).toBe(200);
    expect(exit.code).toBe(0);
  });

  it("auth-service: in-flight sign-ups complete, exit code 0", async () => {
    db = await authDatabase();
    auth = await startAuthProcess({
      dataDir: `${dir.path}/auth`,
      databaseUrl: db.url,
      jwtSecret: newSecret(),
    });
    const signUps = Array.from({ length: 4 }, (_, i) =>
      postJson(
        `${auth!.url}/api/auth/sign-up/email`,
        {
          name: "Shutdown Reader",
          email: `sigterm-${i}-${Date.now()}@example.test`,
          password: "shutdown password",
        },
        { headers: { origin: TRUSTED_ORIGIN }, dispatcher: fromAddress(clientAddress(i)), timeoutMs: 30_000 },
      ),
    );
    await sleep(150);
    auth.process.kill("SIGTERM");
    const answers = await Promise.all(signUps);
    const exit = await auth.exited;
    figure(
      "faults",
      `SIGTERM auth-service: ${answers.filter((a) => a.status === 200).length}/${answers.length} in-flight sign-ups completed; exit ${exit.code}`,
    );
    for (const a of answers) expect(a.status, a.failure ?? a.text).toBe(200);
    expect(exit.code).toBe(0);
  });
});
