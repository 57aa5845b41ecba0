// The book, the auth-service and the api-service on hosts that let the session cookie travel, and what to tell a
// reader when it does not.
import { TutorError } from "./tutor-error.ts";

/** Names of this machine's loopback interface: the same server, but different sites for the browser's cookies. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The service URL as this page should call it. A book opened at `http://127.0.0.1:3000` while the services are
 * configured as `http://localhost:3001` (what `npm start` prints) would get its session cookie from another site,
 * and the browser drops it; on loopback both names reach the same server, so the page's own name is used.
 * Anything but two loopback names is left as configured.
 */
export function sameLoopbackName(serviceUrl: string, pageHostname: string | undefined): string {
  if (!pageHostname || !LOOPBACK.has(pageHostname)) return serviceUrl;
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return serviceUrl;
  }
  if (!LOOPBACK.has(url.hostname) || url.hostname === pageHostname) return serviceUrl;
  url.hostname = pageHostname;
  return url.href.replace(/\/$/, "");
}

/**
 * The error for a sign-in or sign-up the auth-service accepted (200) after which it still sees no session: the
 * browser did not keep the cookie. Says where to open the book instead, when the hosts show why.
 */
export function cookieNotKeptError(authUrl: string, pageHref: string): TutorError {
  const auth = new URL(authUrl);
  const page = new URL(pageHref);
  let message: string;
  if (auth.hostname !== page.hostname) {
    const here = new URL(page.href);
    here.hostname = auth.hostname;
    message =
      `You are signed in, but your browser did not keep the session: this page is on ${page.hostname} and the ` +
      `sign-in service on ${auth.hostname}, and the browser does not send that service's cookie to another site. ` +
      `Open the book at ${here.origin}${page.pathname} (the same host as the sign-in service) and sign in there, ` +
      "or have the book and its services served on one site.";
  } else {
    message =
      "You are signed in, but your browser did not keep the session cookie. Allow cookies for this site " +
      "(a blocker or a private window may refuse them) and sign in again.";
  }
  return new TutorError({ kind: "server", code: "SESSION_COOKIE_NOT_KEPT", message });
}
