// POST /v1/chapters/personalize and /v1/chapters/translate (JSON or SSE by Accept), GET /v1/chapters/capabilities.
import {
  type ChapterVariant,
  chapterCapabilitiesSchema,
  chapterStreamEventSchemas,
  chapterVariantSchema,
  errorEnvelopeSchema,
  personalizeRequestSchema,
  translateRequestSchema,
  type VariantSection,
} from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import {
  type ChapterDeps,
  ChapterNotFoundError,
  capabilities,
  LanguageNotSupportedError,
  LlmRequiredError,
  type OpenedVariant,
  openVariant,
  QuotaExceededError,
  SourceUnavailableError,
  VariantGenerationFailedError,
  type VariantRequest,
} from "../chapters/service.ts";
import type { ApiEnv } from "../env.ts";
import { bearerSecurity, profileOf, protectedErrors, type RouteContext } from "./common.ts";

const errorBody = (description: string) => ({
  description,
  content: { "application/json": { schema: errorEnvelopeSchema } },
});

const variantOk = {
  200: {
    description:
      "`Accept: application/json` (the default): the whole variant. `Accept: text/event-stream`: Server-Sent Events, " +
      "a `section` event per section in document order (with `index` and `total`), then `done` (the variant without " +
      "its sections), or `error` when generation fails mid-stream. Event payloads: " +
      Object.keys(chapterStreamEventSchemas).join(", "),
    content: {
      "application/json": { schema: chapterVariantSchema },
      "text/event-stream": { schema: z.string() },
    },
  },
} as const;

const variantErrors = {
  404: errorBody("CHAPTER_NOT_FOUND: no indexed doc has this route."),
  429: errorBody(
    "VARIANT_QUOTA_EXCEEDED (VARIANT_DAILY_LIMIT new variants per reader per UTC day), with Retry-After in seconds.",
  ),
  502: errorBody("GENERATION_FAILED: the model could not be reached, even after a retry (nothing was kept)."),
} as const;

export const personalizeRoute = createRoute({
  method: "post",
  path: "/v1/chapters/personalize",
  tags: ["chapters"],
  summary: "Personalize a chapter for the reader",
  description:
    "With an LLM: the chapter rewritten section by section for the profile in the JWT (software and hardware " +
    'background, interest area), `kind: "personalized"`. Headings (text and ids), code, math, tables, admonitions, ' +
    "images and links are the source's, byte for byte; a section whose rewrite broke them twice is the source " +
    'section with `original: true`. Without an LLM: a study guide built from the book (`kind: "study-guide"`). ' +
    "Variants are cached per (doc version, profile bucket, model, prompt version): `cached: true` cost no LLM call.",
  security: bearerSecurity,
  request: {
    body: { content: { "application/json": { schema: personalizeRequestSchema } }, required: true },
  },
  responses: { ...variantOk, ...protectedErrors, ...variantErrors },
});

export const translateRoute = createRoute({
  method: "post",
  path: "/v1/chapters/translate",
  tags: ["chapters"],
  summary: "Translate a chapter",
  description:
    "Machine translation of the chapter, section by section, into `language` (one of TRANSLATION_LANGUAGES; default " +
    "the first, `ur`): headings translated with their ids kept (`{#anchor}`), technical terms with the English term " +
    "in parentheses on first use, identifiers and code untouched. Needs an LLM: without one, 503 LLM_REQUIRED.",
  security: bearerSecurity,
  request: {
    body: { content: { "application/json": { schema: translateRequestSchema } }, required: true },
  },
  responses: {
    ...variantOk,
    ...protectedErrors,
    ...variantErrors,
    400: errorBody(
      "VALIDATION_ERROR / INVALID_JSON, or LANGUAGE_NOT_SUPPORTED naming the languages offered (TRANSLATION_LANGUAGES).",
    ),
    503: errorBody(
      "LLM_REQUIRED: no language model is configured (the message names OPENAI_API_KEY); SEARCH_UNAVAILABLE: the index cannot be read.",
    ),
  },
});

export const capabilitiesRoute = createRoute({
  method: "get",
  path: "/v1/chapters/capabilities",
  tags: ["chapters"],
  summary: "What the chapter buttons can do here",
  description:
    "Whether translation is available (and why not: LLM_REQUIRED with a reason to show beside the disabled button), " +
    "the languages offered, and what personalization returns (a variant, or the offline study guide).",
  security: bearerSecurity,
  responses: {
    200: {
      description: "The capabilities",
      content: { "application/json": { schema: chapterCapabilitiesSchema } },
    },
    401: protectedErrors[401],
  },
});

