// Client of the api-service's reader-state routes: conversations, answer feedback and the author's insights.
import type {
  Conversation,
  ConversationSummary,
  Feedback,
  FeedbackReason,
  GapCluster,
  InsightsFeedback,
  InsightsSummary,
  Rating,
} from "@ai-book/contracts";
import { errorFromResponse, networkError } from "./tutor-error.ts";

export interface HistoryClientOptions {
  apiUrl: string;
  /** A valid JWT for every call. */
  token(): Promise<string>;
  fetchImpl?: typeof fetch;
}

/** The tutor's labels for the thumbs-down reasons, in the order they are offered. */
export const REASON_LABELS: Record<FeedbackReason, string> = {
  wrong: "Wrong",
  outdated: "Outdated",
  not_in_book: "Not in the book",
  confusing: "Confusing",
  too_advanced: "Too advanced",
  too_basic: "Too basic",
  broken_link: "Broken link",
};

export class HistoryClient {
  readonly #opts: HistoryClientOptions;
  constructor(opts: HistoryClientOptions) {
    this.#opts = opts;
  }

  async #call(method: string, path: string, body?: unknown): Promise<Response> {
    const fetchImpl = this.#opts.fetchImpl ?? globalThis.fetch.bind(globalThis);
    const token = await this.#opts.token();
    let res: Response;
    try {
      res = await fetchImpl(`${this.#opts.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  async list(): Promise<ConversationSummary[]> {
    const res = await this.#call("GET", "/v1/conversations");
    return ((await res.json()) as { conversations: ConversationSummary[] }).conversations;
  }

  async get(id: string): Promise<Conversation> {
    return (await (
      await this.#call("GET", `/v1/conversations/${encodeURIComponent(id)}`)
    ).json()) as Conversation;
  }

  async rename(id: string, title: string): Promise<void> {
    await this.#call("PATCH", `/v1/conversations/${encodeURIComponent(id)}`, { title });
  }

  async remove(id: string): Promise<void> {
    await this.#call("DELETE", `/v1/conversations/${encodeURIComponent(id)}`);
  }

  async removeAll(): Promise<number> {
    return ((await (await this.#call("DELETE", "/v1/conversations")).json()) as { deleted: number }).deleted;
  }

  /** The Markdown export as text (the caller offers it as a download). */
  async exportMarkdown(id: string): Promise<string> {
    return (await this.#call("GET", `/v1/conversations/${encodeURIComponent(id)}/export`)).text();
  }

  async rate(answerId: string, rating: Rating, reason?: FeedbackReason, comment?: string): Promise<Feedback> {
    const body = {
      rating,
      ...(reason ? { reason } : {}),
      ...(comment?.trim() ? { comment: comment.trim() } : {}),
    };
    const res = await this.#call("PUT", `/v1/answers/${encodeURIComponent(answerId)}/feedback`, body);
    return (await res.json()) as Feedback;
  }

  async insightsSummary(days: number): Promise<InsightsSummary> {
    return (await (await this.#call("GET", `/v1/insights/summary?days=${days}`)).json()) as InsightsSummary;
  }

  async insightsGaps(days: number): Promise<GapCluster[]> {
    const res = await this.#call("GET", `/v1/insights/gaps?days=${days}`);
    return ((await res.json()) as { clusters: GapCluster[] }).clusters;
  }

  async insightsFeedback(days: number): Promise<InsightsFeedback> {
    return (await (await this.#call("GET", `/v1/insights/feedback?days=${days}`)).json()) as InsightsFeedback;
  }

  /** A CSV export as text. */
  async insightsCsv(path: "summary" | "gaps" | "feedback", days: number, table?: string): Promise<string> {
    const res = await this.#call(
      "GET",
      `/v1/insights/${path}?format=csv&days=${days}${table ? `&table=${table}` : ""}`,
    );
    return res.text();
  }
}

/** Offers `text` as a file download in the browser. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
