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
  // roles, API keys, refresh tokens (both services)
  FORBIDDEN_ROLE: { status: 403, message: "Your role does not allow this." },
  FORBIDDEN_SCOPE: { status: 403, message: "This API key's scopes do not allow this." },
  USER_BANNED: { status: 403, message: "This account is banned." },
  API_KEY_INVALID: { status: 401, message: "The API key is invalid, expired or revoked." },
  REFRESH_TOKEN_INVALID: { status: 401, message: "The refresh token is invalid or expired; sign in again." },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    message: "This refresh token was already used; its whole family has been revoked. Sign in again.",
  },
  // accounts (auth-service, issue 13)
  EMAIL_NOT_VERIFIED: { status: 403, message: "Verify your email address first (see the mail we sent)." },
  PROFILE_REQUIRED: {
    status: 403,
    message: "Complete your reader profile first (POST /api/auth/update-user).",
  },
  INVALID_LINK: {
    status: 400,
    message: "The link is invalid, has expired or was already used; request a new one.",
  },
  INVALID_TWO_FACTOR_CODE: { status: 401, message: "The code is wrong or has expired." },
  TWO_FACTOR_NOT_ENABLED: {
    status: 400,
    message: "Two-factor authentication is not enabled for this account.",
  },
  SESSION_NOT_FRESH: { status: 403, message: "Sign in again, or give your password, to do this." },
  OAUTH_FAILED: { status: 400, message: "Sign-in with the provider failed; start again." },
  PASSWORD_NOT_SET: { status: 400, message: "This account has no password; sign in with its provider." },
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
  // conversations, feedback and insights (api-service)
  CONVERSATION_NOT_FOUND: { status: 404, message: "No such conversation." },
  ANSWER_NOT_FOUND: { status: 404, message: "No such answer." },
  STORE_UNAVAILABLE: { status: 503, message: "Conversation history is unavailable; retry later." },
  // chapter variants (api-service, issue 15)
  CHAPTER_NOT_FOUND: { status: 404, message: "No indexed doc has this route." },
  LANGUAGE_NOT_SUPPORTED: { status: 400, message: "This language is not offered for translation." },
  LLM_REQUIRED: { status: 503, message: "This needs a language model, and none is configured." },
  VARIANT_QUOTA_EXCEEDED: {
    status: 429,
    message: "You have used today's personalized and translated chapters; cached ones still open.",
  },
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