/** Maps the chapters room's refusals to the envelope; rethrows anything else. */
function toHttpError(err: unknown): never {
  if (err instanceof ChapterNotFoundError)
    throw new ApiError("CHAPTER_NOT_FOUND", err.message, { cause: err });
  if (err instanceof LanguageNotSupportedError)
    throw new ApiError("LANGUAGE_NOT_SUPPORTED", err.message, { cause: err });
  if (err instanceof LlmRequiredError) throw new ApiError("LLM_REQUIRED", err.message, { cause: err });
  if (err instanceof QuotaExceededError)
    throw new ApiError("VARIANT_QUOTA_EXCEEDED", err.message, {
      cause: err,
      headers: { "Retry-After": String(err.retryAfterSeconds) },
    });
  if (err instanceof SourceUnavailableError)
    throw new ApiError("SEARCH_UNAVAILABLE", undefined, { cause: err });
  if (err instanceof VariantGenerationFailedError)
    throw new ApiError("GENERATION_FAILED", "The chapter could not be generated; please retry.", {
      cause: err,
    });
  throw err;
}

const wantsStream = (c: Context<ApiEnv>) => /\btext\/event-stream\b/i.test(c.req.header("accept") ?? "");

function summary(v: OpenedVariant) {
  return {
    doc: v.doc,
    kind: v.kind,
    ...(v.language ? { language: v.language } : {}),
    cached: v.cached,
    ...(v.studyGuide ? { studyGuide: v.studyGuide } : {}),
  };
}

async function respond(c: Context<ApiEnv>, deps: ChapterDeps, ctx: RouteContext, req: VariantRequest) {
  if (!wantsStream(c)) {
    const variant = await openVariant(deps, { ...req, signal: c.req.raw.signal }).catch(toHttpError);
    const sections: VariantSection[] = [];
    try {
      for await (const s of variant.sections()) sections.push(s);
    } catch (err) {
      toHttpError(err);
    }
    await variant.save();
    const body: ChapterVariant = { ...summary(variant), sections };
    return c.json(body, 200);
  }

  // One signal for both ways a client can leave: the socket closing, or the response stream being cancelled.
  const ctrl = new AbortController();
  const onClientGone = () => ctrl.abort();
  c.req.raw.signal.addEventListener("abort", onClientGone, { once: true });
  // Refusals (unknown doc, language, quota, no model) are plain HTTP errors: the stream has not begun.
  const variant = await openVariant(deps, { ...req, signal: ctrl.signal }).catch((err) => {
    c.req.raw.signal.removeEventListener("abort", onClientGone);
    return toHttpError(err);
  });
  const requestId = c.get("requestId");
  const log = c.get("logger") ?? ctx.logger;
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (sse) => {
    sse.onAbort(onClientGone);
    const send = (event: string, data: unknown) => sse.writeSSE({ event, data: JSON.stringify(data) });
    const heartbeat = setInterval(() => void sse.write(": keep-alive\n\n"), ctx.heartbeatMs);
    let index = 0;
    let done = false;
    try {
      for await (const section of variant.sections()) {
        if (ctrl.signal.aborted) return;
        await send("section", { ...section, index, total: variant.total });
        index += 1;
      }
      await send("done", { ...summary(variant), sections: index });
      done = true;
    } catch (err) {
      if (ctrl.signal.aborted) return;
      const failed = err instanceof VariantGenerationFailedError;
      log.error({ err, requestId }, "chapter stream failed");
      await send("error", {
        code: failed ? "GENERATION_FAILED" : "INTERNAL_ERROR",
        message: failed
          ? "The chapter could not be generated; please retry."
          : "Something went wrong on our side.",
        requestId,
      });
    } finally {
      clearInterval(heartbeat);
      c.req.raw.signal.removeEventListener("abort", onClientGone);
      // After `done` went out: the reader never waits for the write.
      if (done)
        await variant
          .save()
          .catch((err) => log.error({ err, requestId }, "keeping a chapter variant failed"));
    }
  });
}

export function registerChapterRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext, deps: ChapterDeps) {
  app.openapi(capabilitiesRoute, (c) => c.json(capabilities(deps), 200));

  app.openapi(personalizeRoute, async (c) => {
    const { doc } = c.req.valid("json");
    const claims = c.get("claims");
    // JSON or a stream by Accept: one Response either way, which the typed-response check cannot follow.
    return respond(c, deps, ctx, {
      kind: "personalize",
      doc,
      profile: profileOf(claims),
      userId: claims.userId,
    }) as never;
  });

  app.openapi(translateRoute, async (c) => {
    const { doc, language } = c.req.valid("json");
    const claims = c.get("claims");
    return respond(c, deps, ctx, {
      kind: "translate",
      doc,
      ...(language ? { language } : {}),
      profile: profileOf(claims),
      userId: claims.userId,
    }) as never;
  });
}
