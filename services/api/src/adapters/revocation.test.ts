// The shared revocation file as the api-service reads it: rows another connection commits are seen at the next request.
import { join } from "node:path";
import { REVOCATION_DB_SCHEMA } from "@ai-book/contracts";
import { tempDir } from "@ai-book/testkit";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { sqliteRevocationList } from "./revocation.ts";

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe("sqliteRevocationList", () => {
  it("sees a revocation written by another connection at the next call, and forgets it once expired", () => {
    const dir = tempDir("ai-book-revocation-");
    dirs.push(dir);
    const path = join(dir.path, "nested", "revocations.sqlite");
    let t = 1_000_000;
    // The reader starts first (the auth-service may start later) and creates the file.
    const list = sqliteRevocationList(path, { now: () => t });
    expect(list.isRevoked("s1")).toBe(false);

    const writer = new Database(path);
    writer.exec(REVOCATION_DB_SCHEMA);
    writer.prepare("INSERT INTO revoked_sessions (sid, until_ms) VALUES (?, ?)").run("s1", t + 60_000);
    // No time has to pass: the commit is seen by the next call.
    expect(list.isRevoked("s1")).toBe(true);
    expect(list.isRevoked("s2")).toBe(false);

    writer.prepare("INSERT INTO revoked_sessions (sid, until_ms) VALUES (?, ?)").run("s2", t + 1_000);
    expect(list.isRevoked("s2")).toBe(true);
    // Every token of s1 has expired: the entry no longer matters.
    t += 60_000;
    expect(list.isRevoked("s1")).toBe(false);
    writer.close();
    list.close();
  });
});
