// PUT /v1/answers/{answerId}/feedback: thumbs up or down on one of the reader's answers (one per answer, editable).
import { answerIdParamSchema, feedbackRequestSchema, feedbackSchema } from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { ApiEnv } from "../env.ts";
import { bearerSecurity, protectedErrors, type RouteContext } from "./common.ts";
import { fromStore, notFoundError, storeErrors } from "./history-http.ts";

export const putFeedbackRoute = createRoute({
  method: "put",
  path: "/v1/answers/{answerId}/feedback",
  tags: ["feedback"],
  summary: "Rate an answer",
  description:
    "`rating` up or down; with down, an optional `reason` (wrong, outdated, not_in_book, confusing, too_advanced, " +
    "too_basic, broken_link) and `comment`. A second PUT replaces the first: one rating per reader per answer.",
  security: bearerSecurity,
  request: {
    params: answerIdParamSchema,
    body: { content: { "application/json": { schema: feedbackRequestSchema } }, required: true },
  },
  responses: {
    200: { description: "The stored feedback", content: { "application/json": { schema: feedbackSchema } } },
    ...notFoundError("ANSWER_NOT_FOUND: no such answer of this reader."),
    ...protectedErrors,
    ...storeErrors,
  },
});

export function registerFeedbackRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  app.openapi(putFeedbackRoute, async (c) => {
    const { answerId } = c.req.valid("param");
    const saved = await fromStore(
      ctx.history.store.put(c.get("claims").userId, answerId, c.req.valid("json"), new Date()),
    );
    if (!saved) throw new ApiError("ANSWER_NOT_FOUND");
    return c.json(saved, 200);
  });
}
