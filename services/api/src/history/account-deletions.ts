// Deleted accounts reach the api-service: every instance applies the auth-service's feed of deleted users (at start
// and on a short poll) by purging those readers' rows; the position applied is kept in the database, so an instance
// that was down during a deletion catches up when it starts.

/** One announcement of the auth-service: this user's account was deleted. */
export interface DeletedUser {
  /** The feed's position of this entry (opaque, increasing). */
  position: string;
  userId: string;
}

/** The auth-service's feed of deleted accounts (Redis stream or the shared SQLite file). */
export interface DeletedUsersFeed {
  /** Names the feed, so a database remembers its position per feed. */
  readonly source: string;
  /** Entries after `position` (all from the start when null), oldest first, at most `limit`. */
  after(position: string | null, limit: number): Promise<DeletedUser[]>;
}

/** Where the readers' rows live. */
export interface ReaderPurgeStore {
  /** Deletes every row of these readers, in every table that holds reader rows; idempotent. */
  purgeReaders(userIds: string[]): Promise<void>;
  /** The last applied position of a feed, or null. */
  feedPosition(source: string): Promise<string | null>;
  saveFeedPosition(source: string, position: string): Promise<void>;
}

export interface AccountDeletionOptions {
  feed: DeletedUsersFeed;
  store: ReaderPurgeStore;
  /** How often the feed is polled. */
  intervalMs: number;
  /**
   * A chat that was streaming when the account was deleted writes its turn after the answer; every purged reader is
   * purged once more this long after, which catches such a late write (LLM_TIMEOUT_MS with retries is well below).
   */
  lateWriteGraceMs: number;
  /** Entries applied per batch. @default 500 */
  batchSize?: number;
  now?: () => number;
  onPurged?(userIds: number): void;
  onError?(err: unknown): void;
}

export interface AccountDeletionSync {
  /** One pass: applies every new entry (and the due second purges); resolves when done. */
  runOnce(): Promise<void>;
  /** Stops polling; resolves once a pass in flight has finished (before the database closes). */
  stop(): Promise<void>;
}

/** Starts applying the feed now and every `intervalMs` (never two passes at once). */
export function scheduleAccountDeletions(opts: AccountDeletionOptions): AccountDeletionSync {
  const now = opts.now ?? Date.now;
  const batchSize = opts.batchSize ?? 500;
  /** Readers purged by this process, awaiting their second purge. */
  const secondPass = new Map<string, number>();
  let position: string | null | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function pass(): Promise<void> {
    let from = position === undefined ? await opts.store.feedPosition(opts.feed.source) : position;
    position = from;
    for (;;) {
      const entries = await opts.feed.after(from, batchSize);
      const last = entries.at(-1);
      if (!last) break;
      const ids = [...new Set(entries.map((e) => e.userId))];
      await opts.store.purgeReaders(ids);
      await opts.store.saveFeedPosition(opts.feed.source, last.position);
      position = from = last.position;
      for (const id of ids) secondPass.set(id, now() + opts.lateWriteGraceMs);
      opts.onPurged?.(ids.length);
      if (entries.length < batchSize) break;
    }
    const due = [...secondPass].filter(([, at]) => at <= now()).map(([id]) => id);
    if (due.length > 0) {
      await opts.store.purgeReaders(due);
      for (const id of due) secondPass.delete(id);
    }
  }

  function runOnce(): Promise<void> {
    if (stopped) return Promise.resolve();
    running ??= pass()
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  void runOnce();
  const timer = setInterval(() => void runOnce(), opts.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
