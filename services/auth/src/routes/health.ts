// GET /health: 200 when the auth database answers, 503 (status "unhealthy" plus the error envelope) when it does not.

import { ERROR_CODES } from "@ai-book/contracts";
import type { AppEnv } from "@ai-book/http";
import { Hono } from "hono";
import type { Database } from "../db/client.ts";

export function healthRoutes(database: Pick<Database, "ping">) {
  return new Hono<AppEnv>().get("/health", async (c) => {
    c.header("cache-control", "no-store");
    try {
      await database.ping(2_000);
      return c.json({ status: "healthy", service: "auth-service" } as const, 200);
    } catch (err) {
      c.get("logger")?.warn({ err }, "health: database unreachable");
      return c.json(
        {
          status: "unhealthy",
          service: "auth-service",
          error: {
            code: "SERVICE_UNAVAILABLE",
            message: "The auth database is unreachable.",
            requestId: c.get("requestId"),
          },
        } as const,
        ERROR_CODES.SERVICE_UNAVAILABLE.status,
      );
    }
  });
}
