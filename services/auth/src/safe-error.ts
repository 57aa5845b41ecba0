// Loggable summaries of errors that may carry SQL parameters (emails, password hashes) in their messages.

export interface SafeError {
  name: string;
  message: string;
  code?: string;
  cause?: SafeError;
}

/** Name, first message line (drizzle appends "params: …" on later lines) and code, recursively through `cause`. */
export function safeError(err: unknown, depth = 0): SafeError {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err).split("\n")[0] ?? "" };
  const out: SafeError = { name: err.name, message: err.message.split("\n")[0] ?? "" };
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") out.code = code;
  if (err.cause !== undefined && depth < 3) out.cause = safeError(err.cause, depth + 1);
  return out;
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);

// node-postgres, PGlite and ioredis wording for "could not reach the server" ("not queryable": a pooled client whose
// server went away mid-transaction, which node-postgres reports without a code).
const UNAVAILABLE_MESSAGE =
  /connection terminated|timeout exceeded when trying to connect|PGlite is closed|connection is closed|max retries per request|not queryable/i;

/** Whether the error (or its cause) says a dependency could not be reached, rather than a bug. */
export function isUnavailable(err: SafeError): boolean {
  if (err.code && UNAVAILABLE_CODES.has(err.code)) return true;
  if (UNAVAILABLE_MESSAGE.test(err.message)) return true;
  return err.cause ? isUnavailable(err.cause) : false;
}
