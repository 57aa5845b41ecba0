// Client of POST /v1/chapters/personalize and /v1/chapters/translate: a chapter variant, section by section over SSE.
import {
  type ChapterDoneEvent,
  chapterCapabilitiesSchema,
  chapterStreamEventSchemas,
  chapterVariantSchema,
  type VariantSection,
} from "@ai-book/contracts";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { z } from "zod";
import { errorFromResponse, networkError, TutorError } from "./tutor-error.ts";

export type { VariantSection } from "@ai-book/contracts";
export type ChapterAction = "personalize" | "translate";

/** What the service says of the variant besides its sections (the `done` event, or the JSON answer). */
export type VariantDone = Omit<ChapterDoneEvent, "sections">;

export interface ChapterVariantOptions {
  apiUrl: string;
  token: string;
  action: ChapterAction;
  /** The doc's route, as in source URLs: `/docs/foundations/what-is-physical-ai`. */
  doc: string;
  /** Translation only: one of the api-service's TRANSLATION_LANGUAGES. */
  language?: string;
  signal?: AbortSignal;
  /** Each section as it arrives, with the total when the service announces it. */
  onSection(section: VariantSection, progress: { index: number; total?: number }): void;
  /** Everything but the sections, when the service says it (at `done`, or with the JSON answer). */
  onMeta?(meta: VariantDone): void;
  fetchImpl?: typeof fetch;
}

function eventError(data: string): TutorError {
  const parsed = parseJson(chapterStreamEventSchemas.error, data);
  return new TutorError({
    kind: "server",
    code: parsed?.code ?? "STREAM_ERROR",
    message: parsed?.message ?? "The chapter could not be prepared. Try again.",
    ...(parsed?.requestId ? { requestId: parsed.requestId } : {}),
  });
}

function parseJson<T>(schema: z.ZodType<T>, data: string): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(data));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streams one chapter variant. Resolves with the `done` event's data; rejects with a TutorError for HTTP errors
 * (503 LLM_REQUIRED, 429 with Retry-After, 401 so the caller can refresh the token), an `error` event or a
 * network failure, and with the AbortError when aborted. A service answering JSON instead is read the same way.
 */
export async function streamChapterVariant(options: ChapterVariantOptions): Promise<VariantDone> {
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const body: Record<string, string> = { doc: options.doc };
  if (options.action === "translate" && options.language) body.language = options.language;
  let response: Response;
  try {
    response = await fetchImpl(`${options.apiUrl}/v1/chapters/${options.action}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.token}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw networkError(cause);
  }
  if (!response.ok) throw await errorFromResponse(response);
  const badResponse = () =>
    new TutorError({ kind: "server", code: "BAD_RESPONSE", message: "The chapter service sent no chapter." });
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    const whole = parseJson(chapterVariantSchema, await response.text());
    if (!whole) throw badResponse();
    const { sections, ...meta } = whole;
    options.onMeta?.(meta);
    for (const [index, section] of sections.entries()) {
      options.onSection(section, { index, total: sections.length });
    }
    return meta;
  }
  if (!response.body) throw badResponse();
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.event === "section") {
        const section = parseJson(chapterStreamEventSchemas.section, value.data);
        if (!section) continue;
        const { index, total, ...rest } = section;
        options.onSection(rest, { index, total });
      } else if (value.event === "done") {
        const done = parseJson(chapterStreamEventSchemas.done, value.data);
        if (!done) throw badResponse();
        const { sections: _count, ...meta } = done;
        options.onMeta?.(meta);
        return meta;
      } else if (value.event === "error") {
        throw eventError(value.data);
      }
    }
  } catch (cause) {
    if (options.signal?.aborted || cause instanceof TutorError) throw cause;
    throw networkError(cause);
  } finally {
    reader.releaseLock();
  }
  // The stream ended without `done`: the connection broke or the service stopped half-way.
  throw new TutorError({
    kind: "network",
    code: "STREAM_CUT",
    message: "The connection ended before the whole chapter arrived. Try again.",
  });
}

/** What the buttons can do on this api-service (GET /v1/chapters/capabilities), as the component needs it. */
export interface ChapterCapabilities {
  /** TRANSLATION_LANGUAGES. */
  languages: string[];
  /** Why translation is off (no language model), to show beside the disabled button. */
  translateUnavailable?: string;
  /** "study-guide" when there is no language model. */
  personalizeKind: string;
}

/** The api-service's chapter capabilities; null when it does not say (an older service, or an error). */
export async function fetchChapterCapabilities(
  apiUrl: string,
  token: string,
  signal?: AbortSignal,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<ChapterCapabilities | null> {
  const response = await fetchImpl(`${apiUrl}/v1/chapters/capabilities`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) return null;
  const parsed = parseJson(chapterCapabilitiesSchema, await response.text());
  if (!parsed) return null;
  return {
    languages: parsed.translate.languages.map((l) => l.code),
    ...(parsed.translate.available
      ? {}
      : { translateUnavailable: parsed.translate.reason ?? "this book's service has no language model." }),
    personalizeKind: parsed.personalize.kind,
  };
}
