// What the route files share: the route context, OpenAPI error responses, the reader's profile, domain → HTTP errors.
import { errorEnvelopeSchema, type JwtClaims, type ReaderProfile } from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";
import type { Logger } from "pino";
import type { Metrics } from "../metrics.ts";
import type { RagDeps } from "../rag/pipeline.ts";
import { RetrievalUnavailableError } from "../rag/retrieve.ts";
import type { HistoryContext } from "./chat-history.ts";

export interface RouteContext {
  rag: RagDeps;
  metrics: Metrics;
  logger: Logger;
  /** Interval of the SSE comment heartbeat, ms. */
  heartbeatMs: number;
  /** Conversations, feedback, insights. */
  history: HistoryContext;
}

const errorBody = (description: string) => ({
  description,
  content: { "application/json": { schema: errorEnvelopeSchema } },
});

/** The error responses every protected JSON route documents. */
export const protectedErrors = {
  400: errorBody(
    "VALIDATION_ERROR / INVALID_JSON: the body failed validation (the message names the field).",
  ),
  401: errorBody("TOKEN_MISSING / TOKEN_EXPIRED / TOKEN_INVALID / TOKEN_REVOKED, with WWW-Authenticate."),
  403: errorBody(
    "FORBIDDEN_SCOPE: a token exchanged for an API key whose scopes do not include this route's.",
  ),
  413: errorBody("PAYLOAD_TOO_LARGE"),
  415: errorBody("UNSUPPORTED_MEDIA_TYPE: send application/json."),
  429: errorBody("RATE_LIMITED, with Retry-After and RateLimit headers."),
  503: errorBody("SEARCH_UNAVAILABLE: the index cannot be searched."),
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

export function profileOf(claims: JwtClaims | undefined): ReaderProfile | null {
  if (!claims) return null;
  return {
    softwareBackground: claims.softwareBackground,
    hardwareBackground: claims.hardwareBackground,
    interestArea: claims.interestArea,
    preferredLanguage: claims.preferredLanguage ?? null,
  };
}

/** Maps the domain's failures to the envelope; rethrows anything else. */
export function toHttpError(err: unknown): never {
  if (err instanceof RetrievalUnavailableError)
    throw new ApiError("SEARCH_UNAVAILABLE", undefined, { cause: err });
  throw err;
}

export const elapsedMs = (started: number) => Math.round((performance.now() - started) * 10) / 10;
