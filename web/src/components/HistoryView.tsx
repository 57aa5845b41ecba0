// The reader's past conversations: resume, rename, export as Markdown, delete one or all.
import type { ConversationSummary } from "@ai-book/contracts";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { download } from "../client/history-client.ts";
import { toTutorError } from "../client/tutor-error.ts";
import styles from "./tutor.module.css";
import type { UseChat } from "./use-chat.ts";
import { useHistoryClient } from "./use-history.ts";

export interface HistoryViewProps {
  chat: UseChat;
  /** After resuming: back to the chat. */
  onResumed(): void;
}

export function HistoryView({ chat, onResumed }: HistoryViewProps): ReactNode {
  const client = useHistoryClient();
  const [items, setItems] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<{ id: string; title: string } | null>(null);

  const run = useCallback(async (action: () => Promise<unknown>) => {
    setError(null);
    try {
      await action();
    } catch (cause) {
      setError(toTutorError(cause).info.message);
    }
  }, []);

  const reload = useCallback(() => run(async () => setItems(await client.list())), [client, run]);
  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <div className={styles.history} data-testid="tutor-history">
      {error && (
        <p className={styles.error} role="alert">
          {error}
        </p>
      )}
      {items === null && !error && <p className={styles.muted}>Loading your conversations…</p>}
      {items?.length === 0 && <p className={styles.muted}>No saved conversations yet.</p>}
      <ul className={styles.historyList}>
        {items?.map((c) => (
          <li key={c.id} data-testid="tutor-conversation">
            {renaming?.id === c.id ? (
              <form
                className={styles.row}
                onSubmit={(event) => {
                  event.preventDefault();
                  void run(async () => {
                    await client.rename(c.id, renaming.title);
                    setRenaming(null);
                    await reload();
                  });
                }}
              >
                <label className={styles.srOnly} htmlFor={`rename-${c.id}`}>
                  New title
                </label>
                <input
                  id={`rename-${c.id}`}
                  value={renaming.title}
                  maxLength={200}
                  onChange={(e) => setRenaming({ id: c.id, title: e.target.value })}
                />
                <button
                  type="submit"
                  className="button button--primary button--sm"
                  disabled={!renaming.title.trim()}
                >
                  Save
                </button>
              </form>
            ) : (
              <p className={styles.historyTitle}>
                <strong>{c.title}</strong>{" "}
                <span className={styles.muted}>
                  {c.turns} {c.turns === 1 ? "question" : "questions"} ·{" "}
                  {new Date(c.updatedAt).toLocaleString()}
                </span>
              </p>
            )}
            <div className={styles.row}>
              <button
                type="button"
                className="button button--primary button--sm"
                disabled={chat.state.busy}
                onClick={() =>
                  void run(async () => {
                    chat.resume(await client.get(c.id));
                    onResumed();
                  })
                }
              >
                Resume
              </button>
              <button
                type="button"
                className="button button--secondary button--sm"
                onClick={() => setRenaming({ id: c.id, title: c.title })}
              >
                Rename
              </button>
              <button
                type="button"
                className="button button--secondary button--sm"
                onClick={() =>
                  void run(async () =>
                    download(`conversation-${c.id}.md`, await client.exportMarkdown(c.id), "text/markdown"),
                  )
                }
              >
                Export
              </button>
              <button
                type="button"
                className="button button--danger button--sm"
                onClick={() =>
                  void run(async () => {
                    await client.remove(c.id);
                    if (chat.state.conversationId === c.id) chat.clear();
                    await reload();
                  })
                }
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      {items && items.length > 0 && (
        <button
          type="button"
          className="button button--danger button--sm"
          onClick={() => {
            if (!window.confirm("Delete every saved conversation? This cannot be undone.")) return;
            void run(async () => {
              await client.removeAll();
              chat.clear();
              await reload();
            });
          }}
        >
          Delete all conversations
        </button>
      )}
    </div>
  );
}
