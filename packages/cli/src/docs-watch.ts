// Watches a docs folder and re-indexes after edits: changes are batched, one re-index runs at a time.
import { watch } from "chokidar";

const DOC_FILE = /\.mdx?$/i;
/** Edits arriving within this window go into one re-index (an editor's save is often several events). */
const BATCH_MS = 300;

export interface DocsWatchOptions {
  /** Runs the incremental ingest; the files are only for the log (the ingest itself finds what changed). */
  reindex(changed: string[]): Promise<void>;
  onError(err: Error): void;
}

export function watchDocs(docsDir: string, opts: DocsWatchOptions): { close(): Promise<void> } {
  const watcher = watch(docsDir, {
    ignoreInitial: true,
    ignored: (path, stats) =>
      /(^|[/\\])(\.[^/\\]+|node_modules)([/\\]|$)/.test(path.slice(docsDir.length)) ||
      (stats?.isFile() === true && !DOC_FILE.test(path)),
    // Wait for the file to stop growing, so a half-written save is not indexed.
    awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
  });
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const flush = async () => {
    timer = undefined;
    if (running || closed || pending.size === 0) return;
    const batch = [...pending];
    pending = new Set();
    running = opts.reindex(batch).catch((err: unknown) => opts.onError(err as Error));
    await running;
    running = undefined;
    // Edits made during the run get their own run.
    if (pending.size > 0 && !closed) schedule();
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), BATCH_MS);
  };

  watcher.on("all", (event, path) => {
    if (event === "addDir") return;
    if (event !== "unlinkDir" && !DOC_FILE.test(path)) return;
    pending.add(path);
    schedule();
  });
  watcher.on("error", (err) => opts.onError(err as Error));

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await watcher.close();
      await running;
    },
  };
}
