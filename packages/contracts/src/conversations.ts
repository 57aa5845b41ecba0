// Bodies of the api-service's reader state: conversations, answer feedback and the author's insights.
import { z } from "zod";
import { answerModeSchema, sourceSchema } from "./chat.ts";
import { backgroundLevelSchema } from "./profile.ts";

export const CONVERSATION_TITLE_MAX = 200;
export const FEEDBACK_COMMENT_MAX = 2000;
/** Most conversations one page of GET /v1/conversations lists. */
export const CONVERSATIONS_PAGE_MAX = 100;

export const conversationIdParamSchema = z.object({ id: z.string().uuid() });
export const answerIdParamSchema = z.object({ answerId: z.string().uuid() });

export const conversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  turns: z.number().int(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const conversationListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(CONVERSATIONS_PAGE_MAX).default(50),
  /** `updatedAt` of the last conversation of the previous page: the next page holds older ones. */
  before: z.string().datetime().optional(),
});

export const conversationListSchema = z.object({ conversations: z.array(conversationSummarySchema) });

export const ratingSchema = z.enum(["up", "down"]);
export type Rating = z.infer<typeof ratingSchema>;

/** Why an answer was rated down: the reasons the tutor offers. */
export const FEEDBACK_REASONS = [
  "wrong",
  "outdated",
  "not_in_book",
  "confusing",
  "too_advanced",
  "too_basic",
  "broken_link",
] as const;
export const feedbackReasonSchema = z.enum(FEEDBACK_REASONS);
export type FeedbackReason = z.infer<typeof feedbackReasonSchema>;

export const feedbackRequestSchema = z
  .object({
    rating: ratingSchema,
    reason: feedbackReasonSchema.optional(),
    comment: z.string().trim().max(FEEDBACK_COMMENT_MAX).optional(),
  })
  .strict()
  .refine((f) => f.rating === "down" || f.reason === undefined, {
    message: "a reason is only given with a thumbs-down",
    path: ["reason"],
  });
export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;

export const feedbackSchema = z.object({
  answerId: z.string(),
  rating: ratingSchema,
  reason: feedbackReasonSchema.nullable(),
  comment: z.string().nullable(),
  updatedAt: z.string(),
});
export type Feedback = z.infer<typeof feedbackSchema>;

export const turnSchema = z.object({
  /** The answer's id (what feedback refers to). */
  answerId: z.string(),
  question: z.string(),
  selectedText: z.string().nullable(),
  answer: z.string(),
  sources: z.array(sourceSchema),
  mode: answerModeSchema,
  grounded: z.boolean(),
  processingTimeMs: z.number(),
  createdAt: z.string(),
  feedback: feedbackSchema.nullable(),
});
export type Turn = z.infer<typeof turnSchema>;

export const conversationSchema = conversationSummarySchema.extend({ messages: z.array(turnSchema) });
export type Conversation = z.infer<typeof conversationSchema>;

export const renameConversationSchema = z
  .object({ title: z.string().trim().min(1).max(CONVERSATION_TITLE_MAX) })
  .strict();

export const deletedSchema = z.object({ deleted: z.number().int() });

export const insightsQuerySchema = z.object({
  /** Only the last N days. @default 90 */
  days: z.coerce.number().int().min(1).max(3650).default(90),
  format: z.enum(["json", "csv"]).default("json"),
});

export const insightsSummaryQuerySchema = insightsQuerySchema.extend({
  /** Which table `format=csv` exports. @default "volume" */
  table: z.enum(["volume", "chapters", "sections", "backgrounds"]).default("volume"),
});

const countSchema = z.number().int();

export const insightsSummarySchema = z.object({
  totals: z.object({
    questions: countSchema,
    conversations: countSchema,
    readers: countSchema,
    ungrounded: countSchema,
    thumbsUp: countSchema,
    thumbsDown: countSchema,
  }),
  volume: z.array(z.object({ day: z.string(), questions: countSchema })),
  chapters: z.array(z.object({ chapter: z.string(), path: z.string(), questions: countSchema })),
  sections: z.array(
    z.object({ chapter: z.string(), heading: z.string(), url: z.string(), questions: countSchema }),
  ),
  backgrounds: z.array(
    z.object({
      softwareBackground: backgroundLevelSchema.nullable(),
      hardwareBackground: backgroundLevelSchema.nullable(),
      questions: countSchema,
    }),
  ),
});
export type InsightsSummary = z.infer<typeof insightsSummarySchema>;

export const sectionRefSchema = z.object({ title: z.string(), heading: z.string(), url: z.string() });

export const gapClusterSchema = z.object({
  size: countSchema,
  /** The words the cluster's questions share most. */
  terms: z.array(z.string()),
  examples: z.array(z.string()),
  /** The book's sections closest to the cluster (where an answer would belong). */
  sections: z.array(sectionRefSchema),
  /** Pseudonymous reader ids: only for admins with INSIGHTS_SHOW_READERS=true. */
  readers: z.array(z.string()).optional(),
});
export type GapCluster = z.infer<typeof gapClusterSchema>;
export const insightsGapsSchema = z.object({ clusters: z.array(gapClusterSchema) });

export const insightsFeedbackQuerySchema = insightsQuerySchema.extend({
  rating: ratingSchema.optional(),
  reason: feedbackReasonSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const insightsFeedbackSchema = z.object({
  reasons: z.array(z.object({ rating: ratingSchema, reason: z.string().nullable(), count: countSchema })),
  /** Thumbs-down first, newest first. */
  items: z.array(
    z.object({
      answerId: z.string(),
      rating: ratingSchema,
      reason: feedbackReasonSchema.nullable(),
      comment: z.string().nullable(),
      question: z.string(),
      answer: z.string(),
      grounded: z.boolean(),
      sources: z.array(sectionRefSchema),
      updatedAt: z.string(),
      reader: z.string().optional(),
    }),
  ),
});
export type InsightsFeedback = z.infer<typeof insightsFeedbackSchema>;
