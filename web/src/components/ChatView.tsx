// The chat panel: conversation, composer with optional selected passage, stop and clear.
import { useLocation } from "@docusaurus/router";
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { ownLanguageLabel, profileSummary } from "../chapters/variant.ts";
import { starterQuestions } from "../chat/starters.ts";
import { Answer } from "./Answer.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";
import type { UseChat } from "./use-chat.ts";

export const DEFAULT_SELECTION_QUESTION = "Explain this passage.";

export interface ChatViewProps {
  chat: UseChat;
  selection: string | null;
  onClearSelection(): void;
  onShowAccount(): void;
  inputRef: React.RefObject<HTMLTextAreaElement | null>;
}

function ProfileLine(): ReactNode {
  const { user } = useTutor();
  if (!user) return null;
  const summary = profileSummary(user);
  const language = user.preferredLanguage;
  return (
    <p className={styles.profileLine} data-testid="tutor-profile-line">
      {summary ? `Answers tailored to ${summary}` : "No background set: neutral answers"}
      {language ? (
        <>
          {" · in "}
          <span lang={language}>{ownLanguageLabel(language)}</span>
        </>
      ) : (
        " · in the book's language"
      )}
    </p>
  );
}

/** Starter questions for the doc page being read (its h2 headings), recomputed on navigation. */
function usePageStarters(): string[] {
  const { pathname } = useLocation();
  const [starters, setStarters] = useState<string[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the page's headings change with the route
  useEffect(() => {
    const headings = [...document.querySelectorAll(".theme-doc-markdown h2")].map((h) => h.textContent ?? "");
    setStarters(starterQuestions(headings));
  }, [pathname]);
  return starters;
}

export function ChatView({
  chat,
  selection,
  onClearSelection,
  onShowAccount,
  inputRef,
}: ChatViewProps): ReactNode {
  const { status } = useTutor();
  const [draft, setDraft] = useState("");
  const logRef = useRef<HTMLDivElement>(null);
  const inputId = useId();
  const { state, ask, stop, clear } = chat;
  const lastTurn = state.turns.at(-1);
  const signedIn = status === "signed-in";
  const starters = usePageStarters();

  // Keep the newest text in view while the answer streams.
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever the conversation changes
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [state.turns.length, lastTurn?.content]);

  const submit = () => {
    const question = draft.trim() || (selection ? DEFAULT_SELECTION_QUESTION : "");
    if (!question || state.busy || !signedIn) return;
    void ask(question, selection ?? undefined);
    setDraft("");
    onClearSelection();
  };

  return (
    <div className={styles.chat}>
      <ProfileLine />
      <div
        ref={logRef}
        className={styles.log}
        role="log"
        aria-live="polite"
        aria-busy={state.busy}
        aria-label="Conversation"
        data-testid="tutor-log"
      >
        {state.turns.length === 0 && (
          <p className={styles.muted}>
            Ask anything about the book. Answers cite the sections they come from; select text in a chapter to
            ask about it.
          </p>
        )}
        {state.turns.length === 0 && signedIn && starters.length > 0 && (
          <div className={styles.suggestions} data-testid="tutor-starters">
            <span className={styles.muted}>On this page:</span>
            {starters.map((q) => (
              <button key={q} type="button" className={styles.suggestion} onClick={() => void ask(q)}>
                {q}
              </button>
            ))}
          </div>
        )}
        {state.turns.map((turn) =>
          turn.role === "user" ? (
            <div key={turn.id} className={styles.question} data-testid="tutor-question">
              {turn.selectedText && <blockquote className={styles.quote}>{turn.selectedText}</blockquote>}
              <p>{turn.content}</p>
            </div>
          ) : (
            <Answer
              key={turn.id}
              turn={turn}
              busy={state.busy}
              onAsk={(question) => void ask(question)}
              onRated={chat.rated}
            />
          ),
        )}
      </div>
      {signedIn ? (
        <form
          className={styles.composer}
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          {selection && (
            <div className={styles.selection} data-testid="tutor-selection">
              <span className={styles.selectionLabel}>About the selected passage:</span>
              <q className={styles.selectionText}>{selection}</q>
              <button
                type="button"
                className={styles.linkButton}
                onClick={onClearSelection}
                aria-label="Remove the selected passage"
              >
                Remove
              </button>
            </div>
          )}
          <label htmlFor={inputId} className={styles.srOnly}>
            Your question
          </label>
          <textarea
            id={inputId}
            ref={inputRef}
            className={styles.input}
            rows={2}
            value={draft}
            maxLength={4000}
            placeholder={
              selection ? `${DEFAULT_SELECTION_QUESTION} (or ask your own question)` : "Ask about the book…"
            }
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
                event.preventDefault();
                submit();
              }
            }}
          />
          <div className={styles.row}>
            <button
              type="button"
              className="button button--secondary button--sm"
              onClick={clear}
              disabled={state.busy || state.turns.length === 0}
            >
              New conversation
            </button>
            {state.busy ? (
              <button type="button" className="button button--danger button--sm" onClick={stop}>
                Stop
              </button>
            ) : (
              <button
                type="submit"
                className="button button--primary button--sm"
                disabled={!draft.trim() && !selection}
              >
                Send
              </button>
            )}
          </div>
        </form>
      ) : (
        <div className={styles.signedOut} data-testid="tutor-signed-out">
          <p>
            {status === "loading"
              ? "Checking your session…"
              : "Sign in or create a free account to ask the tutor. Tell it your background and answers adapt to it."}
          </p>
          {status !== "loading" && (
            <button type="button" className="button button--primary button--sm" onClick={onShowAccount}>
              Sign in or sign up
            </button>
          )}
        </div>
      )}
    </div>
  );
}
