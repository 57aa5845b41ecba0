// Static server for the built book: serves build/ like `docusaurus serve`, and /tutor-config.js from runtime URLs.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  RUNTIME_CONFIG_FILE,
  renderRuntimeConfig,
  type TutorUrls,
} from "@ai-book/docusaurus-tutor/runtime-config";
import serveHandler from "serve-handler";

/**
 * Sent with every page. Images only from the book itself (and inline data: icons): a tutor answer, or anything else
 * injected into a page, cannot load a tracking pixel from another site. No plugins, no <base> rewriting, no framing
 * by other sites. Scripts are left to the default policy because Docusaurus inlines its theme script.
 */
export const CONTENT_SECURITY_POLICY =
  "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

export interface SiteServerOptions {
  /** The Docusaurus build directory. */
  dir: string;
  /**
   * Service URLs handed to the tutor at runtime; without them the build's own tutor-config.js is served. A function
   * is asked at each request, so the site can listen before the services it points to have ports.
   */
  urls?: TutorUrls | (() => TutorUrls | undefined) | undefined;
}

export function createSiteServer({ dir, urls }: SiteServerOptions): Server {
  const fixed = typeof urls === "function" ? undefined : urls && renderRuntimeConfig(urls);
  const runtimeConfig = () => {
    if (typeof urls !== "function") return fixed;
    const now = urls();
    return now && renderRuntimeConfig(now);
  };
  return createServer((req, res) => {
    res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    const config = req.url?.split("?")[0] === `/${RUNTIME_CONFIG_FILE}` ? runtimeConfig() : undefined;
    if (config) {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-store" });
      res.end(config);
      return;
    }
    // The same options `docusaurus serve` uses, so routes and trailing slashes behave as in production.
    serveHandler(req, res, { cleanUrls: true, public: dir, directoryListing: false }).catch(
      (error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      },
    );
  });
}

export interface RunningSite {
  url: string;
  close(): Promise<void>;
}

/**
 * The address to tell a reader: loopback IPs become `localhost`, the host the services' cookies and CORS expect
 * by default. A reader who opens 127.0.0.1 instead signs up fine, but the session cookie belongs to another
 * host and the tutor's next call answers 401.
 */
export function readerUrl(siteUrl: string): string {
  const u = new URL(siteUrl);
  if (u.hostname === "127.0.0.1" || u.hostname === "[::1]") u.hostname = "localhost";
  return u.toString().replace(/\/$/, "");
}

/** Starts the server; port 0 picks a free port. */
export async function startSiteServer(
  options: SiteServerOptions & { port: number; host: string },
): Promise<RunningSite> {
  const server = createSiteServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "localhost" : options.host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
