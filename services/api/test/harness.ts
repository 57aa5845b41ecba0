// Test harness for the api-service suites: a small indexed fixture book, contract-shaped JWTs, a running server, SSE parsing.

import { join } from "node:path";
import { JWT_AUDIENCE, JWT_ISSUER, type ReaderProfile } from "@ai-book/contracts";
import { createLogger, type RunningServer, startServer } from "@ai-book/http";
import { captureLogs, tempDir } from "@ai-book/testkit";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { SignJWT } from "jose";
import { openSqliteStore } from "../src/adapters/vector/sqlite.ts";
import { createApp } from "../src/app.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { buildDeps, type Deps } from "../src/deps.ts";
import { syncDocs } from "../src/ingest/sync.ts";
import type { Chunk } from "../src/rag/ports.ts";

export const TEST_SECRET = "test-secret-for-the-api-service-0123456789abcdef";
export const BOOK = "http://book.test";

function chunk(
  docId: string,
  ordinal: number,
  title: string,
  headingPath: string[],
  route: string,
  text: string,
): Chunk {
  return {
    id: `${docId}#${ordinal}`,
    docId,
    path: docId,
    title,
    headingPath,
    route,
    text,
    ordinal,
    tokens: text.split(/\s+/).length,
  };
}

/** A tiny book: a few sections with deep links, plus a near-duplicate copy of one section. */
export const FIXTURE_CHUNKS: Chunk[] = [
  chunk(
    "sensors/imu.md",
    0,
    "Sensors",
    ["Inertial measurement units"],
    "/docs/sensors/imu#inertial-measurement-units",
    "An inertial measurement unit (IMU) combines an accelerometer and a gyroscope. The accelerometer measures linear acceleration, including gravity, along three axes. The gyroscope measures angular velocity, so integrating it gives orientation. Integration accumulates small errors, which is called drift. Sensor fusion, for example with a complementary filter or a Kalman filter, corrects gyroscope drift using the accelerometer's gravity reference.",
  ),
  chunk(
    "sensors/imu.md",
    1,
    "Sensors",
    ["Inertial measurement units", "Placement"],
    "/docs/sensors/imu#placement",
    "Humanoid robots usually carry the IMU in the pelvis or torso, close to the center of mass. Vibration from the actuators adds noise, so the IMU is mounted on dampers. In agriculture robots the IMU also helps estimate the slope of a field.",
  ),
  chunk(
    "locomotion/balance.md",
    0,
    "Bipedal Locomotion",
    ["Zero moment point"],
    "/docs/locomotion/balance#zero-moment-point",
    "The zero moment point (ZMP) is the point on the ground where the horizontal moments of the ground reaction force vanish. A walking robot stays balanced when the ZMP remains inside the support polygon formed by its feet. Controllers plan the center of mass trajectory so that the ZMP follows a reference path.",
  ),
  chunk(
    "locomotion/balance.md",
    1,
    "Bipedal Locomotion",
    ["Gait generation"],
    "/docs/locomotion/balance#gait-generation",
    "Gait generation produces the footstep sequence and the timing of the swing and stance phases. The linear inverted pendulum model simplifies the robot to a point mass on a massless leg, which makes gait planning fast enough for real time.",
  ),
  chunk(
    "actuators.md",
    0,
    "Actuators",
    ["Series elastic actuators"],
    "/docs/actuators#series-elastic-actuators",
    "A series elastic actuator places a spring between the motor and the load. Measuring the spring's deflection gives the output torque, which makes force control precise and protects the gearbox from impacts.",
  ),
  chunk(
    "control/pid.md",
    0,
    "Control",
    ["PID control"],
    "/docs/control/pid#pid-control",
    "A PID controller computes a command from the error between a setpoint and a measurement: a proportional term reacts to the present error, an integral term removes steady-state error, and a derivative term damps oscillation. Tuning the three gains trades speed against overshoot.",
  ),
  // Same section copied into an appendix: retrieval must not return it twice.
  chunk(
    "appendix/imu-notes.md",
    0,
    "Appendix",
    ["IMU notes"],
    "/docs/appendix/imu-notes#imu-notes",
    "An inertial measurement unit (IMU) combines an accelerometer and a gyroscope. The accelerometer measures linear acceleration, including gravity, along three axes. The gyroscope measures angular velocity, so integrating it gives orientation. Integration accumulates small errors, which is called drift. Sensor fusion, for example with a complementary filter or a Kalman filter, corrects gyroscope drift using the accelerometer's gravity reference.",
  ),
];

export interface FixtureEmbedding {
  model: string;
  dimensions: number;
  embed: (text: string) => Float32Array;
}

