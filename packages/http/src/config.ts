// Parse the environment once with a zod schema; a bad value stops start-up with one line naming it.
import type { z } from "zod";

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
