// The owned PostgreSQL cluster really stops and comes back on the same port with its data.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPgBin, type OwnedPostgres, startPostgres } from "./pg-cluster.ts";
import { skipUnlessPresent } from "./skips.ts";

const skip = skipUnlessPresent(
  !findPgBin() && "initdb/pg_ctl not installed: skipping the owned PostgreSQL test",
);

describe.skipIf(skip)("startPostgres", () => {
  let owned: OwnedPostgres;
  beforeAll(async () => {
    owned = await startPostgres();
  });
  afterAll(async () => {
    await owned?.destroy();
  });

  const query = async (sql: string) => {
    const c = new pg.Client({ connectionString: owned.url, connectionTimeoutMillis: 2_000 });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };

  it("stops, refuses connections, and restarts with its data", async () => {
    await query("CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");
    await owned.stop();
    await expect(query("SELECT 1")).rejects.toThrow();
    await owned.start();
    const r = await query("SELECT v FROM t");
    expect(r.rows).toEqual([{ v: "kept" }]);
  });
});
