// Reads one /v1/chat/stream response and times its events (sources, first delta, done) with a real SSE parser.
import { createParser } from "eventsource-parser";

export interface StreamTiming {
  status: number;
  /** ms from sending the request to each event; undefined when the event never came. */
  sourcesMs?: number;
  firstDeltaMs?: number;
  doneMs?: number;
  deltas: number;
  /** The `error` event's data, a non-200 body, or a transport error. */
  error?: string;
  /** Event names in order of arrival (deltas collapsed to one entry). */
  order: string[];
}

export async function timeStream(url: string, token: string, body: unknown): Promise<StreamTiming> {
  const t0 = performance.now();
  const out: StreamTiming = { status: 0, deltas: 0, order: [] };
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify(body),
    });
    out.status = res.status;
    if (res.status !== 200 || !res.body) {
      out.error = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
      return out;
    }
    const parser = createParser({
      onEvent(ev) {
        const name = ev.event ?? "message";
        const at = performance.now() - t0;
        if (name === "delta") {
          out.deltas++;
          if (out.firstDeltaMs === undefined) out.firstDeltaMs = at;
          if (out.order[out.order.length - 1] !== "delta") out.order.push("delta");
          return;
        }
        out.order.push(name);
        if (name === "sources" && out.sourcesMs === undefined) out.sourcesMs = at;
        else if (name === "done") out.doneMs = at;
        else if (name === "error") out.error = ev.data.slice(0, 300);
      },
    });
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (err) {
    out.error = String(err);
  }
  if (!out.error && out.doneMs === undefined) out.error = "stream ended without a done event";
  return out;
}
