// Turns failed responses of either service (error envelope or Better Auth's {code, message}) into one UI error.

export type TutorErrorKind =
  | "unauthorized"
  | "rate_limited"
  | "validation"
  | "duplicate_email"
  | "weak_password"
  | "bad_credentials"
  | "network"
  | "server";

export interface TutorErrorInfo {
  kind: TutorErrorKind;
  code: string;
  message: string;
  status?: number;
  /** Seconds to wait before retrying, from Retry-After (429 only). */
  retryAfterS?: number;
  requestId?: string;
}

export class TutorError extends Error {
  readonly info: TutorErrorInfo;
  constructor(info: TutorErrorInfo) {
    super(info.message);
    this.name = "TutorError";
    this.info = info;
  }
}

const KIND_BY_CODE: Record<string, TutorErrorKind> = {
  USER_ALREADY_EXISTS: "duplicate_email",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "duplicate_email",
  PASSWORD_TOO_SHORT: "weak_password",
  PASSWORD_TOO_LONG: "weak_password",
  INVALID_EMAIL_OR_PASSWORD: "bad_credentials",
  RATE_LIMITED: "rate_limited",
  TOO_MANY_REQUESTS: "rate_limited",
  // 401s about the code just typed, not an ended session: the reader sees the server's message.
  INVALID_TWO_FACTOR_CODE: "validation",
  TWO_FACTOR_CODE_REUSED: "validation",
};

/** Parses a Retry-After header (delta-seconds or HTTP date) into whole seconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** "42 seconds", "3 minutes" */
export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function friendlyMessage(kind: TutorErrorKind, fallback: string, retryAfterS?: number): string {
  switch (kind) {
    case "duplicate_email":
      return "An account with this email already exists. Sign in instead, or use another email.";
    case "rate_limited":
      return retryAfterS !== undefined
        ? `Too many requests. Try again in ${formatWait(retryAfterS)}.`
        : "Too many requests. Wait a little and try again.";
    case "bad_credentials":
      return "Invalid email or password.";
    case "unauthorized":
      return "Your session has ended. Sign in again to continue.";
    default:
      return fallback;
  }
}

/** Builds the UI error for a non-2xx response; reads the body once. */
export async function errorFromResponse(response: Response): Promise<TutorError> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || "The request failed.";
  let requestId: string | undefined;
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; requestId?: string };
      code?: string;
      message?: string;
    };
    const source = body.error ?? body;
    if (typeof source.code === "string" && source.code) code = source.code;
    if (typeof source.message === "string" && source.message) message = source.message;
    if (body.error && typeof body.error.requestId === "string") requestId = body.error.requestId;
  } catch {
    // A body that is not JSON keeps the status-based code and message.
  }
  const retryAfterS =
    parseRetryAfter(response.headers.get("retry-after")) ??
    parseRetryAfter(response.headers.get("x-retry-after"));
  let kind: TutorErrorKind = KIND_BY_CODE[code] ?? "server";
  if (response.status === 429) kind = "rate_limited";
  else if (response.status === 401 && kind === "server") kind = "unauthorized";
  else if (kind === "server" && response.status >= 400 && response.status < 500) kind = "validation";
  if (kind === "validation" && /password/i.test(`${code} ${message}`)) kind = "weak_password";
  return new TutorError({
    kind,
    code,
    message: friendlyMessage(kind, message, retryAfterS),
    status: response.status,
    ...(retryAfterS !== undefined ? { retryAfterS } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

/** Wraps whatever fetch threw (offline, DNS, CORS refusal) as a network error. */
export function networkError(cause: unknown): TutorError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TutorError({
    kind: "network",
    code: "NETWORK_ERROR",
    message: `Could not reach the service (${detail}). Check your connection and try again.`,
  });
}

export function toTutorError(cause: unknown): TutorError {
  return cause instanceof TutorError ? cause : networkError(cause);
}
