// The tutor widget: a launcher button and a panel with the chat and account views, plus "Ask about this".
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";
import { AccountView } from "./AccountView.tsx";
import { ChatView } from "./ChatView.tsx";
import { HistoryView } from "./HistoryView.tsx";
import { SelectionAsk } from "./SelectionAsk.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";
import { useTutorPanel } from "./tutor-panel.tsx";
import { useChat } from "./use-chat.ts";

type View = "chat" | "history" | "account";

export function Tutor(): ReactNode {
  const { status, selectionSelector, landing } = useTutor();
  const chat = useChat();
  const [open, setOpen] = useState(false);
  const [view, setView] = useState<View>("chat");
  const [selection, setSelection] = useState<string | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const launcherRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const titleId = useId();

  const show = useCallback((next: View) => {
    setOpen(true);
    setView(next);
  }, []);

  const close = useCallback(() => {
    setOpen(false);
    launcherRef.current?.focus();
  }, []);

  // Another part of the page asked for a view (the chapter tools ask a signed-out reader to sign in; once in, the
  // panel closes by itself and the page carries on with what the reader asked for).
  const { request } = useTutorPanel();
  const closeOnSignIn = useRef(false);
  useEffect(() => {
    if (!request) return;
    show(request.view);
    closeOnSignIn.current = Boolean(request.closeOnSignIn);
  }, [request, show]);

  // After signing in or up, go back to the question the reader came for.
  const previousStatus = useRef(status);
  useEffect(() => {
    if (
      previousStatus.current !== "signed-in" &&
      status === "signed-in" &&
      previousStatus.current !== "loading"
    ) {
      setView("chat");
      if (closeOnSignIn.current) setOpen(false);
    }
    if (status === "signed-in") closeOnSignIn.current = false;
    previousStatus.current = status;
  }, [status]);

  // Back from a mailed link or a provider: show the account view, which says what happened.
  useEffect(() => {
    if (landing) show("account");
  }, [landing, show]);

  // A pending sign-in step (2FA code, profile, email verification) is answered in the account view.
  useEffect(() => {
    if (status === "two-factor" || status === "needs-profile" || status === "needs-verification")
      show("account");
  }, [status, show]);

  useEffect(() => {
    if (open && view === "chat") inputRef.current?.focus();
  }, [open, view]);

  return (
    <>
      <SelectionAsk
        containerSelector={selectionSelector}
        onAsk={(text) => {
          setSelection(text);
          show("chat");
        }}
      />
      {open && (
        <section
          id={panelId}
          className={styles.panel}
          role="dialog"
          aria-labelledby={titleId}
          data-testid="tutor-panel"
          onKeyDown={(event) => {
            if (event.key === "Escape") close();
          }}
        >
          <header className={styles.header}>
            <h2 id={titleId} className={styles.title}>
              Book tutor
            </h2>
            <nav className={styles.tabs} aria-label="Tutor views">
              <button
                type="button"
                className={view === "chat" ? styles.tabActive : styles.tab}
                aria-pressed={view === "chat"}
                onClick={() => setView("chat")}
              >
                Chat
              </button>
              {status === "signed-in" && (
                <button
                  type="button"
                  className={view === "history" ? styles.tabActive : styles.tab}
                  aria-pressed={view === "history"}
                  onClick={() => setView("history")}
                >
                  History
                </button>
              )}
              <button
                type="button"
                className={view === "account" ? styles.tabActive : styles.tab}
                aria-pressed={view === "account"}
                onClick={() => setView("account")}
              >
                {status === "signed-in" ? "Profile" : "Account"}
              </button>
            </nav>
            <button type="button" className={styles.close} onClick={close} aria-label="Close the tutor">
              ×
            </button>
          </header>
          <div className={styles.body}>
            {view === "chat" ? (
              <ChatView
                chat={chat}
                selection={selection}
                onClearSelection={() => setSelection(null)}
                onShowAccount={() => setView("account")}
                inputRef={inputRef}
              />
            ) : view === "history" ? (
              <HistoryView chat={chat} onResumed={() => setView("chat")} />
            ) : (
              <AccountView />
            )}
          </div>
        </section>
      )}
      <button
        ref={launcherRef}
        type="button"
        className={`button button--primary ${styles.launcher}`}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        data-testid="tutor-launcher"
        onClick={() => (open ? close() : show(view))}
      >
        {open ? "Close tutor" : "Ask the tutor"}
      </button>
    </>
  );
}
