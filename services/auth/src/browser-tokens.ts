// Keeps Better Auth's session token away from page JavaScript: browsers get the httpOnly cookie only, never the token in a body or header.
import type { AppEnv } from "@ai-book/http";
import type { MiddlewareHandler } from "hono";

/** Better Auth routes whose JSON answers carry the session token, and where it sits. */
const TOKEN_PATHS: Record<string, (body: unknown) => void> = {
  "/api/auth/sign-up/email": dropToken,
  "/api/auth/sign-in/email": dropToken,
  "/api/auth/get-session": (body) => dropToken((body as { session?: unknown } | null)?.session),
  "/api/auth/list-sessions": (body) => {
    if (Array.isArray(body)) for (const s of body) dropToken(s);
  },
};

function dropToken(obj: unknown): void {
  if (obj && typeof obj === "object" && "token" in obj) delete (obj as { token?: unknown }).token;
}

/**
 * A browser always sends Sec-Fetch-Site (a header page scripts cannot set or remove; Chromium and Firefox send it to
 * HTTPS and localhost origins), other clients do not. For a browser the httpOnly cookie is the session, so the token
 * in `set-auth-token` and in JSON bodies would only hand it to any script running on the page (an XSS turns into a
 * stolen session). Non-browser clients (the CLI examples, tests, services) keep the bearer token.
 */
export function hideSessionTokensFromBrowsers(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.header("sec-fetch-site") === undefined) return;
    c.res.headers.delete("set-auth-token");
    const strip = TOKEN_PATHS[c.req.path];
    if (!strip || c.res.status >= 400 || !c.res.headers.get("content-type")?.includes("json")) return;
    const body: unknown = await c.res.json().catch(() => undefined);
    if (body === undefined) return;
    strip(body);
    const headers = new Headers(c.res.headers);
    headers.delete("content-length");
    c.res = new Response(JSON.stringify(body), { status: c.res.status, headers });
  };
}
