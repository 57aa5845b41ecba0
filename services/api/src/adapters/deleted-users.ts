// Readers of the auth-service's feed of deleted accounts: the Redis stream, or the table in the shared SQLite file.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DELETED_USERS_STREAM, REVOCATION_DB_SCHEMA } from "@ai-book/contracts";
import Database from "better-sqlite3";
import type { Redis } from "ioredis";
import type { DeletedUser, DeletedUsersFeed } from "../history/account-deletions.ts";

/** The stream every auth-service instance appends to (XADD, ids `<ms>-<n>`). */
export function redisDeletedUsers(redis: Redis): DeletedUsersFeed {
  return {
    source: "redis",
    async after(position, limit) {
      const entries = await redis.xrange(
        DELETED_USERS_STREAM,
        position ? `(${position}` : "-",
        "+",
        "COUNT",
        limit,
      );
      return entries.flatMap(([id, fields]): DeletedUser[] => {
        const at = fields.indexOf("user");
        const userId = at >= 0 ? fields[at + 1] : undefined;
        return userId ? [{ position: id, userId }] : [];
      });
    },
  };
}

export interface SqliteDeletedUsers extends DeletedUsersFeed {
  close(): void;
}

/** The `deleted_users` table of the revocation file (same path as the auth-service's REVOCATION_DB_PATH). */
export function sqliteDeletedUsers(path: string): SqliteDeletedUsers {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  // The auth-service may start later: create the tables so there is something to read.
  db.exec(REVOCATION_DB_SCHEMA);
  const since = db.prepare<[number, number], { seq: number; user_id: string }>(
    "SELECT seq, user_id FROM deleted_users WHERE seq > ? ORDER BY seq LIMIT ?",
  );
  const newest = db.prepare<[], { seq: number | null }>("SELECT max(seq) AS seq FROM deleted_users");
  return {
    source: "sqlite",
    async after(position, limit) {
      let from = position ? Number(position) : 0;
      // A file recreated since (its sequence restarted) is read from its beginning.
      if (from > (newest.get()?.seq ?? 0)) from = 0;
      return since.all(from, limit).map((r) => ({ position: String(r.seq), userId: r.user_id }));
    },
    close() {
      db.close();
    },
  };
}
