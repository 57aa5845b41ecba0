// The one registry of error codes both services answer with, and the envelope that carries them.
import { z } from "zod";

/** Every error code either service may return, with its HTTP status and default message. */
export const ERROR_CODES = {
  // generic request errors
  BAD_REQUEST: { status: 400, message: "The request is invalid." },
  VALIDATION_ERROR: { status: 400, message: "The request body failed validation." },
  INVALID_JSON: { status: 400, message: "The request body is not valid JSON." },
  NOT_FOUND: { status: 404, message: "No such route." },
  METHOD_NOT_ALLOWED: { status: 405, message: "Method not allowed on this route." },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request body must be application/json." },
  RATE_LIMITED: { status: 429, message: "Too many requests; retry later." },
  INTERNAL_ERROR: { status: 500, message: "Something went wrong on our side." },
  SERVICE_UNAVAILABLE: { status: 503, message: "A dependency is unavailable; retry later." },
  // authentication (auth-service)
  UNAUTHORIZED: { status: 401, message: "Sign in first." },
  FORBIDDEN: { status: 403, message: "Not allowed." },
  INVALID_EMAIL_OR_PASSWORD: { status: 401, message: "Invalid email or password." },
  USER_ALREADY_EXISTS: { status: 422, message: "An account with this email already exists." },
  INVALID_PASSWORD: { status: 400, message: "The password is wrong." },
  PASSWORD_COMPROMISED: {
    status: 400,
    message: "password: this password is among the most common (breached) passwords; choose another",
  },
  // token verification (api-service)
  TOKEN_MISSING: { status: 401, message: "An Authorization: Bearer token is required." },
  TOKEN_EXPIRED: { status: 401, message: "The token has expired; fetch a new one." },
  TOKEN_INVALID: { status: 401, message: "The token is invalid." },
  TOKEN_REVOKED: { status: 401, message: "The session behind this token has ended." },
  // retrieval and generation (api-service)
  SEARCH_UNAVAILABLE: { status: 503, message: "The search index is unavailable; retry later." },
  GENERATION_FAILED: { status: 502, message: "The answer could not be generated." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** Every non-2xx body of both services. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
    message: z.string(),
    requestId: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** Header carrying the request id on every request and response. */
export const REQUEST_ID_HEADER = "x-request-id";
