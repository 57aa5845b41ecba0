// GET/DELETE /v1/conversations, GET/PATCH/DELETE /v1/conversations/{id}, GET /v1/conversations/{id}/export: a reader's history.
import {
  conversationIdParamSchema,
  conversationListQuerySchema,
  conversationListSchema,
  conversationSchema,
  conversationSummarySchema,
  deletedSchema,
  renameConversationSchema,
} from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ApiEnv } from "../env.ts";
import { conversationMarkdown } from "../history/export-markdown.ts";
import { bearerSecurity, protectedErrors, type RouteContext } from "./common.ts";
import { fromStore, notFoundError, storeErrors } from "./history-http.ts";

const notFound = notFoundError(
  "CONVERSATION_NOT_FOUND: no such conversation of this reader (another reader's is not found either).",
);

const params = conversationIdParamSchema;
const tags = ["conversations"];

export const listConversationsRoute = createRoute({
  method: "get",
  path: "/v1/conversations",
  tags,
  summary: "The reader's conversations, most recent first",
  security: bearerSecurity,
  request: { query: conversationListQuerySchema },
  responses: {
    200: { description: "A page", content: { "application/json": { schema: conversationListSchema } } },
    ...protectedErrors,
    ...storeErrors,
  },
});

export const getConversationRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}",
  tags,
  summary: "One conversation with every turn (to resume it: send its turns as `history`)",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: { description: "The conversation", content: { "application/json": { schema: conversationSchema } } },
    ...notFound,
    ...protectedErrors,
    ...storeErrors,
  },
});

export const renameConversationRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}",
  tags,
  summary: "Rename a conversation",
  security: bearerSecurity,
  request: {
    params,
    body: { content: { "application/json": { schema: renameConversationSchema } }, required: true },
  },
  responses: {
    200: {
      description: "The renamed conversation",
      content: { "application/json": { schema: conversationSummarySchema.pick({ id: true, title: true }) } },
    },
    ...notFound,
    ...protectedErrors,
    ...storeErrors,
  },
});

export const deleteConversationRoute = createRoute({
  method: "delete",
  path: "/v1/conversations/{id}",
  tags,
  summary: "Delete a conversation, its answers and their feedback",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: { description: "Deleted", content: { "application/json": { schema: deletedSchema } } },
    ...notFound,
    ...protectedErrors,
    ...storeErrors,
  },
});

export const deleteAllConversationsRoute = createRoute({
  method: "delete",
  path: "/v1/conversations",
  tags,
  summary: "Delete every conversation of the reader",
  security: bearerSecurity,
  responses: {
    200: { description: "How many were deleted", content: { "application/json": { schema: deletedSchema } } },
    ...protectedErrors,
    ...storeErrors,
  },
});

export const exportConversationRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/export",
  tags,
  summary: "A conversation as a Markdown file",
  security: bearerSecurity,
  request: { params },
  responses: {
    200: { description: "Markdown", content: { "text/markdown": { schema: z.string() } } },
    ...notFound,
    ...protectedErrors,
    ...storeErrors,
  },
});

export function registerConversationRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  const store = ctx.history.store;
  const userOf = (c: { get(key: "claims"): { userId: string } }) => c.get("claims").userId;

  app.openapi(listConversationsRoute, async (c) => {
    const { limit, before } = c.req.valid("query");
    return c.json({ conversations: await fromStore(store.list(userOf(c), { limit, before })) }, 200);
  });

  app.openapi(getConversationRoute, async (c) => {
    const conv = await fromStore(store.get(userOf(c), c.req.valid("param").id));
    if (!conv) throw new ApiError("CONVERSATION_NOT_FOUND");
    return c.json(conv, 200);
  });

  app.openapi(renameConversationRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { title } = c.req.valid("json");
    if (!(await fromStore(store.rename(userOf(c), id, title)))) throw new ApiError("CONVERSATION_NOT_FOUND");
    return c.json({ id, title }, 200);
  });

  app.openapi(deleteConversationRoute, async (c) => {
    if (!(await fromStore(store.delete(userOf(c), c.req.valid("param").id))))
      throw new ApiError("CONVERSATION_NOT_FOUND");
    return c.json({ deleted: 1 }, 200);
  });

  app.openapi(deleteAllConversationsRoute, async (c) =>
    c.json({ deleted: await fromStore(store.deleteAll(userOf(c))) }, 200),
  );

  app.openapi(exportConversationRoute, async (c) => {
    const conv = await fromStore(store.get(userOf(c), c.req.valid("param").id));
    if (!conv) throw new ApiError("CONVERSATION_NOT_FOUND");
    return c.body(conversationMarkdown(conv), 200, {
      "Content-Type": "text/markdown; charset=utf-8",
      "Content-Disposition": `attachment; filename="conversation-${conv.id}.md"`,
    });
  });
}
