// Finding 1 (issue 19): a sign-out reaches the api-service with and without Redis, and production refuses long tokens with no revocation path.
import {
  AUTH_MAIN,
  newSecret,
  type RunningSystem,
  requireEnv,
  runUntilExit,
  startSystem,
  TRUSTED_ORIGIN,
  tempDir,
} from "@ai-book/testkit";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type Answer, envelopeCode, postJson } from "./support.ts";

// Processes start slowly on a busy machine: generous limits here guard against hangs, they are not speed targets.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 400_000 });

const search = (sys: RunningSystem, jwt: string) =>
  postJson(
    `${sys.api.url}/v1/search`,
    { query: "IMU", limit: 1 },
    { headers: { authorization: `Bearer ${jwt}` } },
  );

/** Signs the first reader out and sends their old JWT once more: the very next request must be refused. */
async function signOutThenSearch(sys: RunningSystem): Promise<Answer> {
  const [reader, other] = sys.readers;
  if (!reader || !other) throw new Error("two readers expected");
  expect((await search(sys, reader.jwt)).status).toBe(200);
  const out = await postJson(
    `${sys.auth.url}/api/auth/sign-out`,
    {},
    { headers: { authorization: `Bearer ${reader.sessionToken}`, origin: TRUSTED_ORIGIN } },
  );
  expect(out.status, out.text).toBe(200);
  // The auth-service commits the revocation before it answers, and the api-service asks Redis or the file on every
  // request: no wait, no window.
  const refused = await search(sys, reader.jwt);
  // The other reader's session is untouched.
  expect((await search(sys, other.jwt)).status).toBe(200);
  return refused;
}

describe("finding 1: sign-out reaches the api-service", () => {
  const shared = tempDir("ai-book-revocation-");
  const systems: RunningSystem[] = [];
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.stop()));
    shared.cleanup();
  });

  it("without Redis: through the revocation file both services share on one host", async () => {
    // The two services get separate DATA_DIRs here, so the shared file is named explicitly (as an operator would).
    const file = `${shared.path}/revocations.sqlite`;
    const sys = await startSystem({
      readers: 2,
      auth: { env: { REVOCATION_DB_PATH: file } },
      api: { env: { REVOCATION_DB_PATH: file }, rateLimitPerMinute: 100_000 },
    });
    systems.push(sys);
    const refused = await signOutThenSearch(sys);
    expect(refused.status, refused.text).toBe(401);
    expect(envelopeCode(refused)).toBe("TOKEN_REVOKED");
  });

  const redisUrl = requireEnv("REDIS_URL");
  it.skipIf(!redisUrl)("with Redis: through the shared revocation keys", async () => {
    const sys = await startSystem({
      readers: 2,
      redisUrl,
      api: { rateLimitPerMinute: 100_000, env: { RATE_LIMIT_KEY_PREFIX: `rev-${newSecret()}:` } },
    });
    systems.push(sys);
    const refused = await signOutThenSearch(sys);
    expect(refused.status, refused.text).toBe(401);
    expect(envelopeCode(refused)).toBe("TOKEN_REVOKED");
  });

  it("production refuses access tokens over 15 minutes when no revocation path is configured", async () => {
    const r = await runUntilExit(
      AUTH_MAIN,
      {
        NODE_ENV: "production",
        DATA_DIR: `${shared.path}/prod`,
        AUTH_SERVER_PORT: "0",
        AUTH_SERVER_HOST: "127.0.0.1",
        JWT_SECRET: newSecret(),
        BETTER_AUTH_SECRET: newSecret(),
        JWT_EXPIRES_IN: "7d",
      },
      240_000,
      { cwd: shared.path },
    );
    expect(r.timedOut, "the service started instead of refusing").toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/REDIS_URL/);
    expect(r.output).toMatch(/REVOCATION_DB_PATH/);
  });
});
