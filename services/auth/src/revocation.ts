// The revocation store: every ended session (sign-out, password reset, ban, deletion, refresh-token reuse) is listed here for the api-service,
// and every deleted account, so the api-service purges that reader's conversations and feedback (even if it was down).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DELETED_USERS_STREAM, REVOCATION_DB_SCHEMA, REVOKED_SESSION_PREFIX } from "@ai-book/contracts";
import Database from "better-sqlite3";
import type { Redis } from "ioredis";

/**
 * Where ended sessions are listed until their last access token has expired. Access tokens are verified by the
 * api-service without asking us, so a session that ends must be revoked here, or its tokens keep working.
 */
export interface RevocationStore {
  /** Which backend: the api-service must read the same one. */
  readonly kind: "redis" | "sqlite";
  /** Lists the session as ended until `untilMs` (epoch ms), when every token it was issued has expired. */
  revoke(sid: string, untilMs: number): Promise<void>;
  /** Whether the session was revoked and its tokens may still be alive. */
  isRevoked(sid: string): Promise<boolean>;
  /** Announces a deleted account to every api-service instance (each purges the reader's rows; idempotent). */
  userDeleted(userId: string): Promise<void>;
  /** Forgets deletion announcements older than `beforeMs` (epoch ms); the audit log's retention. */
  pruneDeletedUsers(beforeMs: number): Promise<void>;
  close(): void;
}

/** Shared by every instance through Redis: one key per session, gone when its tokens are. */
export function redisRevocationStore(redis: Redis): RevocationStore {
  return {
    kind: "redis",
    async revoke(sid, untilMs) {
      const ttlS = Math.max(1, Math.ceil((untilMs - Date.now()) / 1000));
      await redis.set(`${REVOKED_SESSION_PREFIX}${sid}`, "1", "EX", ttlS);
    },
    async isRevoked(sid) {
      return (await redis.exists(`${REVOKED_SESSION_PREFIX}${sid}`)) === 1;
    },
    async userDeleted(userId) {
      await redis.xadd(DELETED_USERS_STREAM, "*", "user", userId);
    },
    async pruneDeletedUsers(beforeMs) {
      // Stream ids start with their epoch ms: MINID drops the entries added before the cutoff.
      await redis.xtrim(DELETED_USERS_STREAM, "MINID", Math.floor(beforeMs));
    },
    close() {},
  };
}

/**
 * A small SQLite file both services open on one host (no Redis needed). The api-service reads it through an
 * in-memory copy it refreshes only when the file has changed (see the api's adapters/revocation.ts).
 */
export function sqliteRevocationStore(path: string): RevocationStore {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // Both services may create the file at the same moment; the busy timeout queues the second behind the first.
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.exec(REVOCATION_DB_SCHEMA);
  const insert = db.prepare("INSERT INTO revoked_sessions (sid, until_ms) VALUES (?, ?)");
  const purge = db.prepare("DELETE FROM revoked_sessions WHERE until_ms < ?");
  const find = db.prepare("SELECT 1 FROM revoked_sessions WHERE sid = ? AND until_ms > ? LIMIT 1");
  const revokeTx = db.transaction((sid: string, untilMs: number, now: number) => {
    purge.run(now);
    insert.run(sid, untilMs);
  });
  const announce = db.prepare("INSERT INTO deleted_users (user_id, at_ms) VALUES (?, ?)");
  const forget = db.prepare("DELETE FROM deleted_users WHERE at_ms < ?");
  return {
    kind: "sqlite",
    async revoke(sid, untilMs) {
      revokeTx(sid, Math.round(untilMs), Date.now());
    },
    async isRevoked(sid) {
      return find.get(sid, Date.now()) !== undefined;
    },
    async userDeleted(userId) {
      announce.run(userId, Date.now());
    },
    async pruneDeletedUsers(beforeMs) {
      forget.run(Math.floor(beforeMs));
    },
    close() {
      db.close();
    },
  };
}

/** Redis when the service has one (several instances), else the shared file; undefined when configured off. */
export function openRevocationStore(opts: {
  redis?: Redis | undefined;
  sqlitePath: string | undefined;
}): RevocationStore | undefined {
  if (opts.redis) return redisRevocationStore(opts.redis);
  if (opts.sqlitePath) return sqliteRevocationStore(opts.sqlitePath);
  return undefined;
}
