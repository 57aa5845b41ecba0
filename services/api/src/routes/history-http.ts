// What the history routes share: the 503 when the database is unreachable, and the not-found response documentation.
import { errorEnvelopeSchema } from "@ai-book/contracts";
import { ApiError } from "@ai-book/http";

export const storeErrors = {
  503: {
    description: "STORE_UNAVAILABLE: the conversation database cannot be reached.",
    content: { "application/json": { schema: errorEnvelopeSchema } },
  },
} as const;

export const notFoundError = (description: string) =>
  ({ 404: { description, content: { "application/json": { schema: errorEnvelopeSchema } } } }) as const;

/** Runs a store call; a database failure becomes 503 STORE_UNAVAILABLE (the reader can retry), never a 500. */
export async function fromStore<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError("STORE_UNAVAILABLE", undefined, { cause: err });
  }
}
