// One assistant turn: status notices, the Markdown answer with linked [n] citations, and its sources.

import type { Feedback, Source } from "@ai-book/contracts";
import Link from "@docusaurus/Link";
import { type ReactNode, useMemo } from "react";
import Markdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { classifyAnswerLink } from "../chat/answer-links.ts";
import type { AssistantTurn } from "../chat/chat-state.ts";
import { linkCitations, sourceLabel, toLocalPath } from "../chat/citations.ts";
import { AnswerFeedback } from "./AnswerFeedback.tsx";
import styles from "./tutor.module.css";

function BookLink({
  href,
  local,
  title,
  className,
  children,
}: {
  href: string;
  local: string | undefined;
  title?: string | undefined;
  className?: string | undefined;
  children?: ReactNode;
}): ReactNode {
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

/**
 * How the model's Markdown may render (issue 19, finding 9): no images (an image loads by itself, a tracking channel
 * a book page could plant), links only to the book and the answer's sources, citation style only for links built
 * from [n] markers. Raw HTML and javascript: URLs are already dropped by react-markdown.
 */
function answerComponents(sources: readonly Source[]): Components {
  return {
    a: ({ href, title, children }) => {
      const link = classifyAnswerLink(href, title, sources, window.location.origin);
      if (link.kind === "text") return <span>{children}</span>;
      return (
        <BookLink
          href={link.href}
          local={link.local}
          title={link.kind === "citation" ? link.title : undefined}
          className={link.kind === "citation" ? styles.citation : undefined}
        >
          {children}
        </BookLink>
      );
    },
  };
}

const NO_IMAGES = ["img"];

export interface AnswerProps {
  turn: AssistantTurn;
  /** With these, a finished answer offers feedback and its suggested next questions. */
  onAsk?(question: string): void;
  onRated?(feedback: Feedback): void;
  busy?: boolean;
}

export function Answer({ turn, onAsk, onRated, busy = false }: AnswerProps): ReactNode {
  const text = linkCitations(turn.content, turn.sources);
  const components = useMemo(() => answerComponents(turn.sources), [turn.sources]);
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
        // An answer in the reader's language (Urdu, Arabic…) runs right to left by itself.
        <div className={styles.markdown} dir="auto">
          <Markdown
            remarkPlugins={[remarkGfm]}
            components={components}
            disallowedElements={NO_IMAGES}
            unwrapDisallowed
          >
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
                <BookLink href={source.url} local={toLocalPath(source.url, window.location.origin)}>
                  {sourceLabel(source)}
                </BookLink>
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
