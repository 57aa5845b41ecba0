// CHAT_RETENTION_DAYS: conversations untouched for longer are removed, by every instance (the delete is idempotent).
import type { ConversationStore } from "./ports.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

export interface RetentionOptions {
  store: Pick<ConversationStore, "pruneBefore">;
  days: number;
  /** How often to prune. */
  intervalMs: number;
  now?: () => Date;
  onPruned?(count: number): void;
  onError?(err: unknown): void;
}

/** Prunes now and then every `intervalMs`; returns the stopper. `days` = 0 keeps everything. */
export function scheduleRetention(opts: RetentionOptions): () => void {
  if (opts.days <= 0) return () => undefined;
  const now = opts.now ?? (() => new Date());
  const run = () =>
    opts.store
      .pruneBefore(retentionCutoff(now(), opts.days))
      .then((n) => opts.onPruned?.(n))
      .catch((err: unknown) => opts.onError?.(err));
  void run();
  const timer = setInterval(run, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
