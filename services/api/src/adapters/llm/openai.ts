// ChatModel over any OpenAI-compatible chat-completions server, through the official SDK (timeouts, bounded retries).

import { StringDecoder } from "node:string_decoder";
import { createParser } from "eventsource-parser";
import OpenAI, { APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ChatMessage, ChatModel, GenerateOptions } from "../../rag/ports.ts";
import { createStreamingFetch } from "./http-fetch.ts";

export interface OpenAIChatOptions {
  apiKey: string;
  /** Any OpenAI-compatible server. @default the SDK's */
  baseURL?: string;
  model: string;
  /** Per attempt; also the longest silence tolerated between stream chunks. @default 30000 */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx and connection errors, honouring Retry-After. @default 2 */
  maxRetries?: number;
  /** @default 800 */
  maxTokens?: number;
  /** @default 0.2 */
  temperature?: number;
}

/** The model went silent mid-stream for longer than the timeout. */
export class LlmStreamTimeoutError extends Error {
  override name = "LlmStreamTimeoutError";
}

export function createOpenAIChatModel(opts: OpenAIChatOptions): ChatModel {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    timeout: timeoutMs,
    maxRetries: opts.maxRetries ?? 2,
  });
  // Streams go through a client whose fetch hands the event stream over as a Node stream (see http-fetch.ts).
  const transport = createStreamingFetch();
  const streamingClient = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    timeout: timeoutMs,
    maxRetries: opts.maxRetries ?? 2,
    fetch: transport.fetch,
  });
  const params = (messages: ChatMessage[], o: GenerateOptions) => ({
    model: opts.model,
    messages,
    max_tokens: o.maxTokens ?? opts.maxTokens ?? 800,
    temperature: o.temperature ?? opts.temperature ?? 0.2,
  });

  return {
    model: opts.model,

    async complete(messages, o = {}) {
      const res = await client.chat.completions.create(params(messages, o), { signal: o.signal });
      if (res.usage)
        o.onUsage?.({ promptTokens: res.usage.prompt_tokens, completionTokens: res.usage.completion_tokens });
      return { text: res.choices[0]?.message.content ?? "", outputTokens: res.usage?.completion_tokens };
    },

    async *stream(messages, o = {}) {
      // Our own controller: aborted by the caller's signal or by an idle gap longer than the timeout.
      const ctrl = new AbortController();
      const onAbort = () => ctrl.abort(o.signal?.reason);
      if (o.signal?.aborted) return;
      o.signal?.addEventListener("abort", onAbort, { once: true });
      let idle = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          idle = true;
          ctrl.abort(new LlmStreamTimeoutError(`no data from the model for ${timeoutMs} ms`));
        }, timeoutMs);
      };
      let finished = false;
      try {
        // The SDK sends the request (auth, retries on 429/5xx, per-attempt timeout, errors); the body is read here.
        const res = await streamingClient.chat.completions
          .create(
            { ...params(messages, o), stream: true, stream_options: { include_usage: true } },
            { signal: ctrl.signal },
          )
          .asResponse();
        const body = transport.streamOf(res);
        if (!body) throw new Error(`the model server answered ${res.status} without an event stream`);
        arm();
        let done = false;
        // Each event's data, as the SSE spec reads it (multi-line data, CRLF or CR, comments, other fields).
        const events: string[] = [];
        // Not the stream's setEncoding: undici 7's body ignores it (its chunks stay Buffers).
        const utf8 = new StringDecoder("utf8");
        const parser = createParser({ onEvent: (e) => events.push(e.data) });
        const handle = (data: string): string | undefined => {
          if (data.startsWith("[DONE]")) {
            done = true;
            return undefined;
          }
          const chunk = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
          // As the SDK does: an error sent inside the stream fails it.
          if (chunk.error) throw new APIError(undefined, chunk.error as object, undefined, res.headers);
          if (chunk.usage)
            o.onUsage?.({
              promptTokens: chunk.usage.prompt_tokens,
              completionTokens: chunk.usage.completion_tokens,
            });
          return chunk.choices?.[0]?.delta?.content ?? undefined;
        };
        try {
          // Read to the end even after [DONE], so the connection goes back to the pool for the next request.
          for await (const piece of body as AsyncIterable<Buffer>) {
            arm();
            parser.feed(utf8.write(piece));
            for (let i = 0; i < events.length; i++) {
              const text = done ? undefined : handle(events[i] as string);
              if (text) yield text;
            }
            events.length = 0;
          }
        } catch (err) {
          // Aborted (by the caller or the idle timer): the request was destroyed under the loop.
          if (!ctrl.signal.aborted) throw err;
        }
        if (idle) throw new LlmStreamTimeoutError(`no data from the model for ${timeoutMs} ms`);
        finished = !ctrl.signal.aborted;
      } finally {
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
        // A consumer that stops early (client gone) must not leave the upstream request running.
        if (!finished && !ctrl.signal.aborted) ctrl.abort();
      }
    },
  };
}
