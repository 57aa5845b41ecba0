// Which database failures the auth-service answers 503 (retry later) rather than 500.
import { describe, expect, it } from "vitest";
import { isUnavailable, safeError } from "./safe-error.ts";

describe("isUnavailable", () => {
  it("counts a PostgreSQL shutdown and a client lost mid-transaction as unavailable, not as a bug", () => {
    const shutdown = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    expect(isUnavailable(safeError(shutdown))).toBe(true);
    // node-postgres, on the next query of a client whose server went away (no code).
    const lost = new Error("Client has encountered a connection error and is not queryable");
    expect(isUnavailable(safeError(new Error("Failed query", { cause: lost })))).toBe(true);
  });

  it("keeps a constraint violation a bug (500)", () => {
    const unique = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
    });
    expect(isUnavailable(safeError(unique))).toBe(false);
  });
});
