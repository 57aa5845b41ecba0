// The append-only audit log: record(...) in the caller's transaction (or alone), query with cursor pagination, prune.
import type { AsyncLocalStorage } from "node:async_hooks";
import type { Logger } from "@ai-book/http";
import { and, desc, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import { type AuthDb, asExecutor, type PgExecutor } from "../db/client.ts";
import { auditEvent } from "../db/schema.ts";

/** Every event type the log knows; issue 13's flows (verification, reset, 2FA, OAuth, deletion) record theirs too. */
export const AUDIT_EVENT_TYPES = [
  "sign_up",
  "sign_in",
  "sign_out",
  "password_changed",
  "password_reset_requested",
  "password_reset",
  "email_verified",
  "two_factor_enabled",
  "two_factor_disabled",
  "oauth_account_linked",
  "role_changed",
  "user_banned",
  "user_unbanned",
  "api_key_created",
  "api_key_revoked",
  "api_key_exchanged",
  "refresh_token_reuse_detected",
  "account_deleted",
  "admin_read",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Where the request came from; filled from the request being served when the caller does not pass it. */
export interface AuditRequestContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

export interface AuditEntry extends AuditRequestContext {
  type: AuditEventType;
  outcome: "success" | "failure";
  /** Who acted (null for an anonymous failure). */
  actorId?: string | null | undefined;
  /** Whose account it concerns. */
  subjectId?: string | null | undefined;
  /**
   * A short, non-secret detail: an error code for a failure (INVALID_EMAIL_OR_PASSWORD), the new role, a key id,
   * the admin route read. Never a password, token, key or email body.
   */
  reason?: string | null | undefined;
}

/** One event as GET /api/admin/audit answers it. */
export interface AuditEventView {
  type: string;
  at: string;
  actorId: string | null;
  subjectId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** "success" or "failure", followed by ":<reason>" when there is one (e.g. "failure:INVALID_EMAIL_OR_PASSWORD"). */
  outcome: string;
}

export interface AuditQuery {
  /** Events where this user is the actor or the subject. */
  userId?: string | undefined;
  type?: string | undefined;
  /** Inclusive lower bound. */
  from?: Date | undefined;
  /** Exclusive upper bound. */
  to?: Date | undefined;
  /** From the previous page's nextCursor. */
  cursor?: number | undefined;
  limit: number;
}

/** A database or a transaction of it: record() joins the caller's transaction when given one. */
export type AuditExecutor = Pick<PgExecutor, "insert">;

/** Longest user agent kept (they are unbounded client input). */
const MAX_USER_AGENT = 256;

export interface AuditLogDeps {
  db: AuthDb;
  logger: Logger;
  /** The request being served (set by the Better Auth route), for ip / user agent / request id. */
  requestContext?: AsyncLocalStorage<AuditRequestContext> | undefined;
}

export function createAuditLog(deps: AuditLogDeps) {
  const db = asExecutor(deps.db);
  const log = deps.logger.child({ component: "audit" });

  function rowOf(entry: AuditEntry) {
    const request = deps.requestContext?.getStore();
    return {
      type: entry.type,
      outcome: entry.outcome,
      actorId: entry.actorId ?? null,
      subjectId: entry.subjectId ?? null,
      ip: entry.ip ?? request?.ip ?? null,
      userAgent: (entry.userAgent ?? request?.userAgent ?? null)?.slice(0, MAX_USER_AGENT) ?? null,
      requestId: entry.requestId ?? request?.requestId ?? null,
      reason: entry.reason ?? null,
    };
  }

  return {
    /**
     * Appends one event — inside `executor` (a transaction) when the change it records has one, so both commit or
     * neither does — and streams it to the structured log once written.
     */
    async record(entry: AuditEntry, executor: AuditExecutor = db): Promise<void> {
      const row = rowOf(entry);
      const [written] = await executor
        .insert(auditEvent)
        .values(row)
        .returning({ id: auditEvent.id, at: auditEvent.at });
      log.info({ audit: { ...row, id: written?.id, at: written?.at.toISOString() } }, `audit ${row.type}`);
    },

    /** Newest first; `nextCursor` is null on the last page. */
    async query(q: AuditQuery): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
      const where: SQL[] = [];
      if (q.userId) {
        const mine = or(eq(auditEvent.actorId, q.userId), eq(auditEvent.subjectId, q.userId));
        if (mine) where.push(mine);
      }
      if (q.type) where.push(eq(auditEvent.type, q.type));
      if (q.from) where.push(gte(auditEvent.at, q.from));
      if (q.to) where.push(lt(auditEvent.at, q.to));
      if (q.cursor !== undefined) where.push(lt(auditEvent.id, q.cursor));
      const rows = await db
        .select()
        .from(auditEvent)
        .where(and(...where))
        .orderBy(desc(auditEvent.id))
        .limit(q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        events: page.map((r) => ({
          type: r.type,
          at: r.at.toISOString(),
          actorId: r.actorId,
          subjectId: r.subjectId,
          ip: r.ip,
          userAgent: r.userAgent,
          requestId: r.requestId,
          outcome: r.reason ? `${r.outcome}:${r.reason}` : r.outcome,
        })),
        nextCursor: rows.length > q.limit && last ? String(last.id) : null,
      };
    },

    /** Deletes events older than `days` days (the only deletion the table's trigger lets through); returns how many. */
    async prune(days: number, now = new Date()): Promise<number> {
      const cutoff = new Date(now.getTime() - days * 86_400_000);
      const deleted = await db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('ai_book.audit_prune', 'on', true)`);
        return tx.delete(auditEvent).where(lt(auditEvent.at, cutoff)).returning({ id: auditEvent.id });
      });
      if (deleted.length > 0) log.info({ pruned: deleted.length, retentionDays: days }, "audit log pruned");
      return deleted.length;
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
