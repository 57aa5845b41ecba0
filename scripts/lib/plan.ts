// Turns the environment into the plan `npm start` runs: ports, URLs and the environment each child gets.
import { isAbsolute, resolve } from "node:path";
import { loadOrCreateDevSecrets } from "@ai-book/runtime";
import { API_SERVICE, AUTH_SERVICE, BOOK_DEFAULT_PORT, type ServiceDefinition } from "./services.ts";

export type Env = Record<string, string | undefined>;

export interface ServicePlan {
  def: ServiceDefinition;
  port: number;
  /** The address it listens on. */
  host: string;
  /** What a person (or the browser) types: http://localhost:<port>. */
  publicUrl: string;
  /** Where start.ts polls /health (a loopback address the listener accepts). */
  healthUrl: string;
}

export interface SystemPlan {
  root: string;
  dataDir: string;
  auth: ServicePlan;
  api: ServicePlan;
  book: { port: number; host: string; url: string };
  /** The environment both services (and the ingest) are started with. */
  childEnv: Record<string, string>;
  /** Whether this start generated the development secrets (first start on this data directory). */
  secretsCreated: boolean;
  /** Where the secrets came from, for the start-up banner (never the values). */
  secretsSource: "environment" | "data directory" | "none (production: the services require them)";
}

export class PlanError extends Error {
  override name = "PlanError";
}

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new PlanError(`Invalid configuration: ${name}: not a TCP port`);
  return n;
}

/** A loopback address that reaches a listener bound to `host`. */
function loopbackFor(host: string): string {
  if (host === "0.0.0.0" || host === "127.0.0.1" || host === "localhost") return "127.0.0.1";
  if (host === "::" || host === "::1") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function servicePlan(def: ServiceDefinition, env: Env, host: string): ServicePlan {
  const p = port(env, def.portVar, def.defaultPort);
  return {
    def,
    port: p,
    host,
    publicUrl: `http://localhost:${p}`,
    healthUrl: `http://${loopbackFor(host)}:${p}/health`,
  };
}

/**
 * Reads the variables `npm start` itself decides (ports, hosts, DATA_DIR, the shared development secrets) and
 * fills in the cross-service URLs the services would otherwise default to the standard ports. Anything set in
 * `env` wins. Creates DATA_DIR and, outside production, the development secrets file inside it.
 */
export function planSystem(env: Env, root: string): SystemPlan {
  const dataDir = resolve(root, env.DATA_DIR || ".data");
  // Local development listens on loopback only: the generated secrets and open sign-up stay off the network.
  const host = (name: string) => env[name] || "127.0.0.1";
  const auth = servicePlan(AUTH_SERVICE, env, host(AUTH_SERVICE.hostVar));
  const api = servicePlan(API_SERVICE, env, host(API_SERVICE.hostVar));
  const bookPort = port(env, "BOOK_PORT", BOOK_DEFAULT_PORT);
  const book = { port: bookPort, host: env.BOOK_HOST || "127.0.0.1", url: `http://localhost:${bookPort}` };
  if (new Set([auth.port, api.port, book.port]).size !== 3) {
    throw new PlanError(
      `Invalid configuration: AUTH_SERVER_PORT, API_SERVER_PORT and BOOK_PORT must differ (${auth.port}, ${api.port}, ${book.port})`,
    );
  }

  const production = env.NODE_ENV === "production";
  let secretsCreated = false;
  let secretsSource: SystemPlan["secretsSource"] = "environment";
  const secrets: Record<string, string> = {};
  if (!env.JWT_SECRET || !env.BETTER_AUTH_SECRET) {
    if (production) {
      secretsSource = "none (production: the services require them)";
    } else {
      const dev = loadOrCreateDevSecrets(dataDir);
      secretsCreated = dev.created;
      secretsSource = "data directory";
      if (!env.JWT_SECRET) secrets.JWT_SECRET = dev.JWT_SECRET;
      if (!env.BETTER_AUTH_SECRET) secrets.BETTER_AUTH_SECRET = dev.BETTER_AUTH_SECRET;
    }
  }

  const defaults: Record<string, string> = {
    DATA_DIR: dataDir,
    [AUTH_SERVICE.portVar]: String(auth.port),
    [AUTH_SERVICE.hostVar]: auth.host,
    [API_SERVICE.portVar]: String(api.port),
    [API_SERVICE.hostVar]: api.host,
    BETTER_AUTH_URL: auth.publicUrl,
    AUTH_SERVICE_URL: `http://${loopbackFor(auth.host)}:${auth.port}`,
    BOOK_BASE_URL: book.url,
    CORS_ORIGINS: `${book.url},http://127.0.0.1:${book.port}`,
    ...secrets,
  };
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  for (const [k, v] of Object.entries(defaults)) if (!env[k]) childEnv[k] = v;
  // Relative paths would resolve against each service's own folder; pin them to the repository root.
  childEnv.DATA_DIR = dataDir;
  if (childEnv.INDEX_PATH && !isAbsolute(childEnv.INDEX_PATH))
    childEnv.INDEX_PATH = resolve(root, childEnv.INDEX_PATH);

  return { root, dataDir, auth, api, book, childEnv, secretsCreated, secretsSource };
}
