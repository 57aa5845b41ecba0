// PostgreSQL stopped under sign-up/sign-in load (a cluster this test owns): fast 503s, honest /health, recovery without restart, no lost or half-written sign-up.
import {
  clientAddress,
  closeAddressAgents,
  findPgBin,
  fromAddress,
  newSecret,
  type OwnedPostgres,
  type ServiceProcess,
  skipUnlessPresent,
  startAuthProcess,
  startPostgres,
  TRUSTED_ORIGIN,
  tempDir,
  waitFor,
} from "@ai-book/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Answer, call, envelopeCode, figure, postJson, sleep } from "../security/support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 400_000 });

const bin = findPgBin();
const skip = skipUnlessPresent(!bin && "initdb/pg_ctl not installed: skipping the PostgreSQL outage test");

type Phase = "before" | "outage" | "after";
interface Outcome {
  phase: Phase;
  kind: "sign-up" | "sign-in";
  email: string;
  a: Answer;
}

describe.skipIf(skip)("auth-service when PostgreSQL goes away and comes back", () => {
  const dir = tempDir("ai-book-pgfault-");
  let owned: OwnedPostgres;
  let auth: ServiceProcess;
  const outcomes: Outcome[] = [];
  let phase: Phase = "before";
  let running = true;
  let n = 0;
  const password = "outage password 1";

  beforeAll(async () => {
    owned = await startPostgres();
    auth = await startAuthProcess({ dataDir: dir.path, databaseUrl: owned.url, jwtSecret: newSecret() });
  });
  afterAll(async () => {
    running = false;
    await auth?.stop();
    await owned?.destroy();
    await closeAddressAgents();
    dir.cleanup();
  });

  async function worker(w: number) {
    while (running) {
      const i = n++;
      const email = `outage-${w}-${i}@example.test`;
      const dispatcher = fromAddress(clientAddress(i % 900));
      const at: Phase = phase;
      const a = await postJson(
        `${auth.url}/api/auth/sign-up/email`,
        { name: "Outage Reader", email, password },
        { headers: { origin: TRUSTED_ORIGIN }, dispatcher, timeoutMs: 20_000 },
      );
      outcomes.push({ phase: at, kind: "sign-up", email, a });
      // A client that backs off after a refusal, as a browser form does: without the pause, four workers
      // hammering a 503 starve the 2-core machine the recovery has to happen on.
      if (a.status !== 200) await sleep(250);
      else {
        const s = await postJson(
          `${auth.url}/api/auth/sign-in/email`,
          { email, password },
          { headers: { origin: TRUSTED_ORIGIN }, dispatcher, timeoutMs: 20_000 },
        );
        outcomes.push({ phase, kind: "sign-in", email, a: s });
      }
    }
  }

  it("answers 503 fast during the outage, reports unhealthy, recovers on its own and loses nothing", async () => {
    const ok = (p: Phase) =>
      outcomes.filter((o) => o.phase === p && o.kind === "sign-up" && o.a.status === 200).length;
    const load = Promise.all([0, 1, 2, 3].map(worker));
    let lastHealth: Answer | undefined;
    const healthIs = (status: number) => async () => {
      lastHealth = await call(`${auth.url}/health`, { timeoutMs: 10_000 });
      return lastHealth.status === status;
    };
    // Hang guards (not speed targets) whose failure says what the service last answered and logged.
    const guard = { timeoutMs: 120_000, stepMs: 250 } as const;
    const explain = () =>
      `last /health: ${lastHealth ? `${lastHealth.status} ${lastHealth.text}` : "none yet"}\n` +
      `auth-service log tail:\n${auth.lines.slice(-30).join("\n")}`;
    await waitFor(() => ok("before") >= 8, { ...guard, explain });

    phase = "outage";
    await owned.stop();
    await waitFor(healthIs(503), { ...guard, explain });
    const health = lastHealth as Answer;
    // The outage lasts until the workers have met it a few times, however slow the machine.
    await waitFor(() => outcomes.filter((o) => o.phase === "outage").length >= 6, { ...guard, explain });

    // start() returns once PostgreSQL accepts a connection, so the recovery clock measures the service alone.
    await owned.start();
    const restartedAt = Date.now();
    await waitFor(healthIs(200), { ...guard, explain });
    const recoveryMs = Date.now() - restartedAt;
    phase = "after";
    await waitFor(() => ok("after") >= 5, { ...guard, explain });
    running = false;
    await load;

    const during = outcomes.filter((o) => o.phase === "outage");
    const histogram = (os: Outcome[]) =>
      Object.entries(
        os.reduce<Record<string, number>>((h, o) => {
          const k =
            o.a.status === 0
              ? `no answer (${o.a.failure})`
              : `${o.a.status} ${o.a.status >= 400 ? envelopeCode(o.a) : ""}`.trim();
          h[k] = (h[k] ?? 0) + 1;
          return h;
        }, {}),
      )
        .map(([k, v]) => `${k}×${v}`)
        .join(", ");
    figure(
      "faults",
      `PostgreSQL outage: ${outcomes.length} auth requests (${outcomes.filter((o) => o.phase === "before").length} before, ` +
        `${during.length} during, ${outcomes.filter((o) => o.phase === "after").length} after); during: ${histogram(during)}; ` +
        `slowest during ${Math.round(Math.max(0, ...during.map((o) => o.a.ms)))} ms; healthy again ${recoveryMs} ms after restart`,
    );

    expect(health.status, health.text).toBe(503);
    expect((health.json as { status?: string }).status).toBe("unhealthy");
    expect(during.length).toBeGreaterThan(0);
    // Every request got an HTTP answer, none hung, and a dead database is a 503 — not a 500.
    const noAnswer = outcomes
      .filter((o) => o.a.status === 0)
      .map((o) => `${o.phase} ${o.kind}: ${o.a.failure}`);
    expect(noAnswer).toEqual([]);
    const slow = during.filter((o) => o.a.ms > 10_000).map((o) => `${o.kind} took ${Math.round(o.a.ms)} ms`);
    expect(slow).toEqual([]);
    const wrong = outcomes
      .filter(
        (o) => o.a.status >= 500 && !(o.a.status === 503 && envelopeCode(o.a) === "SERVICE_UNAVAILABLE"),
      )
      .map((o) => `${o.phase} ${o.kind}: ${o.a.status} ${envelopeCode(o.a)}`);
    // Soft, so the data checks below still run and report when this fails.
    expect.soft(wrong.slice(0, 10), `${wrong.length} non-503 server errors`).toEqual([]);
    expect
      .soft(
        during.some((o) => o.a.status === 503),
        "some request answered 503 during the outage",
      )
      .toBe(true);

    // Nothing lost, nothing half-written.
    const client = new pg.Client({ connectionString: owned.url });
    await client.connect();
    try {
      const users = await client.query<{ email: string; accounts: string }>(
        `SELECT u.email, count(a.id)::text AS accounts FROM "user" u LEFT JOIN account a ON a.user_id = u.id GROUP BY u.email`,
      );
      const stored = new Map(users.rows.map((r) => [r.email, Number(r.accounts)]));
      const signedUp = outcomes.filter((o) => o.kind === "sign-up" && o.a.status === 200).map((o) => o.email);
      expect(
        signedUp.filter((e) => !stored.has(e)),
        "2xx sign-ups missing from the database",
      ).toEqual([]);
      expect(
        [...stored].filter(([, accounts]) => accounts !== 1).map(([e]) => e),
        "users without exactly one account",
      ).toEqual([]);
      figure(
        "faults",
        `PostgreSQL outage: ${signedUp.length} acknowledged sign-ups all stored with their account; ${stored.size} users in total`,
      );
    } finally {
      await client.end();
    }
    expect(auth.running()).toBe(true);
  });
});
