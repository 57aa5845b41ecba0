// SIGTERM while streams and requests are in flight: stop accepting, finish what is in flight, exit 0 — for both services.
import {
  authDatabase,
  clientAddress,
  closeAddressAgents,
  findPgBin,
  fromAddress,
  ingestBook,
  newSecret,
  type OpenAIStub,
  type OwnedPostgres,
  type ServiceProcess,
  skipUnlessPresent,
  startApiProcess,
  startAuthProcess,
  startOpenAIStub,
  startPostgres,
  TRUSTED_ORIGIN,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { signValid, validClaims } from "../security/hostile-jwt.ts";
import { call, figure, postJson, readSse } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 400_000 });

const pgBin = findPgBin();
const skipAuth = skipUnlessPresent(
  !pgBin &&
    !process.env.DATABASE_URL &&
    "neither initdb/pg_ctl nor DATABASE_URL: skipping the auth SIGTERM test",
);

const REPLY =
  "A gyroscope measures angular velocity [1]. Integrating it gives orientation, and small errors accumulate into drift [1]. Fusion with the accelerometer corrects it [2].";

describe("graceful shutdown on SIGTERM", () => {
  const dir = tempDir("ai-book-sigterm-");
  let stub: OpenAIStub | undefined;
  let api: ServiceProcess | undefined;
  let auth: ServiceProcess | undefined;
  let db: Awaited<ReturnType<typeof authDatabase>> | undefined;
  let owned: OwnedPostgres | undefined;
  afterAll(async () => {
    await Promise.all([api?.stop("SIGKILL"), auth?.stop("SIGKILL")]);
    await stub?.close();
    await db?.drop();
    await owned?.destroy();
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
    // The late request goes out once the service says it stopped accepting (not after a guessed pause).
    await waitFor(() => api!.output().includes("shutting down: finishing in-flight requests"), 30_000);
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

  it.skipIf(skipAuth)(
    "auth-service: a sign-up in flight at the database when SIGTERM arrives completes, exit code 0",
    async () => {
      // The sign-up is held inside PostgreSQL by a table lock this test owns, so it is provably in flight when the
      // signal arrives (a fixed pause could let it finish first, or not start at all).
      owned = pgBin ? await startPostgres() : undefined;
      db = owned ? { url: owned.url, drop: async () => {} } : await authDatabase();
      auth = await startAuthProcess({
        dataDir: `${dir.path}/auth`,
        databaseUrl: db.url,
        jwtSecret: newSecret(),
      });
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      try {
        await locker.query("BEGIN");
        // EXCLUSIVE lets the sign-up's reads through and holds its writes.
        await locker.query('LOCK TABLE "user" IN EXCLUSIVE MODE');
        const signUp = postJson(
          `${auth.url}/api/auth/sign-up/email`,
          {
            name: "Shutdown Reader",
            email: `sigterm-${Date.now()}@example.test`,
            password: "shutdown password",
          },
          {
            headers: { origin: TRUSTED_ORIGIN },
            dispatcher: fromAddress(clientAddress(1)),
            timeoutMs: 120_000,
          },
        );
        const blocked = async () =>
          (
            await locker.query(
              "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()",
            )
          ).rowCount;
        await waitFor(async () => (await blocked()) === 1, {
          timeoutMs: 120_000,
          explain: async () =>
            `${JSON.stringify((await locker.query("SELECT state, wait_event_type, left(query, 80) AS q FROM pg_stat_activity WHERE datname = current_database()")).rows)}\n${auth!.output().slice(-2000)}`,
        });
        auth.process.kill("SIGTERM");
        await waitFor(() => auth!.output().includes("shutting down"), 30_000);
        await locker.query("COMMIT");
        const answer = await signUp;
        const exit = await auth.exited;
        figure(
          "faults",
          `SIGTERM auth-service: a sign-up held in the database at the signal → ${answer.status}; exit ${exit.code}`,
        );
        expect(answer.status, answer.failure ?? answer.text).toBe(200);
        expect(exit.code).toBe(0);
      } finally {
        await locker.end().catch(() => undefined);
      }
    },
  );
});
