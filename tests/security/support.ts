// Small helpers the security, fault, cluster and soak suites share: timed requests, envelope checks, figures.
import { errorEnvelopeSchema } from "@ai-book/contracts";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined. */
  json: unknown;
  ms: number;
  /** Set when the request failed without an HTTP answer (reset, timeout). */
  failure?: string;
}

export interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | undefined;
  dispatcher?: unknown;
  timeoutMs?: number;
}

/** One HTTP exchange, timed; never throws (a transport failure is reported in `failure` with status 0). */
export async function call(url: string, init: CallInit = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
      ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}),
    } as RequestInit);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return {
      status: 0,
      headers: new Headers(),
      text: "",
      json: undefined,
      ms: performance.now() - started,
      failure: `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code ?? e.cause.message})` : ""}`,
    };
  }
}

/** JSON POST. */
export const postJson = (url: string, body: unknown, init: Omit<CallInit, "body" | "method"> = {}) =>
  call(url, {
    ...init,
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** The error envelope's code when `a` carries a well-formed one, else a description of what is wrong. */
export function envelopeCode(a: Answer): string {
  const parsed = errorEnvelopeSchema.safeParse(a.json);
  if (!parsed.success) return `NOT_AN_ENVELOPE(${a.status}: ${a.text.slice(0, 120)})`;
  return parsed.data.error.code;
}

export const median = (xs: number[]) => percentile(xs, 50);

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

/** Prints a figure line the closing note cites: `[suite] text`. */
export function figure(suite: string, text: string): void {
  console.log(`[${suite}] ${text}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SseEvent {
  event: string;
  data: string;
}

export interface SseResult {
  status: number;
  events: SseEvent[];
  /** Non-JSON body text when the answer was not a stream (e.g. a 4xx envelope). */
  text: string;
  ms: number;
  /** The stream broke or timed out before it ended. */
  failure?: string;
}

/** POSTs and reads a Server-Sent Events answer to its end with eventsource-parser (a real SSE client library). */
export async function readSse(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  timeoutMs = 30_000,
): Promise<SseResult> {
  const { createParser } = await import("eventsource-parser");
  const started = performance.now();
  const events: SseEvent[] = [];
  let status = 0;
  let text = "";
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    if (!res.headers.get("content-type")?.includes("text/event-stream")) {
      text = await res.text();
      return { status, events, text, ms: performance.now() - started };
    }
    const parser = createParser({
      onEvent: (e) => events.push({ event: e.event ?? "message", data: e.data }),
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(chunk, { stream: true }));
    return { status, events, text, ms: performance.now() - started };
  } catch (err) {
    return { status, events, text, ms: performance.now() - started, failure: String(err) };
  }
}
