// ChatModel over any OpenAI-compatible chat-completions server, through the official SDK (timeouts, bounded retries).
import OpenAI from "openai";
import type { ChatMessage, ChatModel, GenerateOptions } from "../../rag/ports.ts";

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
      if (o.signal?.aborted) return;
      // Our own controller: aborted by the caller's signal or by an idle gap longer than the timeout (the SDK's
      // timeout ends when the response headers arrive, so it does not cover a model that stalls mid-answer).
      const ctrl = new AbortController();
      const onAbort = () => ctrl.abort(o.signal?.reason);
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
      try {
        const chunks = await client.chat.completions.create(
          { ...params(messages, o), stream: true, stream_options: { include_usage: true } },
          { signal: ctrl.signal },
        );
        arm();
        // The SDK's iterator ends quietly when the request is aborted, and aborts it when we stop early.
        for await (const chunk of chunks) {
          arm();
          if (chunk.usage)
            o.onUsage?.({
              promptTokens: chunk.usage.prompt_tokens,
              completionTokens: chunk.usage.completion_tokens,
            });
          const text = chunk.choices[0]?.delta?.content;
          if (text) yield text;
        }
        if (idle) throw new LlmStreamTimeoutError(`no data from the model for ${timeoutMs} ms`);
      } catch (err) {
        if (idle) throw new LlmStreamTimeoutError(`no data from the model for ${timeoutMs} ms`);
        // Aborted by the caller: end quietly, as the SDK does.
        if (!ctrl.signal.aborted) throw err;
      } finally {
        clearTimeout(timer);
        o.signal?.removeEventListener("abort", onAbort);
      }
    },
  };
}
