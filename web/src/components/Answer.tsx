// One assistant turn: status notices, the Markdown answer with linked [n] citations, and its sources.

import type { Feedback } from "@ai-book/contracts";
import Link from "@docusaurus/Link";
import type { ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import type { AssistantTurn } from "../chat/chat-state.ts";
import { CITATION_TITLE_PREFIX, linkCitations, sourceLabel, toLocalPath } from "../chat/citations.ts";
import { AnswerFeedback } from "./AnswerFeedback.tsx";
import styles from "./tutor.module.css";

function SmartLink({
  href,
  title,
  children,
}: {
  href?: string;
  title?: string;
  children?: ReactNode;
}): ReactNode {
  const local = href ? toLocalPath(href, window.location.origin) : undefined;
  const isCitation = title?.startsWith(CITATION_TITLE_PREFIX) ?? false;
  const className = isCitation ? styles.citation : undefined;
  if (local) {
    return (
      <Link to={local} title={title} className={className}>
        {children}
      </Link>
    );
  }
  return (
    <a href={href} title={title} className={className} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

const markdownComponents: Components = {
  a: ({ href, title, children }) => (
    <SmartLink href={href} title={title}>
      {children}
    </SmartLink>
  ),
};

export interface AnswerProps {
  turn: AssistantTurn;
  /** With these, a finished answer offers feedback and its suggested next questions. */
  onAsk?(question: string): void;
  onRated?(feedback: Feedback): void;
  busy?: boolean;
}

export function Answer({ turn, onAsk, onRated, busy = false }: AnswerProps): ReactNode {
  const text = linkCitations(turn.content, turn.sources);
  const writing = turn.status === "pending" || turn.status === "streaming";
  return (
    <div className={styles.answer} data-testid="tutor-answer" data-status={turn.status} aria-busy={writing}>
      {turn.status === "pending" && <p className={styles.muted}>Searching the book…</p>}
      {turn.grounded === false && (
        <p className={styles.notice} data-testid="tutor-not-covered">
          <strong>Not covered by the book.</strong> The tutor found no section that answers this, so it did
          not guess.
        </p>
      )}
      {text && (
        <div className={styles.markdown}>
          <Markdown remarkPlugins={[remarkGfm]} components={markdownComponents}>
            {text}
          </Markdown>
          {writing && <span className={styles.cursor} aria-hidden="true" />}
        </div>
      )}
      {turn.mode === "extractive" && turn.grounded !== false && (
        <p className={styles.badge} data-testid="tutor-extractive">
          Offline answer: passages quoted from the book without an AI model.
        </p>
      )}
      {turn.status === "stopped" && <p className={styles.muted}>Stopped.</p>}
      {turn.error && (
        <p className={styles.error} role="alert" data-testid="tutor-error" data-kind={turn.error.kind}>
          {turn.error.message}
        </p>
      )}
      {turn.sources.length > 0 && (
        <details className={styles.sources} open>
          <summary>Sources ({turn.sources.length})</summary>
          <ol>
            {turn.sources.map((source) => (
              <li key={source.id}>
                <SmartLink href={source.url}>{sourceLabel(source)}</SmartLink>
              </li>
            ))}
          </ol>
        </details>
      )}
      {turn.status === "done" && onAsk && onRated && (
        <AnswerFeedback turn={turn} onAsk={onAsk} onRated={onRated} busy={busy} />
      )}
    </div>
  );
}
