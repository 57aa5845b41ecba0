// Rewrites Better Auth's error responses ({code?, message}) into our envelope with a registry code.
import { ERROR_CODES, type ErrorCode, PASSWORD_MAX, PASSWORD_MIN } from "@ai-book/contracts";
import { codeForStatus, envelope } from "@ai-book/http";

/** Better Auth code → our code and, where Better Auth's message does not name the field, our message. */
const KNOWN: Record<string, { code: ErrorCode; message?: string }> = {
  USER_ALREADY_EXISTS: { code: "USER_ALREADY_EXISTS" },
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: { code: "USER_ALREADY_EXISTS" },
  INVALID_EMAIL_OR_PASSWORD: { code: "INVALID_EMAIL_OR_PASSWORD" },
  INVALID_PASSWORD: { code: "INVALID_PASSWORD" },
  INVALID_EMAIL: { code: "VALIDATION_ERROR", message: "email: not a valid email address" },
  PASSWORD_TOO_SHORT: {
    code: "VALIDATION_ERROR",
    message: `password: must be at least ${PASSWORD_MIN} characters`,
  },
  PASSWORD_TOO_LONG: {
    code: "VALIDATION_ERROR",
    message: `password: must be at most ${PASSWORD_MAX} characters`,
  },
  VALIDATION_ERROR: { code: "VALIDATION_ERROR" },
  MISSING_FIELD: { code: "VALIDATION_ERROR" },
  FIELD_NOT_ALLOWED: { code: "VALIDATION_ERROR" },
  BODY_MUST_BE_AN_OBJECT: { code: "VALIDATION_ERROR", message: "The request body must be a JSON object." },
  INVALID_CALLBACK_URL: { code: "VALIDATION_ERROR" },
  INVALID_REDIRECT_URL: { code: "VALIDATION_ERROR" },
  INVALID_ERROR_CALLBACK_URL: { code: "VALIDATION_ERROR" },
  INVALID_NEW_USER_CALLBACK_URL: { code: "VALIDATION_ERROR" },
  MISSING_OR_NULL_ORIGIN: {
    code: "FORBIDDEN",
    message: "Missing or untrusted Origin header: send Origin set to one of CORS_ORIGINS.",
  },
  INVALID_ORIGIN: { code: "FORBIDDEN", message: "Untrusted Origin: send Origin set to one of CORS_ORIGINS." },
  CROSS_SITE_NAVIGATION_LOGIN_BLOCKED: { code: "FORBIDDEN" },
  // admin and api-key plugins (roles, bans, keys)
  BANNED_USER: { code: "USER_BANNED" },
  USER_BANNED: { code: "USER_BANNED" },
  INVALID_ROLE_TYPE: { code: "VALIDATION_ERROR", message: "role: must be one of reader, author, admin" },
  YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE: {
    code: "VALIDATION_ERROR",
    message: "role: must be one of reader, author, admin",
  },
  YOU_CANNOT_BAN_YOURSELF: { code: "FORBIDDEN" },
  KEY_NOT_FOUND: { code: "NOT_FOUND", message: "No such API key." },
  INVALID_API_KEY: { code: "API_KEY_INVALID" },
  KEY_DISABLED: { code: "API_KEY_INVALID" },
  KEY_EXPIRED: { code: "API_KEY_INVALID" },
  USAGE_EXCEEDED: { code: "API_KEY_INVALID" },
  RATE_LIMIT_EXCEEDED: { code: "RATE_LIMITED" },
  EXPIRES_IN_IS_TOO_SMALL: { code: "VALIDATION_ERROR", message: "expiresIn: too small (at least one day)" },
  EXPIRES_IN_IS_TOO_LARGE: { code: "VALIDATION_ERROR", message: "expiresIn: too large (at most 365 days)" },
  INVALID_NAME_LENGTH: { code: "VALIDATION_ERROR", message: "name: 1 to 32 characters" },
  INVALID_METADATA_TYPE: { code: "VALIDATION_ERROR" },
  SERVER_ONLY_PROPERTY: { code: "VALIDATION_ERROR" },
  // accounts (issue 13): links, codes, sessions, providers
  INVALID_TOKEN: { code: "INVALID_LINK" },
  TOKEN_EXPIRED: { code: "INVALID_LINK" },
  INVALID_USER: { code: "INVALID_LINK" },
  INVALID_CODE: { code: "INVALID_TWO_FACTOR_CODE" },
  INVALID_BACKUP_CODE: {
    code: "INVALID_TWO_FACTOR_CODE",
    message: "The backup code is wrong or already used.",
  },
  INVALID_TWO_FACTOR_COOKIE: {
    code: "INVALID_TWO_FACTOR_CODE",
    message: "The sign-in attempt has expired; sign in with your password again.",
  },
  TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE: {
    code: "RATE_LIMITED",
    message: "Too many wrong codes; sign in with your password again.",
  },
  ACCOUNT_TEMPORARILY_LOCKED: { code: "RATE_LIMITED", message: "Too many wrong codes; try again later." },
  TOTP_NOT_ENABLED: { code: "TWO_FACTOR_NOT_ENABLED" },
  TWO_FACTOR_NOT_ENABLED: { code: "TWO_FACTOR_NOT_ENABLED" },
  SESSION_EXPIRED: { code: "SESSION_NOT_FRESH" },
  CREDENTIAL_ACCOUNT_NOT_FOUND: { code: "PASSWORD_NOT_SET" },
  PROVIDER_NOT_FOUND: { code: "VALIDATION_ERROR", message: "provider: not configured on this server" },
  EMAIL_NOT_VERIFIED: { code: "EMAIL_NOT_VERIFIED" },
  EMAIL_ALREADY_VERIFIED: { code: "VALIDATION_ERROR", message: "The email address is already verified." },
};

