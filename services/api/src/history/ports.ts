// The ports of the reader-state domain: conversations, feedback and the author's insights. Stores implement them.
import type {
  AnswerMode,
  BackgroundLevel,
  Conversation,
  ConversationSummary,
  Feedback,
  FeedbackReason,
  InsightsSummary,
  Rating,
  Source,
} from "@ai-book/contracts";

/** One finished chat turn, as recorded after the answer's `done`. */
export interface TurnRecord {
  answerId: string;
  conversationId: string;
  userId: string;
  question: string;
  selectedText: string | null;
  answer: string;
  sources: Source[];
  mode: AnswerMode;
  grounded: boolean;
  processingTimeMs: number;
  /** Share of the question's content words the best section held (0..1; 0 with no section). */
  topCoverage: number;
  softwareBackground: BackgroundLevel | null;
  hardwareBackground: BackgroundLevel | null;
  createdAt: Date;
}

export type RecordOutcome = "recorded" | "not_owner";

export interface ConversationStore {
  /** The reader owning a conversation, or undefined when there is none with this id (yet). */
  ownerOf(conversationId: string): Promise<string | undefined>;
  /**
   * Appends a turn, creating the conversation (titled `title`) when it does not exist. A conversation owned by
   * another reader is left untouched ("not_owner").
   */
  recordTurn(turn: TurnRecord, title: string): Promise<RecordOutcome>;
  /** Several turns in one transaction (all or none), outcomes in order. */
  recordTurns(items: Array<{ turn: TurnRecord; title: string }>): Promise<RecordOutcome[]>;
  /** The reader's conversations, most recently updated first; `before` pages by updatedAt. */
  list(userId: string, page: { limit: number; before?: string }): Promise<ConversationSummary[]>;
  get(userId: string, conversationId: string): Promise<Conversation | undefined>;
  /** False when the reader has no such conversation. */
  rename(userId: string, conversationId: string, title: string): Promise<boolean>;
  /** Removes the conversation with its turns and their feedback; false when the reader has no such one. */
  delete(userId: string, conversationId: string): Promise<boolean>;
  /** Removes every conversation of the reader; returns how many. */
  deleteAll(userId: string): Promise<number>;
  /** Removes conversations last updated before `cutoff` (retention); returns how many. */
  pruneBefore(cutoff: Date): Promise<number>;
}

export interface FeedbackInput {
  rating: Rating;
  reason?: FeedbackReason;
  comment?: string;
}

export interface FeedbackStore {
  /** Creates or replaces the reader's feedback on one of their answers; undefined when they have no such answer. */
  put(userId: string, answerId: string, input: FeedbackInput, now: Date): Promise<Feedback | undefined>;
}

/** A question the book may not answer: ungrounded, weakly covered, or rated down as "not in the book". */
export interface GapCandidate {
  question: string;
  userId: string;
}

export interface FeedbackRow {
  answerId: string;
  rating: Rating;
  reason: FeedbackReason | null;
  comment: string | null;
  question: string;
  answer: string;
  grounded: boolean;
  sources: Array<{ title: string; heading: string; url: string }>;
  updatedAt: string;
  userId: string;
}

export interface InsightsQuery {
  summary(since: Date): Promise<InsightsSummary>;
  /** Questions since `since` that were ungrounded, covered below `weakCoverage`, or rated down "not in the book". */
  gapCandidates(since: Date, weakCoverage: number): Promise<GapCandidate[]>;
  feedback(
    since: Date,
    filter: { rating?: Rating; reason?: FeedbackReason; limit: number },
  ): Promise<{
    reasons: Array<{ rating: Rating; reason: string | null; count: number }>;
    items: FeedbackRow[];
  }>;
}

/** Everything the reader-state routes need from storage. */
export interface HistoryStore extends ConversationStore, FeedbackStore, InsightsQuery {
  close(): Promise<void>;
}
