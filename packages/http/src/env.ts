// The typed Hono context variables every app of ours shares.
import type { Logger } from "pino";

export interface AppVariables {
  requestId: string;
  logger: Logger;
  /** The caller's address: the socket's, or X-Forwarded-For's when the proxy is trusted. */
  clientIp: string;
  /** Set by whichever guard identified the caller; logged with the request. */
  userId?: string;
}

export interface AppEnv {
  Variables: AppVariables;
}
