// The author's view: question volume, coverage gaps (clusters of unanswered questions) and rated answers, with CSV.
import type { GapCluster, InsightsFeedback, InsightsSummary } from "@ai-book/contracts";
import { type ReactNode, useEffect, useState } from "react";
import { download, REASON_LABELS } from "../client/history-client.ts";
import { toTutorError } from "../client/tutor-error.ts";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";
import { useHistoryClient } from "./use-history.ts";

const DAYS = 90;

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

interface Data {
  summary: InsightsSummary;
  gaps: GapCluster[];
  feedback: InsightsFeedback;
}

function Csv({
  path,
  table,
  label,
}: {
  path: "summary" | "gaps" | "feedback";
  table?: string;
  label: string;
}) {
  const client = useHistoryClient();
  return (
    <button
      type="button"
      className="button button--secondary button--sm"
      onClick={() =>
        void client
          .insightsCsv(path, DAYS, table)
          .then((text) => download(`insights-${table ?? path}.csv`, text, "text/csv"))
      }
    >
      {label}
    </button>
  );
}

export function InsightsView(): ReactNode {
  const { status } = useTutor();
  const client = useHistoryClient();
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  useEffect(() => {
    if (status !== "signed-in") return;
    Promise.all([client.insightsSummary(DAYS), client.insightsGaps(DAYS), client.insightsFeedback(DAYS)])
      .then(([summary, gaps, feedback]) => setData({ summary, gaps, feedback }))
      .catch((cause: unknown) => setError(toTutorError(cause).info));
  }, [status, client]);

  if (status === "loading") return <p>Checking your session…</p>;
  if (status !== "signed-in")
    return (
      <p data-testid="insights-signed-out">
        Sign in with an author account (the tutor button below) to see insights.
      </p>
    );
  if (error)
    return (
      <p className={styles.error} role="alert" data-testid="insights-error">
        {error.code === "FORBIDDEN_ROLE" ? "Insights are for the book's authors and admins." : error.message}
      </p>
    );
  if (!data) return <p>Loading insights…</p>;
  const { summary, gaps, feedback } = data;
  const down = feedback.items.filter((i) => i.rating === "down");
  return (
    <div data-testid="insights">
      <p>
        Last {DAYS} days: <strong>{summary.totals.questions}</strong>{" "}
        {plural(summary.totals.questions, "question")} in {summary.totals.conversations}{" "}
        {plural(summary.totals.conversations, "conversation")} by {summary.totals.readers}{" "}
        {plural(summary.totals.readers, "reader")}; {summary.totals.ungrounded} not covered by the book;{" "}
        {summary.totals.thumbsUp} 👍 / {summary.totals.thumbsDown} 👎.
      </p>

      <h2>Coverage gaps</h2>
      <p>Questions the book could not answer, grouped by similarity: the to-do list for the next edition.</p>
      <Csv path="gaps" label="Download CSV" />
      <table data-testid="insights-gaps">
        <thead>
          <tr>
            <th>Questions</th>
            <th>Examples</th>
            <th>Closest sections</th>
          </tr>
        </thead>
        <tbody>
          {gaps.map((g) => (
            <tr key={g.examples[0] ?? g.terms.join(" ")}>
              <td>{g.size}</td>
              <td>
                <ul>
                  {g.examples.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              </td>
              <td>
                <ul>
                  {g.sections.map((s) => (
                    <li key={s.url}>
                      <a href={s.url}>{s.heading ? `${s.title} › ${s.heading}` : s.title}</a>
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Rated answers</h2>
      <p>
        {feedback.reasons
          .map(
            (r) =>
              `${r.rating === "up" ? "👍" : "👎"} ${r.reason ? REASON_LABELS[r.reason as keyof typeof REASON_LABELS] : ""}: ${r.count}`,
          )
          .join(" · ")}
      </p>
      <Csv path="feedback" label="Download CSV" />
      <table data-testid="insights-feedback">
        <thead>
          <tr>
            <th>Rating</th>
            <th>Reason</th>
            <th>Question</th>
            <th>Comment</th>
          </tr>
        </thead>
        <tbody>
          {[...down, ...feedback.items.filter((i) => i.rating === "up")].map((i) => (
            <tr key={i.answerId}>
              <td>{i.rating === "up" ? "👍" : "👎"}</td>
              <td>{i.reason ? REASON_LABELS[i.reason] : ""}</td>
              <td>{i.question}</td>
              <td>{i.comment ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Questions per chapter</h2>
      <Csv path="summary" table="chapters" label="Download CSV" />
      <table>
        <tbody>
          {summary.chapters.map((c) => (
            <tr key={c.path}>
              <td>{c.chapter}</td>
              <td>{c.questions}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Questions per section</h2>
      <Csv path="summary" table="sections" label="Download CSV" />
      <table>
        <tbody>
          {summary.sections.map((s) => (
            <tr key={s.url}>
              <td>
                <a href={s.url}>{s.heading ? `${s.chapter} › ${s.heading}` : s.chapter}</a>
              </td>
              <td>{s.questions}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Readers' backgrounds</h2>
      <Csv path="summary" table="backgrounds" label="Download CSV" />
      <table>
        <tbody>
          {summary.backgrounds.map((b) => (
            <tr key={`${b.softwareBackground}-${b.hardwareBackground}`}>
              <td>software: {b.softwareBackground ?? "not given"}</td>
              <td>hardware: {b.hardwareBackground ?? "not given"}</td>
              <td>{b.questions}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Questions per day</h2>
      <Csv path="summary" table="volume" label="Download CSV" />
      <table>
        <tbody>
          {summary.volume.map((v) => (
            <tr key={v.day}>
              <td>{v.day}</td>
              <td>{v.questions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
