// Parse the environment once with a zod schema; a bad value stops start-up with one line naming it.
import { join } from "node:path";
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses `env` with `schema`; throws ConfigError whose message names the first bad variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  // Empty strings mean "unset" in .env files and compose files alike.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join(".") || "environment";
  throw new ConfigError(`Invalid configuration: ${name}: ${issue?.message ?? "invalid"}`);
}

/** For main.ts: print the one-line reason and exit 1. */
export function exitOnConfigError(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** A comma-separated list of browser origins (trailing slashes dropped), at least one. */
const origins = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean),
  )
  .pipe(z.array(z.url()).min(1));

/**
 * The variables both services read, with one set of accepted values and defaults: spread into each service's
 * schema (`z.object({ ...sharedEnvShape, ... })`).
 */
export const sharedEnvShape = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** All embedded state: PGlite, the SQLite index, dev secrets. @default ".data" */
  DATA_DIR: z.string().default(".data"),
  /** Browser origins allowed with credentials. @default "http://localhost:3000" */
  CORS_ORIGINS: origins.default(["http://localhost:3000"]),
  /** Shared rate limits, sessions and revocations when set. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** Reverse-proxy hops whose X-Forwarded-For is trusted: 0–10, or true (= 1) / false (= 0). @default 0 */
  TRUST_PROXY: z
    .enum(["true", "false"])
    .transform((v) => (v === "true" ? 1 : 0))
    .or(z.coerce.number().int().min(0).max(10))
    .default(0),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

/** The embedded index file: INDEX_PATH when set, else index.sqlite in DATA_DIR. */
export const indexPathOf = (env: { DATA_DIR: string; INDEX_PATH?: string }): string =>
  env.INDEX_PATH ?? join(env.DATA_DIR, "index.sqlite");
