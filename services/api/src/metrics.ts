// Prometheus metrics of the api-service: one registry per app instance (tests run several side by side).
import { timingSafeEqual } from "node:crypto";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { RagObserver } from "./rag/observer.ts";

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  jwtFailures: Counter<"reason">;
  ragStage: Histogram<"stage">;
  timeToFirstToken: Histogram<"mode">;
  llmTokens: Counter<"kind">;
  rateLimited: Counter<"route">;
  degraded: Counter<"what">;
  historyWrites: Counter<"outcome">;
  followUps: Counter<"source">;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Request latency by route template and status (streams: until the last event).",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    jwtFailures: new Counter({
      name: "jwt_verification_failures_total",
      help: "Requests refused by the JWT guard, by reason.",
      labelNames: ["reason"],
      registers,
    }),
    ragStage: new Histogram({
      name: "rag_stage_duration_seconds",
      help: "Duration of each RAG stage: rewrite, embed, retrieve, generate.",
      labelNames: ["stage"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: "rag_time_to_first_token_seconds",
      help: "From request start to the first streamed text, by answer mode.",
      labelNames: ["mode"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    llmTokens: new Counter({
      name: "llm_tokens_total",
      help: "Tokens reported by the LLM provider, prompt and completion.",
      labelNames: ["kind"],
      registers,
    }),
    rateLimited: new Counter({
      name: "rate_limit_rejections_total",
      help: "Requests refused with 429 by the per-reader limit.",
      labelNames: ["route"],
      registers,
    }),
    degraded: new Counter({
      name: "rag_degraded_total",
      help: "Provider failures the pipeline survived (embed → lexical only, rewrite → augmentation, generate → extractive).",
      labelNames: ["what"],
      registers,
    }),
    historyWrites: new Counter({
      name: "history_writes_total",
      help: "Chat turns written to the conversation store after the answer, by outcome (recorded, failed, not_owner, lookup_failed, pruned).",
      labelNames: ["outcome"],
      registers,
    }),
    followUps: new Counter({
      name: "follow_up_suggestions_total",
      help: "Model-written answers' follow-up suggestions, by source (llm, or offline_fallback when the model's failed, timed out or did not validate).",
      labelNames: ["source"],
      registers,
    }),
  };
}

/** Binds the RAG domain's hooks to the metrics (and a logger for degradations). */
export function ragObserver(
  m: Metrics,
  warn: (obj: Record<string, unknown>, msg: string) => void,
): RagObserver {
  return {
    stage: (stage, s) => m.ragStage.observe({ stage }, s),
    tokens: (kind, n) => m.llmTokens.inc({ kind }, n),
    degraded: (what, err) => {
      m.degraded.inc({ what });
      const e = err as { status?: number; name?: string; message?: string };
      warn(
        { what, status: e?.status, error: e?.name, detail: e?.message },
        "provider failed; degraded answer",
      );
    },
  };
}

/**
 * Who may read /metrics and the detailed /health: with METRICS_TOKEN, only `Authorization: Bearer <token>` (compared
 * in constant time); without it, anyone in development and nobody in production, where the
 * figures (routes, models, index size, load) are for the operator's scraper, not the public.
 */
export function metricsAccess(opts: { token: string | undefined; production: boolean }) {
  const { token, production } = opts;
  return {
    /** Whether the request may see operator detail. */
    allowed(authorization: string | undefined): boolean {
      if (!token) return !production;
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
      if (!match?.[1]) return false;
      const given = Buffer.from(match[1]);
      const want = Buffer.from(token);
      return given.length === want.length && timingSafeEqual(given, want);
    },
  };
}
export type MetricsAccess = ReturnType<typeof metricsAccess>;
