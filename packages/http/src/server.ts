// Start a Hono app on a real socket, and stop it gracefully.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface RunningServer {
  port: number;
  url: string;
  /** Stops accepting, waits for in-flight requests up to `graceMs`, then closes the rest. */
  close(graceMs?: number): Promise<void>;
}

export function startServer(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env
  app: Hono<any>,
  opts: { port: number; hostname?: string },
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: opts.port, hostname: opts.hostname ?? "127.0.0.1" },
      (info) => {
        const port = (info as AddressInfo).port;
        const host = opts.hostname && opts.hostname !== "0.0.0.0" ? opts.hostname : "127.0.0.1";
        resolve({
          port,
          url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
          close: (graceMs = 10_000) =>
            new Promise<void>((done) => {
              const timer = setTimeout(() => {
                if ("closeAllConnections" in server) server.closeAllConnections();
              }, graceMs);
              timer.unref();
              // Keep-alive sockets become idle as their last response ends; close them as they do, or the
              // server would wait the whole grace period for clients that are already served.
              const sweep = setInterval(() => {
                if ("closeIdleConnections" in server) server.closeIdleConnections();
              }, 100);
              sweep.unref();
              if ("closeIdleConnections" in server) server.closeIdleConnections();
              server.close(() => {
                clearTimeout(timer);
                clearInterval(sweep);
                done();
              });
            }),
        });
      },
    );
    server.once("error", reject);
  });
}
