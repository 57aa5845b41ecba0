// POST /v1/chat and POST /v1/chat/stream: a grounded, cited, personalised answer, whole or as Server-Sent Events.
import { chatRequestSchema, chatResponseSchema, streamEventSchemas } from "@ai-book/contracts";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { ApiEnv } from "../env.ts";
import { answer, GenerationFailedError, prepare, streamAnswer } from "../rag/pipeline.ts";
import { beginTurn } from "./chat-history.ts";
import {
  bearerSecurity,
  elapsedMs,
  profileOf,
  protectedErrors,
  type RouteContext,
  toHttpError,
} from "./common.ts";

const body = { content: { "application/json": { schema: chatRequestSchema } }, required: true } as const;

export const chatRoute = createRoute({
  method: "post",
  path: "/v1/chat",
  tags: ["chat"],
  summary: "Ask the book a question",
  description:
    "Retrieves the relevant sections, answers from them with [n] citations, adapted to the reader's profile from the JWT. " +
    "`grounded: false` means the book does not cover the question (no LLM call was made); `sources` then holds the " +
    "closest sections, if any come close, which the answer names without answering from them.",
  security: bearerSecurity,
  request: { body },
  responses: {
    200: { description: "The answer", content: { "application/json": { schema: chatResponseSchema } } },
    ...protectedErrors,
  },
});

export const chatStreamRoute = createRoute({
  method: "post",
  path: "/v1/chat/stream",
  tags: ["chat"],
  summary: "Ask the book a question, streamed",
  description:
    "Server-Sent Events: `sources` first, then `delta`* (text), then `done` (processing_time_ms, mode, grounded), or " +
    "`error` when generation fails mid-stream. A `: keep-alive` comment is sent every 15 s. Closing the connection " +
    "cancels the upstream model request. Event payloads: " +
    Object.keys(streamEventSchemas).join(", "),
  security: bearerSecurity,
  request: { body },
  responses: {
    200: { description: "An SSE stream", content: { "text/event-stream": { schema: z.string() } } },
    ...protectedErrors,
  },
});

export function registerChatRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  app.openapi(chatRoute, async (c) => {
    const started = performance.now();
    const req = c.req.valid("json");
    const input = { ...req, profile: profileOf(c.get("claims")), signal: c.req.raw.signal };
    const [prepared, turn] = await Promise.all([
      prepare(ctx.rag, input).catch(toHttpError),
      beginTurn(ctx, c.get("claims"), req),
    ]);
    void turn.suggestions(prepared);
    const result = await answer(ctx.rag, prepared);
    const processingTimeMs = elapsedMs(started);
    const suggestions = await turn.followUps(prepared, result, input.signal);
    turn.finish(prepared, { ...result, processingTimeMs });
    return c.json(
      {
        response: result.response,
        sources: prepared.sources,
        processing_time_ms: processingTimeMs,
        mode: result.mode,
        grounded: result.grounded,
        conversationId: turn.conversationId,
        answerId: turn.answerId,
        suggestions,
      },
      200,
    );
  });

  app.openapi(chatStreamRoute, async (c) => {
    const started = performance.now();
    const req = c.req.valid("json");
    // One signal for both ways a client can leave: the socket closing, or the response stream being cancelled.
    const ctrl = new AbortController();
    const onClientGone = () => ctrl.abort();
    c.req.raw.signal.addEventListener("abort", onClientGone, { once: true });
    const input = { ...req, profile: profileOf(c.get("claims")), signal: ctrl.signal };
    // Retrieval failures (and another reader's conversation) are still a plain 503 / 404 here: the stream has not begun.
    const [prepared, turn] = await Promise.all([
      prepare(ctx.rag, input).catch(toHttpError),
      beginTurn(ctx, c.get("claims"), req),
    ]);
    const requestId = c.get("requestId");
    const log = c.get("logger") ?? ctx.logger;

    // The offline suggestions (a chapter lookup and scoring, synchronous CPU) start one turn after the first delta
    // was written, so neither `sources` nor the first text waits for them; they are ready long before `done`, which
    // starts them itself when no delta came. A model's are asked for only after the answer's last delta.
    let suggesting = false;
    const startSuggestions = () => {
      if (suggesting) return;
      suggesting = true;
      void new Promise<void>((resolve) => setImmediate(resolve)).then(() => turn.suggestions(prepared));
    };
    // Reverse proxies (nginx) must pass events through as they come, not buffer the response.
    c.header("X-Accel-Buffering", "no");
    return streamSSE(c, async (sse) => {
      sse.onAbort(onClientGone);
      const send = (event: string, data: unknown) => sse.writeSSE({ event, data: JSON.stringify(data) });
      // A comment line, which SSE clients ignore, keeps idle connections open through proxies.
      const heartbeat = setInterval(() => void sse.write(": keep-alive\n\n"), ctx.heartbeatMs);
      let firstToken = true;
      let text = "";
      let finished: { mode: "llm" | "extractive"; grounded: boolean; processingTimeMs: number } | undefined;
      try {
        await send("sources", { sources: prepared.sources });
        for await (const ev of streamAnswer(ctx.rag, prepared)) {
          if (ctrl.signal.aborted) break;
          if (ev.type === "delta") {
            if (firstToken) {
              firstToken = false;
              ctx.metrics.timeToFirstToken.observe(
                { mode: ctx.rag.chatModel ? "llm" : "extractive" },
                elapsedMs(started) / 1000,
              );
            }
            text += ev.text;
            await send("delta", { text: ev.text });
            startSuggestions();
          } else {
            finished = { mode: ev.mode, grounded: ev.grounded, processingTimeMs: elapsedMs(started) };
            await send("done", {
              processing_time_ms: finished.processingTimeMs,
              mode: ev.mode,
              grounded: ev.grounded,
              conversationId: turn.conversationId,
              answerId: turn.answerId,
              suggestions: await turn.followUps(prepared, { response: text, mode: ev.mode }, ctrl.signal),
            });
          }
        }
      } catch (err) {
        if (ctrl.signal.aborted) return;
        const failed = err instanceof GenerationFailedError;
        log.error({ err, requestId }, "chat stream failed");
        await send("error", {
          code: failed ? "GENERATION_FAILED" : "INTERNAL_ERROR",
          message: failed
            ? "The answer could not be completed; please retry."
            : "Something went wrong on our side.",
          requestId,
        });
      } finally {
        clearInterval(heartbeat);
        c.req.raw.signal.removeEventListener("abort", onClientGone);
        // After `done` went out: the answer never waits for the write.
        if (finished) turn.finish(prepared, { response: text, ...finished });
      }
    });
  });
}
