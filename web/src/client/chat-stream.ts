// Client of POST /v1/chat/stream: sends the question with a Bearer JWT and parses the SSE events it answers with.
import { type ChatRequest, type StreamEventName, streamEventSchemas } from "@ai-book/contracts";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { z } from "zod";
import { errorFromResponse, networkError, TutorError } from "./tutor-error.ts";

export type StreamEvent = {
  [K in StreamEventName]: { event: K; data: z.infer<(typeof streamEventSchemas)[K]> };
}[StreamEventName];

export interface StreamChatOptions {
  apiUrl: string;
  token: string;
  body: ChatRequest;
  signal?: AbortSignal;
  onEvent: (event: StreamEvent) => void;
  fetchImpl?: typeof fetch;
}

function isEventName(name: string): name is StreamEventName {
  return Object.hasOwn(streamEventSchemas, name);
}

/** Parses one SSE message into a typed event; unknown names and malformed payloads give undefined. */
export function parseStreamEvent(name: string | undefined, data: string): StreamEvent | undefined {
  const eventName = name ?? "message";
  if (!isEventName(eventName)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = streamEventSchemas[eventName].safeParse(json);
  return parsed.success ? ({ event: eventName, data: parsed.data } as StreamEvent) : undefined;
}

/**
 * Streams one answer. Resolves when the stream ends; rejects with a TutorError for HTTP errors (401 included,
 * so the caller can refresh the token and retry) and network failures, or with the AbortError when aborted.
 */
export async function streamChat(options: StreamChatOptions): Promise<void> {
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await fetchImpl(`${options.apiUrl}/v1/chat/stream`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${options.token}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify(options.body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw networkError(cause);
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (!response.body) {
    throw new TutorError({ kind: "server", code: "BAD_RESPONSE", message: "The answer stream was empty." });
  }
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const event = parseStreamEvent(value.event, value.data);
      if (event) options.onEvent(event);
    }
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw networkError(cause);
  } finally {
    reader.releaseLock();
  }
}
