// Embedder over the OpenAI embeddings API (or any compatible server): batched, bounded concurrency, SDK retries.
import OpenAI from "openai";
import pLimit from "p-limit";
import type { Embedder } from "../../rag/ports.ts";

export interface OpenAIEmbedderOptions {
  apiKey: string;
  /** Any OpenAI-compatible server; the SDK's default (api.openai.com) when absent. */
  baseURL?: string;
  /** @default "text-embedding-3-small" */
  model?: string;
  /** @default 1536 */
  dimensions?: number;
  /** Inputs per request (OpenAI allows 2048). @default 128 */
  maxInputsPerRequest?: number;
  /** Tokens per request, all inputs together (OpenAI allows 300k). @default 100000 */
  maxTokensPerRequest?: number;
  /** Longer inputs are cut to this many tokens (the model's context). @default 8191 */
  maxInputTokens?: number;
  /** Requests in flight at once. @default 2 */
  concurrency?: number;
  /** Retries of a 408/409/429/5xx or connection failure; the SDK waits as Retry-After says. @default 5 */
  maxRetries?: number;
  /** Per-attempt timeout, ms. @default 60000 */
  timeoutMs?: number;
}

export interface EmbedderUsage {
  /** Embedding requests that succeeded. */
  requests: number;
  /** Tokens the provider reported (or, when it reports none, the local count when one was made). */
  tokens: number;
}

export interface OpenAIEmbedder extends Embedder {
  /** Counts since creation, for the ingest summary and metrics. */
  usage(): EmbedderUsage;
}

/**
 * cl100k_base, the encoding of OpenAI's embedding models (text-embedding-3-*, ada-002), loaded on first need: its
 * tables cost about 20 MB of heap and 170 ms, and a query-time embedder rarely needs them (a text of n UTF-8 bytes
 * has at most n tokens, so short texts need no counting).
 */
let tokenizer: Promise<typeof import("gpt-tokenizer/encoding/cl100k_base")> | undefined;
const loadTokenizer = () => {
  tokenizer ??= import("gpt-tokenizer/encoding/cl100k_base");
  return tokenizer;
};
/** Text such as "<|endoftext|>" in a book is text, not a control token (the default would throw). */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Groups texts (by index) into requests that respect both the input-count and the token limits. */
export function planBatches(tokenCounts: number[], maxInputs: number, maxTokens: number): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let tokens = 0;
  tokenCounts.forEach((t, i) => {
    if (current.length > 0 && (current.length >= maxInputs || tokens + t > maxTokens)) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(i);
    tokens += t;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): OpenAIEmbedder {
  const model = opts.model ?? "text-embedding-3-small";
  const dimensions = opts.dimensions ?? 1536;
  const maxInputs = opts.maxInputsPerRequest ?? 128;
  const maxTokens = opts.maxTokensPerRequest ?? 100_000;
  const maxInputTokens = opts.maxInputTokens ?? 8191;
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: opts.maxRetries ?? 5,
    timeout: opts.timeoutMs ?? 60_000,
  });
  const limit = pLimit(opts.concurrency ?? 2);
  // Only the text-embedding-3 family takes `dimensions`; other models have one size, checked on return.
  const sendDimensions = model.startsWith("text-embedding-3");
  const usage: EmbedderUsage = { requests: 0, tokens: 0 };

  async function request(
    inputs: string[],
    /** The local count, when one was made. */
    localTokens: number | undefined,
    signal?: AbortSignal,
  ): Promise<Float32Array[]> {
    const res = await client.embeddings.create(
      { model, input: inputs, encoding_format: "float", ...(sendDimensions ? { dimensions } : {}) },
      { signal },
    );
    usage.requests += 1;
    usage.tokens += res.usage?.total_tokens ?? localTokens ?? 0;
    if (res.data.length !== inputs.length) {
      throw new Error(`embeddings: asked for ${inputs.length} vectors, got ${res.data.length}`);
    }
    const out = new Array<Float32Array>(inputs.length);
    for (const item of res.data) {
      if (item.embedding.length !== dimensions) {
        throw new Error(
          `embeddings: ${model} returned ${item.embedding.length} dimensions, EMBEDDING_DIMENSIONS is ${dimensions}`,
        );
      }
      out[item.index] = Float32Array.from(item.embedding);
    }
    return out;
  }

  return {
    model,
    dimensions,
    maxInputsPerRequest: maxInputs,
    usage: () => ({ ...usage }),
    async embed(texts, embedOpts) {
      if (texts.length === 0) return [];
      const inputs = texts.map((t) => (t.trim() === "" ? " " : t));
      // Token counts only matter near a limit; byte lengths bound them from above, so most calls skip the BPE.
      const bytes = inputs.map((t) => Buffer.byteLength(t, "utf8"));
      const counted =
        bytes.some((b) => b > maxInputTokens) || bytes.reduce((a, b) => a + b, 0) > maxTokens
          ? await loadTokenizer()
          : undefined;
      const prepared = inputs.map((text, i) => {
        if (!counted) return { text, tokens: bytes[i] as number };
        const tokens = counted.encode(text, AS_TEXT);
        return tokens.length > maxInputTokens
          ? { text: counted.decode(tokens.slice(0, maxInputTokens)), tokens: maxInputTokens }
          : { text, tokens: tokens.length };
      });
      const batches = planBatches(
        prepared.map((p) => p.tokens),
        maxInputs,
        maxTokens,
      );
      const results = await Promise.all(
        batches.map((idx) =>
          limit(() => {
            embedOpts?.signal?.throwIfAborted();
            return request(
              idx.map((i) => prepared[i]!.text),
              counted ? idx.reduce((s, i) => s + prepared[i]!.tokens, 0) : undefined,
              embedOpts?.signal,
            );
          }),
        ),
      );
      const out = new Array<Float32Array>(texts.length);
      batches.forEach((idx, b) => {
        idx.forEach((i, j) => {
          out[i] = results[b]![j]!;
        });
      });
      return out;
    },
  };
}
