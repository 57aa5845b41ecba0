// The one registry of error codes both services answer with, and the envelope that carries them.
import { z } from "zod";

/** Every error code either service may return as [HTTP status, default message]; ERROR_CODES names the two. */
const REGISTRY = {
  // generic request errors
  BAD_REQUEST: [400, "The request is invalid."],
  VALIDATION_ERROR: [400, "The request body failed validation."],
  INVALID_JSON: [400, "The request body is not valid JSON."],
  NOT_FOUND: [404, "No such route."],
  METHOD_NOT_ALLOWED: [405, "Method not allowed on this route."],
  PAYLOAD_TOO_LARGE: [413, "The request body is too large."],
  UNSUPPORTED_MEDIA_TYPE: [415, "The request body must be application/json."],
  RATE_LIMITED: [429, "Too many requests; retry later."],
  INTERNAL_ERROR: [500, "Something went wrong on our side."],
  SERVICE_UNAVAILABLE: [503, "A dependency is unavailable; retry later."],
  // authentication (auth-service)
  UNAUTHORIZED: [401, "Sign in first."],
  FORBIDDEN: [403, "Not allowed."],
  INVALID_EMAIL_OR_PASSWORD: [401, "Invalid email or password."],
  USER_ALREADY_EXISTS: [422, "An account with this email already exists."],
  INVALID_PASSWORD: [400, "The password is wrong."],
  // roles, API keys, refresh tokens (both services)
  FORBIDDEN_ROLE: [403, "Your role does not allow this."],
  FORBIDDEN_SCOPE: [403, "This API key's scopes do not allow this."],
  USER_BANNED: [403, "This account is banned."],
  API_KEY_INVALID: [401, "The API key is invalid, expired or revoked."],
  REFRESH_TOKEN_INVALID: [401, "The refresh token is invalid or expired; sign in again."],
  REFRESH_TOKEN_REUSED: [
    401,
    "This refresh token was already used; its whole family has been revoked. Sign in again.",
  ],
  // accounts (auth-service, issue 13)
  EMAIL_NOT_VERIFIED: [403, "Verify your email address first (see the mail we sent)."],
  PROFILE_REQUIRED: [403, "Complete your reader profile first (POST /api/auth/update-user)."],
  INVALID_LINK: [400, "The link is invalid, has expired or was already used; request a new one."],
  INVALID_TWO_FACTOR_CODE: [401, "The code is wrong or has expired."],
  TWO_FACTOR_CODE_REUSED: [
    401,
    "This code has already been used; wait for the next one in your authenticator app.",
  ],
  TWO_FACTOR_NOT_ENABLED: [400, "Two-factor authentication is not enabled for this account."],
  SESSION_NOT_FRESH: [403, "Sign in again, or give your password, to do this."],
  OAUTH_FAILED: [400, "Sign-in with the provider failed; start again."],
  PASSWORD_NOT_SET: [400, "This account has no password; sign in with its provider."],
  PASSWORD_COMPROMISED: [
    400,
    "password: this password is among the most common (breached) passwords; choose another",
  ],
  // token verification (api-service)
  TOKEN_MISSING: [401, "An Authorization: Bearer token is required."],
  TOKEN_EXPIRED: [401, "The token has expired; fetch a new one."],
  TOKEN_INVALID: [401, "The token is invalid."],
  TOKEN_REVOKED: [401, "The session behind this token has ended."],
  // retrieval and generation (api-service)
  SEARCH_UNAVAILABLE: [503, "The search index is unavailable; retry later."],
  GENERATION_FAILED: [502, "The answer could not be generated."],
  // conversations, feedback and insights (api-service)
  CONVERSATION_NOT_FOUND: [404, "No such conversation."],
  ANSWER_NOT_FOUND: [404, "No such answer."],
  STORE_UNAVAILABLE: [503, "Conversation history is unavailable; retry later."],
  // chapter variants (api-service, issue 15)
  CHAPTER_NOT_FOUND: [404, "No indexed doc has this route."],
  LANGUAGE_NOT_SUPPORTED: [400, "This language is not offered for translation."],
  LLM_REQUIRED: [503, "This needs a language model, and none is configured."],
  VARIANT_QUOTA_EXCEEDED: [
    429,
    "You have used today's personalized and translated chapters; cached ones still open.",
  ],
} as const satisfies Record<string, readonly [status: number, message: string]>;

type Registry = typeof REGISTRY;

/** Every error code either service may return, with its HTTP status and default message. */
export const ERROR_CODES = Object.fromEntries(
  Object.entries(REGISTRY).map(([code, [status, message]]) => [code, { status, message }]),
) as {
  readonly [C in keyof Registry]: { readonly status: Registry[C][0]; readonly message: Registry[C][1] };
};

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
