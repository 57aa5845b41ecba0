// Records finished chat turns off the answer's path: written in batches after `done`; a failure is only reported.
import type { ConversationStore, TurnRecord } from "./ports.ts";

/** Longest automatic title: the first question, cut at a word. */
export const TITLE_MAX = 80;

export function titleFor(question: string): string {
  const flat = question.replace(/\s+/g, " ").trim();
  if (flat.length <= TITLE_MAX) return flat;
  const cut = flat.slice(0, TITLE_MAX);
  const space = cut.lastIndexOf(" ");
  return `${space > TITLE_MAX / 2 ? cut.slice(0, space) : cut}…`;
}

export interface RecorderHooks {
  /** The write failed (the reader already has the answer: log and count, never surface). */
  onFailure(err: unknown, turn: TurnRecord): void;
  /** The conversation turned out to be another reader's: the turn was dropped. */
  onNotOwner?(turn: TurnRecord): void;
}

export interface TurnRecorder {
  /** Queues the turn for the next batch and returns at once. */
  record(turn: TurnRecord): void;
  /** Resolves when every write started so far has settled (shutdown, tests). */
  flush(): Promise<void>;
}

/** Turns wait this long to be written together: one transaction per batch, well after the answers went out. */
export const WRITE_BATCH_MS = 50;

export function createTurnRecorder(
  store: Pick<ConversationStore, "recordTurns">,
  hooks: RecorderHooks,
  opts: { batchMs?: number } = {},
): TurnRecorder {
  let queue: TurnRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const pending = new Set<Promise<void>>();

  const write = (batch: TurnRecord[]) =>
    store
      .recordTurns(batch.map((turn) => ({ turn, title: titleFor(turn.question) })))
      .then((outcomes) =>
        outcomes.forEach((o, i) => {
          if (o === "not_owner") hooks.onNotOwner?.(batch[i] as TurnRecord);
        }),
      )
      .catch((err: unknown) => {
        for (const turn of batch) hooks.onFailure(err, turn);
      });

  const flushQueue = () => {
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    // Batches are written one after another, in order.
    const p: Promise<void> = writing.then(() => write(batch)).finally(() => pending.delete(p));
    writing = p;
    pending.add(p);
  };

  return {
    record(turn) {
      queue.push(turn);
      timer ??= setTimeout(flushQueue, opts.batchMs ?? WRITE_BATCH_MS);
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        flushQueue();
      }
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
