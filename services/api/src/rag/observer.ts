// Hooks through which the RAG domain reports timings, tokens and degradations (the app binds them to metrics and logs).

export type RagStage = "rewrite" | "embed" | "retrieve" | "generate";

export interface RagObserver {
  /** One stage took `seconds`. */
  stage?(stage: RagStage, seconds: number): void;
  /** Tokens an LLM consumed or produced. */
  tokens?(kind: "prompt" | "completion", count: number): void;
  /** Something failed and the pipeline carried on in a degraded way (kept for logs and metrics). */
  degraded?(what: "embed" | "rewrite" | "generate", err: unknown): void;
}

/** Runs `fn`, reporting its duration as `stage` whether it succeeds or fails. */
export async function timed<T>(
  observer: RagObserver | undefined,
  stage: RagStage,
  fn: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    observer?.stage?.(stage, (performance.now() - started) / 1000);
  }
}