/** Writes the fixture into a fresh SQLite index at `path` through the real store (with vectors when given). */
export async function writeFixtureIndex(
  path: string,
  chunks: Chunk[] = FIXTURE_CHUNKS,
  embedding?: FixtureEmbedding,
): Promise<void> {
  const store = openSqliteStore({ path });
  await store.reset(embedding ? { model: embedding.model, dimensions: embedding.dimensions } : null);
  const byDoc = new Map<string, Chunk[]>();
  for (const c of chunks) byDoc.set(c.docId, [...(byDoc.get(c.docId) ?? []), c]);
  for (const [docId, cs] of byDoc) {
    const vectors = embedding?.dimensions
      ? cs.map((c) => embedding.embed(`${c.title}\n${c.headingPath.join("\n")}\n${c.text}`))
      : undefined;
    await store.replaceDocument({ docId, contentHash: `hash-${docId}` }, cs, vectors);
  }
  await store.close();
}

/** Ingests a docs folder into a lexical SQLite index at `path` (what `npm run ingest` does offline). */
export async function ingestDocs(docsDir: string, path: string): Promise<void> {
  const store = openSqliteStore({ path });
  try {
    const summary = await syncDocs({ docsDir, store });
    if (summary.failed.length > 0) throw new Error(`ingest failed: ${JSON.stringify(summary.failed)}`);
  } finally {
    await store.close();
  }
}

export interface TokenOptions {
  profile?: Partial<ReaderProfile>;
  userId?: string;
  sid?: string;
  secret?: string;
  /** Seconds from now; negative for an expired token. @default 3600 */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  /** Extra or overriding payload fields. */
  claims?: Record<string, unknown>;
}

/** An HS256 access token shaped exactly like the auth-service's (packages/contracts jwt-claims). */
export async function signToken(opts: TokenOptions = {}): Promise<string> {
  const userId = opts.userId ?? `user-${Math.random().toString(36).slice(2, 10)}`;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    userId,
    email: `${userId}@example.com`,
    name: "Test Reader",
    emailVerified: true,
    softwareBackground: null,
    hardwareBackground: null,
    interestArea: null,
    ...opts.profile,
    sid: opts.sid ?? `sid-${userId}`,
    ...opts.claims,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresIn ?? 3600))
    .setIssuer(opts.issuer ?? JWT_ISSUER)
    .setAudience(opts.audience ?? JWT_AUDIENCE)
    .sign(new TextEncoder().encode(opts.secret ?? TEST_SECRET));
}

export interface TestApi {
  url: string;
  config: Config;
  deps: Deps;
  server: RunningServer;
  logs: ReturnType<typeof captureLogs>;
  /** POST a JSON body with a bearer token. */
  post(path: string, body: unknown, token?: string | null, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts the real app on a real socket (port 0) over a fresh copy of the fixture index, configured through
 * loadConfig like main.ts. `env` overrides any variable.
 */
export async function startTestApi(
  env: Record<string, string | undefined> = {},
  opts: {
    heartbeatMs?: number;
    chunks?: Chunk[];
    embedding?: FixtureEmbedding;
    /** Ingest this docs folder (lexical, through the real sync) instead of writing the fixture chunks. */
    docsDir?: string;
  } = {},
): Promise<TestApi> {
  const dir = tempDir("ai-book-api-");
  const indexPath = join(dir.path, "index.sqlite");
  if (opts.docsDir) await ingestDocs(opts.docsDir, indexPath);
  else await writeFixtureIndex(indexPath, opts.chunks, opts.embedding);
  const config = loadConfig({
    JWT_SECRET: TEST_SECRET,
    DATA_DIR: dir.path,
    INDEX_PATH: indexPath,
    BOOK_BASE_URL: BOOK,
    LOG_LEVEL: "info",
    NODE_ENV: "test",
    ...env,
  });
  const logs = captureLogs();
  const logger = createLogger({ service: "api-service", level: config.LOG_LEVEL, destination: logs.stream });
  const deps = await buildDeps(config, { logger });
  if (opts.heartbeatMs) deps.heartbeatMs = opts.heartbeatMs;
  const server = await startServer(createApp(deps), { port: 0 });
  return {
    url: server.url,
    config,
    deps,
    server,
    logs,
    post: (path, body, token, init = {}) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        ...init,
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async stop() {
      await server.close(1000);
      await deps.close();
      dir.cleanup();
    },
  };
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads an SSE response to its end with eventsource-parser; comments (heartbeats) are counted apart. */
export async function readSse(res: Response): Promise<{ events: SseEvent[]; comments: string[] }> {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) =>
      events.push({ event: m.event ?? "message", data: JSON.parse(m.data) }),
    onComment: (c) => comments.push(c),
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
    parser.feed(decoder.decode(chunk, { stream: true }));
  return { events, comments };
}
