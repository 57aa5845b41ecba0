// The tests' HTTP client of the auth-service: a request from a chosen loopback address, and the cookies it sets.
import { fromAddress } from "@ai-book/testkit";

export const ORIGIN = "http://localhost:3000";

export interface CallOptions {
  method?: "GET" | "POST" | "OPTIONS";
  body?: unknown;
  /** Raw body (sent as is, with `contentType`). */
  raw?: string;
  contentType?: string;
  cookie?: string;
  bearer?: string;
  /** Source address of the client socket (127.x.y.z). @default "127.0.0.1" */
  from?: string;
  /** @default ORIGIN; null sends none. */
  origin?: string | null;
  headers?: Record<string, string>;
  /** "manual" to see a redirect instead of following it. @default "follow" */
  redirect?: RequestRedirect;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are asserted field by field
  json: any;
  text: string;
}

export async function call(base: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  let body: string | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers["content-type"] = opts.contentType ?? "application/json";
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
    redirect: opts.redirect ?? "follow",
    dispatcher: fromAddress(opts.from ?? "127.0.0.1"),
  } as RequestInit);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The session cookie(s) of a response as a Cookie header value. */
export function cookieOf(res: CallResult): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

/** Whether a response starts a session (sets a session cookie that is not a deletion). */
export function setsSession(res: Pick<CallResult, "headers">): boolean {
  return res.headers.getSetCookie().some((c) => c.includes("session_token=") && !/max-age=0/i.test(c));
}

/** A tiny cookie jar (Node's fetch keeps none): the Cookie header `jar` becomes once `res` has set its cookies. */
export function withCookies(jar: string, res: Pick<CallResult, "headers">): string {
  const map = new Map(jar ? jar.split("; ").map((c) => c.split("=", 2) as [string, string]) : []);
  for (const set of res.headers.getSetCookie()) {
    const [name, value] = set.split(";")[0]!.split("=", 2) as [string, string];
    if (/max-age=0/i.test(set) || !value) map.delete(name);
    else map.set(name, value);
  }
  return [...map].map(([k, v]) => `${k}=${v}`).join("; ");
}
