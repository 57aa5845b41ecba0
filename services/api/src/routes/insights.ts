// GET /v1/insights/{summary,gaps,feedback} (?format=csv): what readers ask and where the book fails them, for authors.
import {
  insightsFeedbackQuerySchema,
  insightsFeedbackSchema,
  insightsGapsSchema,
  insightsQuerySchema,
  insightsSummaryQuerySchema,
  insightsSummarySchema,
} from "@ai-book/contracts";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { stringify } from "csv-stringify/sync";
import type { Context } from "hono";
import type { ApiEnv } from "../env.ts";
import { coverageGaps, type SectionRef } from "../history/gaps.ts";
import { retentionCutoff } from "../history/retention.ts";
import { ROLE_ROUTES, requireRole, roleOf } from "../middleware/require-role.ts";
import { sourceUrl } from "../rag/sources.ts";
import { bearerSecurity, protectedErrors, type RouteContext } from "./common.ts";
import { fromStore, storeErrors } from "./history-http.ts";

/** Answers whose best section held less than this share of the question's words count as weak (gap candidates). */
export const WEAK_COVERAGE = 0.5;
export const MAX_CLUSTERS = 50;
const NEAREST_SECTIONS = 3;

const tags = ["insights"];
const forbidden = {
  403: {
    description: "FORBIDDEN: only the author and admin roles see insights.",
    content: { "application/json": { schema: z.object({ error: z.object({ code: z.string() }) }) } },
  },
} as const;
const csvOrJson = (schema: z.ZodType) => ({
  "application/json": { schema },
  "text/csv": { schema: z.string() },
});

export const insightsSummaryRoute = createRoute({
  method: "get",
  path: "/v1/insights/summary",
  "x-required-roles": [...ROLE_ROUTES["GET /v1/insights/summary"]],
  middleware: [requireRole(...ROLE_ROUTES["GET /v1/insights/summary"])] as const,
  tags,
  summary: "Question volume per day, chapter, section (from cited sources) and reader background",
  description: "`format=csv` exports one table, chosen by `table`.",
  security: bearerSecurity,
  request: { query: insightsSummaryQuerySchema },
  responses: {
    200: { description: "Aggregates (no reader identities)", content: csvOrJson(insightsSummarySchema) },
    ...forbidden,
    ...protectedErrors,
    ...storeErrors,
  },
});

export const insightsGapsRoute = createRoute({
  method: "get",
  path: "/v1/insights/gaps",
  "x-required-roles": [...ROLE_ROUTES["GET /v1/insights/gaps"]],
  middleware: [requireRole(...ROLE_ROUTES["GET /v1/insights/gaps"])] as const,
  tags,
  summary: "Coverage gaps: clusters of questions the book could not answer",
  description:
    "Questions answered with `grounded: false`, weakly covered, or rated down as not_in_book, grouped by meaning " +
    "(their embeddings) when an embedding provider is configured, else by shared words; each cluster has its size, " +
    "example questions and the book's sections closest to it.",
  security: bearerSecurity,
  request: { query: insightsQuerySchema },
  responses: {
    200: { description: "Biggest cluster first", content: csvOrJson(insightsGapsSchema) },
    ...forbidden,
    ...protectedErrors,
    ...storeErrors,
  },
});

export const insightsFeedbackRoute = createRoute({
  method: "get",
  path: "/v1/insights/feedback",
  "x-required-roles": [...ROLE_ROUTES["GET /v1/insights/feedback"]],
  middleware: [requireRole(...ROLE_ROUTES["GET /v1/insights/feedback"])] as const,
  tags,
  summary:
    "Rated answers (thumbs-down first) with their reasons; `reason=broken_link` lists the broken-link reports",
  security: bearerSecurity,
  request: { query: insightsFeedbackQuerySchema },
  responses: {
    200: {
      description: "Counts per reason and the rated answers",
      content: csvOrJson(insightsFeedbackSchema),
    },
    ...forbidden,
    ...protectedErrors,
    ...storeErrors,
  },
});

/** Spreadsheets run a cell that starts with = + - @ as a formula: reader-typed text is defused with a quote. */
const defuse = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

