// The tutor's runtime configuration script (/tutor-config.js): lets one build of a book talk to services on any URL.

/** Browser global the script assigns and the tutor reads first. */
export const RUNTIME_CONFIG_GLOBAL = "__AI_BOOK_TUTOR__";
/** File name of the script, relative to the site's baseUrl. */
export const RUNTIME_CONFIG_FILE = "tutor-config.js";

export interface TutorUrls {
  /** Origin of the auth-service (Better Auth mounted at /api/auth). */
  authUrl: string;
  /** Origin of the api-service (/v1/chat/stream, /v1/search). */
  apiUrl: string;
}

/** The JavaScript served as /tutor-config.js. */
export function renderRuntimeConfig(urls: TutorUrls): string {
  const value = JSON.stringify({ authUrl: trimSlash(urls.authUrl), apiUrl: trimSlash(urls.apiUrl) });
  return `window.${RUNTIME_CONFIG_GLOBAL} = ${value.replaceAll("<", "\\u003c")};\n`;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
