// Bodies of the api-service: chat, streaming chat and search.
import { z } from "zod";

export const MESSAGE_MAX = 4000;
export const HISTORY_MAX = 20;
export const SELECTED_TEXT_MAX = 8000;
export const SEARCH_LIMIT_MAX = 20;

export const filtersSchema = z
  .object({
    /** Only chunks whose source path (relative to the docs folder) starts with this prefix. */
    pathPrefix: z.string().max(512).optional(),
  })
  .strict();
export type Filters = z.infer<typeof filtersSchema>;

export const historyTurnSchema = z
  .object({
    role: z.enum(["user", "assistant"]),
    content: z
      .string()
      .min(1)
      .max(MESSAGE_MAX * 2),
  })
  .strict();
export type HistoryTurn = z.infer<typeof historyTurnSchema>;

export const chatRequestSchema = z
  .object({
    message: z.string().trim().min(1).max(MESSAGE_MAX),
    history: z.array(historyTurnSchema).max(HISTORY_MAX).optional(),
    selectedText: z.string().max(SELECTED_TEXT_MAX).optional(),
    filters: filtersSchema.optional(),
    /** Continue this conversation (signed-in readers' history); absent = a new one. */
    conversationId: z.string().uuid().optional(),
  })
  .strict();
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const sourceSchema = z.object({
  /** Deterministic chunk id. */
  id: z.string(),
  /** Document title. */
  title: z.string(),
  /** Heading path inside the document, e.g. "Sensors > IMU". Empty for the document's lead. */
  heading: z.string(),
  /** Deep link: BOOK_BASE_URL + Docusaurus route + #anchor. */
  url: z.string(),
  /** Source file relative to the docs folder. */
  path: z.string(),
  score: z.number(),
  snippet: z.string(),
});
export type Source = z.infer<typeof sourceSchema>;

export const answerModeSchema = z.enum(["llm", "extractive"]);
export type AnswerMode = z.infer<typeof answerModeSchema>;

/** What closes an answer, in POST /v1/chat's body and in /v1/chat/stream's `done` event. */
const answerEndShape = {
  processing_time_ms: z.number(),
  mode: answerModeSchema,
  grounded: z.boolean(),
  /** The conversation this turn was recorded in (the request's, or a new one). */
  conversationId: z.string(),
  /** This answer's id, for PUT /v1/answers/{answerId}/feedback. */
  answerId: z.string(),
  /** 2–3 suggested next questions, from the retrieved sections' neighbours. */
  suggestions: z.array(z.string()),
};

export const chatResponseSchema = z.object({
  response: z.string(),
  sources: z.array(sourceSchema),
  ...answerEndShape,
});
export type ChatResponse = z.infer<typeof chatResponseSchema>;

export const searchRequestSchema = z
  .object({
    query: z.string().trim().min(1).max(MESSAGE_MAX),
    limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).default(5),
    filters: filtersSchema.optional(),
  })
  .strict();
export type SearchRequest = z.infer<typeof searchRequestSchema>;

export const searchResponseSchema = z.object({
  results: z.array(sourceSchema),
  processing_time_ms: z.number(),
});
export type SearchResponse = z.infer<typeof searchResponseSchema>;

/** SSE events of POST /v1/chat/stream, in order: sources, delta*, done | error. */
export const streamEventSchemas = {
  sources: z.object({ sources: z.array(sourceSchema) }),
  delta: z.object({ text: z.string() }),
  done: z.object(answerEndShape),
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }),
} as const;
export type StreamEventName = keyof typeof streamEventSchemas;
