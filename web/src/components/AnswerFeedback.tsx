// Under a finished answer: thumbs up / down (with a reason and comment on down) and the suggested next questions.
import { FEEDBACK_REASONS, type Feedback, type FeedbackReason } from "@ai-book/contracts";
import { type ReactNode, useState } from "react";
import type { AssistantTurn } from "../chat/chat-state.ts";
import { REASON_LABELS } from "../client/history-client.ts";
import { toTutorError } from "../client/tutor-error.ts";
import styles from "./tutor.module.css";
import { useHistoryClient } from "./use-history.ts";

export interface AnswerFeedbackProps {
  turn: AssistantTurn;
  onAsk(question: string): void;
  onRated(feedback: Feedback): void;
  busy: boolean;
}

export function AnswerFeedback({ turn, onAsk, onRated, busy }: AnswerFeedbackProps): ReactNode {
  const client = useHistoryClient();
  const [choosing, setChoosing] = useState(false);
  const [reason, setReason] = useState<FeedbackReason>("wrong");
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const answerId = turn.answerId;
  const current = turn.feedback?.rating;

  const send = async (rating: "up" | "down", why?: FeedbackReason) => {
    if (!answerId) return;
    setError(null);
    try {
      onRated(await client.rate(answerId, rating, why, rating === "down" ? comment : undefined));
      setChoosing(false);
    } catch (cause) {
      setError(toTutorError(cause).info.message);
    }
  };

  return (
    <div className={styles.feedback} data-testid="tutor-feedback">
      {answerId && (
        <div className={styles.row}>
          <button
            type="button"
            className={current === "up" ? styles.thumbActive : styles.thumb}
            aria-pressed={current === "up"}
            aria-label="Helpful"
            onClick={() => void send("up")}
          >
            👍
          </button>
          <button
            type="button"
            className={current === "down" ? styles.thumbActive : styles.thumb}
            aria-pressed={current === "down"}
            aria-label="Not helpful"
            onClick={() => setChoosing(true)}
          >
            👎
          </button>
          {turn.feedback && (
            <span className={styles.muted} data-testid="tutor-feedback-saved">
              {turn.feedback.rating === "up"
                ? "Thanks!"
                : `Reported: ${turn.feedback.reason ? REASON_LABELS[turn.feedback.reason] : "not helpful"}`}
            </span>
          )}
        </div>
      )}
      {choosing && (
        <form
          className={styles.reasonForm}
          onSubmit={(event) => {
            event.preventDefault();
            void send("down", reason);
          }}
        >
          <label>
            What was wrong?{" "}
            <select value={reason} onChange={(e) => setReason(e.target.value as FeedbackReason)}>
              {FEEDBACK_REASONS.map((r) => (
                <option key={r} value={r}>
                  {REASON_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Comment (optional){" "}
            <input value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
          </label>
          <div className={styles.row}>
            <button type="submit" className="button button--primary button--sm">
              Send feedback
            </button>
            <button
              type="button"
              className="button button--secondary button--sm"
              onClick={() => setChoosing(false)}
            >
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className={styles.error} role="alert">
          {error}
        </p>
      )}
      {turn.suggestions && turn.suggestions.length > 0 && (
        <div className={styles.suggestions} data-testid="tutor-suggestions">
          <span className={styles.muted}>Ask next:</span>
          {turn.suggestions.map((q) => (
            <button
              key={q}
              type="button"
              className={styles.suggestion}
              disabled={busy}
              onClick={() => onAsk(q)}
            >
              {q}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
