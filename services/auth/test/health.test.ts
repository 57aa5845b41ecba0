// GET /health follows the database: 200 while it answers, 503 (unhealthy + envelope) while it does not, 200 again after.
import { errorEnvelopeSchema, healthSchema } from "@ai-book/contracts";
import {
  closeAddressAgents,
  findPgBin,
  type OwnedPostgres,
  skipUnlessPresent,
  startPostgres,
} from "@ai-book/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { call } from "./client.ts";
import { type RunningAuth, startAuth } from "./helpers.ts";

afterAll(closeAddressAgents);

async function expectHealth(auth: RunningAuth, status: 200 | 503) {
  const res = await call(auth.url, "/health", { origin: null });
  expect(res.status).toBe(status);
  const body = healthSchema.parse(res.json);
  expect(body.service).toBe("auth-service");
  expect(body.status).toBe(status === 200 ? "healthy" : "unhealthy");
  if (status === 503) expect(errorEnvelopeSchema.parse(res.json).error.code).toBe("SERVICE_UNAVAILABLE");
  expect(res.headers.get("x-request-id")).toBeTruthy();
}

describe("GET /health", () => {
  // Each test starts its own service (and a PostgreSQL cluster): allow for a busy machine.
  it("goes 503 when the embedded database is gone (PGlite closed)", { timeout: 240_000 }, async () => {
    const auth = await startAuth({ variant: "pglite" });
    try {
      await expectHealth(auth, 200);
      await auth.service.database.close();
      await expectHealth(auth, 503);
    } finally {
      await auth.stop();
    }
  });

  const pgBin = findPgBin();
  // Required under CI=true: there a missing initdb/pg_ctl fails the run instead of skipping silently.
  const skipOwned = skipUnlessPresent(
    !pgBin && "initdb/pg_ctl not installed: skipping the owned-PostgreSQL health test",
  );
  it.skipIf(skipOwned)(
    "goes 503 while its PostgreSQL server is down and recovers when it is back",
    {
      timeout: 240_000,
    },
    async () => {
      let pg: OwnedPostgres | undefined;
      let auth: RunningAuth | undefined;
      try {
        pg = await startPostgres();
        auth = await startAuth({ databaseUrl: pg.url });
        await expectHealth(auth, 200);
        await pg.stop();
        await expectHealth(auth, 503);
        // A request that needs the database is a prompt 503 in the envelope, not a hang or a bare 500.
        const down = await call(auth.url, "/api/auth/sign-in/email", {
          body: { email: "someone@example.com", password: "whatever password" },
        });
        expect(down.status).toBe(503);
        expect(errorEnvelopeSchema.parse(down.json).error.code).toBe("SERVICE_UNAVAILABLE");
        // The failure is logged without the query's parameters.
        expect(auth.logs.text()).toContain("auth request failed");
        expect(auth.logs.text()).not.toContain("someone@example.com");
        await pg.start();
        await expectHealth(auth, 200);
      } finally {
        await auth?.stop();
        await pg?.destroy();
      }
    },
  );
});
