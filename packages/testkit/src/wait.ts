// Waiting on a condition with a hang guard, and saying what was last seen when it never held.

export interface WaitForOptions {
  /** @default 15_000 */
  timeoutMs?: number;
  /** Pause between checks. @default 50 */
  stepMs?: number;
  /** Appended to the timeout error: the last state seen (a health body, a log tail), so a failure explains itself. */
  explain?: () => string | Promise<string>;
}

/**
 * Resolves once `check` returns true (a throw counts as "not yet"); throws after the timeout with the last error
 * and `explain()`. The timeout is a hang guard, never a speed target: give it room on a loaded 2-core machine.
 */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutOrOpts: number | WaitForOptions = 15_000,
  stepMs = 50,
): Promise<void> {
  const opts = typeof timeoutOrOpts === "number" ? { timeoutMs: timeoutOrOpts, stepMs } : timeoutOrOpts;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      let detail = lastError === undefined ? "" : `; last error: ${String(lastError)}`;
      if (opts.explain) {
        try {
          detail += `\n${await opts.explain()}`;
        } catch (err) {
          detail += `\n(explain failed: ${String(err)})`;
        }
      }
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms${detail}`);
    }
    await new Promise((r) => setTimeout(r, opts.stepMs ?? 50));
  }
}
