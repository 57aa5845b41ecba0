// A DATABASE_URL without a user name works as libpq's would (PGUSER, the OS user, then postgres) instead of stopping the service.
import { userInfo } from "node:os";
import { findPgBin, type OwnedPostgres, skipUnlessPresent, startPostgres } from "@ai-book/testkit";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { candidateUrls, createDatabase } from "../src/db/client.ts";

describe("candidate users for a DATABASE_URL", () => {
  it("keeps a URL that names its user", () => {
    expect(candidateUrls("postgres://alice:pw@db:5432/auth")).toEqual(["postgres://alice:pw@db:5432/auth"]);
  });

  it("tries PGUSER, then the OS user, then postgres when the URL names none", () => {
    const saved = process.env.PGUSER;
    process.env.PGUSER = "from_pguser";
    try {
      const users = candidateUrls("postgres://127.0.0.1:5432/auth").map((u) => new URL(u).username);
      expect(users).toEqual([...new Set(["from_pguser", userInfo().username, "postgres"])]);
    } finally {
      if (saved === undefined) delete process.env.PGUSER;
      else process.env.PGUSER = saved;
    }
  });
});

const skip = skipUnlessPresent(
  !findPgBin() && "initdb/pg_ctl not installed: skipping the user-less DATABASE_URL test",
);

describe.skipIf(skip)("a user-less DATABASE_URL against a real PostgreSQL", () => {
  let owned: OwnedPostgres;
  beforeAll(async () => {
    owned = await startPostgres();
  });
  afterAll(async () => {
    await owned?.destroy();
  });

  it("migrates and answers through the first candidate the server knows (here: postgres)", async () => {
    const saved = process.env.PGUSER;
    delete process.env.PGUSER;
    const database = createDatabase({ databaseUrl: `postgres://127.0.0.1:${owned.port}/postgres` });
    try {
      await database.migrate();
      await database.ping(10_000);
      const rows = await database.db.execute(sql`select current_user as who`);
      // The test cluster has only its bootstrap user, postgres: an OS user without a role falls through to it.
      expect((rows as unknown as { rows: Array<{ who: string }> }).rows[0]?.who).toBe("postgres");
    } finally {
      await database.close();
      if (saved !== undefined) process.env.PGUSER = saved;
    }
  });
});
