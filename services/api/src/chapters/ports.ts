// The chapter variants' own port: where made variants are kept (cache) and each reader's daily count of new ones.
import type { VariantKind, VariantSection } from "@ai-book/contracts";

/** A variant's identity: the same source, audience, model and prompt make the same variant. */
export interface VariantKey {
  docId: string;
  /** The document's content hash at ingest: a changed doc gets new variants. */
  contentHash: string;
  /** The audience: a hash of the profile bucket, or of the language (prompts.ts `variantKey`). */
  audience: string;
  model: string;
  promptVersion: string;
}

export interface StoredVariant {
  kind: Exclude<VariantKind, "study-guide">;
  language: string | null;
  sections: VariantSection[];
}

/** Kept variants and daily counts: embedded SQLite or PostgreSQL (store/variant-store.ts), never process memory. */
export interface VariantStore {
  get(key: VariantKey): Promise<StoredVariant | null>;
  /** Keeps a variant (a concurrent writer of the same key wins or loses whole). */
  put(key: VariantKey, variant: StoredVariant): Promise<void>;
  /** Removes the variants of `docId` made from another version than `contentHash`; returns how many. */
  dropStale(docId: string, contentHash: string): Promise<number>;
  /**
   * Counts one new variant for `userId` on `day` (YYYY-MM-DD, UTC) if fewer than `limit` were counted; false when
   * the reader has none left.
   */
  takeQuota(userId: string, day: string, limit: number): Promise<boolean>;
  /** Gives back one counted variant (the model failed, so the reader got none). */
  returnQuota(userId: string, day: string): Promise<void>;
}