function csv(
  c: Context<ApiEnv>,
  name: string,
  rows: Array<Record<string, unknown>>,
  columns: string[],
): Response {
  const body = stringify(rows, {
    header: true,
    columns,
    cast: { string: defuse, boolean: (b) => (b ? "true" : "false") },
  });
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${name}.csv"`,
  });
}

export function registerInsightsRoutes(app: OpenAPIHono<ApiEnv>, ctx: RouteContext) {
  const store = ctx.history.store;
  const since = (days: number) => retentionCutoff(new Date(), days);
  const showReaders = (c: Context<ApiEnv>) => ctx.history.showReaders && roleOf(c.get("claims")) === "admin";

  async function nearestSections(text: string, vector?: Float32Array): Promise<SectionRef[]> {
    // The cluster's centroid searches the dense leg when the index holds vectors of its size.
    const dense = vector && (ctx.rag.store.usesVectors?.(vector.length) ?? true) ? vector : undefined;
    if (!text.trim() && !dense) return [];
    const hits = await ctx.rag.store
      .search({ text, vector: dense, limit: NEAREST_SECTIONS * 2 })
      .catch(() => []);
    const seen = new Set<string>();
    const out: SectionRef[] = [];
    for (const h of hits) {
      const url = sourceUrl(ctx.rag.bookBaseUrl, h.chunk.route);
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({ title: h.chunk.title, heading: h.chunk.headingPath.join(" > "), url });
      if (out.length === NEAREST_SECTIONS) break;
    }
    return out;
  }

  app.openapi(insightsSummaryRoute, async (c) => {
    const q = c.req.valid("query");
    const summary = await fromStore(store.summary(since(q.days)));
    if (q.format === "json") return c.json(summary, 200);
    const tables = {
      volume: ["day", "questions"],
      chapters: ["chapter", "path", "questions"],
      sections: ["chapter", "heading", "url", "questions"],
      backgrounds: ["softwareBackground", "hardwareBackground", "questions"],
    } as const;
    return csv(c, `insights-${q.table}`, summary[q.table], [...tables[q.table]]) as never;
  });

  app.openapi(insightsGapsRoute, async (c) => {
    const q = c.req.valid("query");
    const candidates = await fromStore(store.gapCandidates(since(q.days), WEAK_COVERAGE));
    const embedder = ctx.rag.embedder;
    const clusters = await coverageGaps(candidates, {
      nearestSections,
      ...(embedder
        ? {
            embed: (texts: string[]) => embedder.embed(texts, { signal: c.req.raw.signal }),
            onEmbedFailure: (err: unknown) => {
              ctx.rag.observer?.degraded?.("embed", err);
            },
          }
        : {}),
      showReaders: showReaders(c),
      limit: MAX_CLUSTERS,
    });
    if (q.format === "json") return c.json({ clusters }, 200);
    return csv(
      c,
      "insights-gaps",
      clusters.map((k) => ({
        size: k.size,
        terms: k.terms.join(" "),
        examples: k.examples.join(" | "),
        sections: k.sections.map((s) => s.url).join(" "),
      })),
      ["size", "terms", "examples", "sections"],
    ) as never;
  });

  app.openapi(insightsFeedbackRoute, async (c) => {
    const q = c.req.valid("query");
    const result = await fromStore(
      store.feedback(since(q.days), { rating: q.rating, reason: q.reason, limit: q.limit }),
    );
    const withReaders = showReaders(c);
    const items = result.items.map(({ userId, ...item }) =>
      withReaders ? { ...item, reader: userId } : item,
    );
    if (q.format === "json") return c.json({ reasons: result.reasons, items }, 200);
    return csv(
      c,
      "insights-feedback",
      items.map((i) => ({ ...i, sources: i.sources.map((s) => s.url).join(" ") })),
      [
        "updatedAt",
        "rating",
        "reason",
        "comment",
        "question",
        "answer",
        "grounded",
        "sources",
        ...(withReaders ? ["reader"] : []),
      ],
    ) as never;
  });
}
