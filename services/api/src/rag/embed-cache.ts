// Query embeddings remembered by text: readers of one book ask the same questions, and each embedding costs a round
// trip to the provider (and money). Concurrent requests for the same text share one call.
import { LRUCache } from "lru-cache";
import type { Embedder } from "./ports.ts";

export interface EmbedCacheOptions {
  /** Texts remembered (least recently used forgotten first); about 6 kB each at 1536 dimensions. */
  maxEntries: number;
}

export interface CachedEmbedder extends Embedder {
  /** Hits and misses since creation (a text that joined a call in flight counts as a hit). */
  stats(): { hits: number; misses: number; size: number };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException("This operation was aborted", "AbortError");
}

/** Resolves with `p`, or rejects as soon as `signal` aborts (p carries on for whoever else waits on it). */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * `inner`, with its vectors remembered per text. Vectors are shared between callers: never mutate one. A failed
 * call is not remembered. The provider call is not cancelled when one waiting caller gives up, since others (or
 * the next reader) may want its answer; the provider's own timeout bounds it.
 */
export function cachedEmbedder(inner: Embedder, opts: EmbedCacheOptions): CachedEmbedder {
  const done = new LRUCache<string, Float32Array>({ max: Math.max(1, opts.maxEntries) });
  const inFlight = new Map<string, Promise<Float32Array>>();
  let hits = 0;
  let misses = 0;

  function start(texts: string[]): void {
    const call = inner.embed(texts);
    texts.forEach((text, i) => {
      const one = call.then((vectors) => {
        const v = vectors[i];
        if (!v) throw new Error(`embeddings: no vector for input ${i}`);
        done.set(text, v);
        return v;
      });
      // Settled either way, the entry leaves; a rejection is handled by whoever awaits it.
      one.then(
        () => inFlight.delete(text),
        () => inFlight.delete(text),
      );
      inFlight.set(text, one);
    });
  }

  return {
    model: inner.model,
    dimensions: inner.dimensions,
    maxInputsPerRequest: inner.maxInputsPerRequest,
    stats: () => ({ hits, misses, size: done.size }),
    async embed(texts, embedOpts) {
      // One look-up per text: remembered, in flight, or to ask for (once, however often it repeats here).
      const found = texts.map((t) => done.get(t) ?? inFlight.get(t));
      const missing = [...new Set(texts.filter((_, i) => found[i] === undefined))];
      misses += missing.length;
      hits += texts.length - missing.length;
      if (missing.length > 0) start(missing);
      const vectors = texts.map((t, i) => found[i] ?? (inFlight.get(t) as Promise<Float32Array>));
      return untilAborted(Promise.all(vectors), embedOpts?.signal);
    },
  };
}