/** Every "YOU_ARE_NOT_ALLOWED_TO_…" of the admin plugin: the caller's role lacks the permission. */
const NOT_ALLOWED = /^YOU_ARE_NOT_ALLOWED_TO_/;

const SKIPPED_HEADERS = new Set(["content-type", "content-length", "x-retry-after", "content-encoding"]);

function parseBody(text: string): { code?: unknown; message?: unknown } {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" ? (v as { code?: unknown; message?: unknown }) : {};
  } catch {
    return {};
  }
}

/** Our envelope for a non-2xx Better Auth response, keeping its other headers (set-cookie, CORS). */
export async function toEnvelopeResponse(res: Response, requestId: string): Promise<Response> {
  const body = parseBody(await res.text());
  const theirs = typeof body.code === "string" ? body.code : undefined;
  const known = theirs
    ? (KNOWN[theirs] ?? (NOT_ALLOWED.test(theirs) ? { code: "FORBIDDEN_ROLE" as const } : undefined))
    : undefined;
  let code: ErrorCode;
  let status: number;
  if (known) {
    code = known.code;
    status = ERROR_CODES[code].status;
  } else if (theirs && theirs in ERROR_CODES) {
    code = theirs as ErrorCode;
    status = ERROR_CODES[code].status;
  } else {
    code = codeForStatus(res.status);
    status = res.status === 429 || res.status < 500 ? res.status : ERROR_CODES[code].status;
  }
  let message =
    known?.message ?? (typeof body.message === "string" && body.message ? body.message : undefined);
  // Server-side failures keep their details in the log, not in the response.
  if (status >= 500 || !message) message = ERROR_CODES[code].message;
  const headers = new Headers();
  for (const [k, v] of res.headers) if (!SKIPPED_HEADERS.has(k) && k !== "set-cookie") headers.set(k, v);
  for (const cookie of res.headers.getSetCookie()) headers.append("set-cookie", cookie);
  if (status === 429) headers.set("retry-after", res.headers.get("x-retry-after") ?? "60");
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(envelope(code, message, requestId)), { status, headers });
}
