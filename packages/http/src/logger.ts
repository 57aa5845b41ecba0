// The pino logger both services use, with every credential-bearing field redacted.
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths pino censors wherever they appear in a log object. */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["set-cookie"]',
  "res.headers['set-cookie']",
  'res.headers["set-auth-token"]',
  'res.headers["set-auth-jwt"]',
  "headers.authorization",
  "headers.cookie",
  "authorization",
  "cookie",
  "password",
  "newPassword",
  "currentPassword",
  "token",
  "secret",
  "*.password",
  "*.newPassword",
  "*.currentPassword",
  "*.token",
  "*.secret",
  "*.authorization",
  "*.cookie",
];

export interface LoggerOptions {
  service: string;
  /** @default "info" */
  level?: string;
  /** Where lines go; tests pass a stream to capture them. @default stdout */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      name: opts.service,
      level: opts.level ?? "info",
      base: { service: opts.service },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
