// Skipping a suite whose dependency is absent, with a printed reason, except under CI=true where required suites must run.

/** CI=true (any value but "" / "false" / "0"), as GitHub Actions and most CI systems set it. */
export function inCi(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== "" && v !== "false" && v !== "0";
}

/**
 * Whether to skip a required suite because `missing` (a reason, or undefined when nothing is missing). Prints
 * the reason; with CI=true it throws instead, so a required suite (e2e, PostgreSQL, Redis) that would skip fails
 * the run loudly rather than leaving it green.
 */
export function skipUnlessPresent(missing: string | undefined | false | null): boolean {
  if (!missing) return false;
  if (inCi()) throw new Error(`CI=true: this suite is required but cannot run: ${missing}`);
  console.warn(`[skip] ${missing}`);
  return true;
}

/** The value of env var `name`; when unset, skips (printing why), or under CI=true fails (see skipUnlessPresent). */
export function requireEnv(name: string): string | undefined {
  const value = process.env[name];
  skipUnlessPresent(value ? undefined : `${name} is not set: skipping the tests that need it`);
  return value || undefined;
}
