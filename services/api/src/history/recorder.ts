// Records finished chat turns off the answer's path: the write starts after `done`, and a failure is only reported.
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
  /** Starts writing the turn and returns at once. */
  record(turn: TurnRecord): void;
  /** Resolves when every write started so far has settled (shutdown, tests). */
  flush(): Promise<void>;
}

export function createTurnRecorder(store: ConversationStore, hooks: RecorderHooks): TurnRecorder {
  const pending = new Set<Promise<void>>();
  return {
    record(turn) {
      // On the next turn of the event loop, so the answer's last bytes are handed to the socket first (the
      // embedded store writes synchronously underneath its promise).
      const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => store.recordTurn(turn, titleFor(turn.question)))
        .then((outcome) => {
          if (outcome === "not_owner") hooks.onNotOwner?.(turn);
        })
        .catch((err: unknown) => hooks.onFailure(err, turn))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
