// Records Better Auth's security events in the audit log: after-hooks by path, plus database hooks for links/deletions.
import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import type { AuditEventType, AuditLog } from "./audit-log.ts";

/** Whose account an audited route concerns. */
type SubjectFrom = "session" | "newSession" | "bodyUserId";

interface AuditedRoute {
  type: AuditEventType;
  subject: SubjectFrom;
  /** Also record refusals (with the error code as the reason). */
  failures: boolean;
  /** The reason stored on success (e.g. the new role from the body). */
  detail?: (body: Record<string, unknown>, path: string) => string | undefined;
}

/**
 * Every Better Auth route whose outcome is an audit event. Routes of issue 13's plugins (verification, reset, 2FA)
 * are listed so they are recorded once from here when those plugins are mounted; they must not record again.
 */
export const AUDITED_ROUTES: Record<string, AuditedRoute> = {
  "/sign-up/email": { type: "sign_up", subject: "newSession", failures: true },
  "/sign-in/email": { type: "sign_in", subject: "newSession", failures: true },
  "/change-password": { type: "password_changed", subject: "session", failures: true },
  "/reset-password": { type: "password_reset", subject: "session", failures: true },
  "/verify-email": { type: "email_verified", subject: "newSession", failures: false },
  "/two-factor/enable": { type: "two_factor_enabled", subject: "session", failures: false },
  "/two-factor/disable": { type: "two_factor_disabled", subject: "session", failures: false },
  "/admin/set-role": {
    type: "role_changed",
    subject: "bodyUserId",
    failures: true,
    detail: (b) => (typeof b.role === "string" ? b.role : undefined),
  },
  "/admin/ban-user": { type: "user_banned", subject: "bodyUserId", failures: true },
  "/admin/unban-user": { type: "user_unbanned", subject: "bodyUserId", failures: true },
  "/admin/list-users": { type: "admin_read", subject: "bodyUserId", failures: false, detail: (_b, p) => p },
  "/admin/get-user": { type: "admin_read", subject: "bodyUserId", failures: false, detail: (_b, p) => p },
  "/admin/list-user-sessions": {
    type: "admin_read",
    subject: "bodyUserId",
    failures: false,
    detail: (_b, p) => p,
  },
};

function errorCode(returned: unknown): string | undefined {
  if (!(returned instanceof Error)) return undefined;
  const body = (returned as { body?: { code?: unknown } }).body;
  return typeof body?.code === "string" ? body.code : "ERROR";
}

export function auditHooksPlugin(audit: AuditLog) {
  return {
    id: "ai-book-audit",
    hooks: {
      after: [
        {
          matcher: (ctx) => Object.hasOwn(AUDITED_ROUTES, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const route = AUDITED_ROUTES[ctx.path];
            if (!route) return;
            const returned = ctx.context.returned;
            const failed = returned instanceof Error;
            if (failed && !route.failures) return;
            const body = (ctx.body && typeof ctx.body === "object" ? ctx.body : {}) as Record<
              string,
              unknown
            >;
            const actorId =
              ctx.context.session?.user.id ?? (failed ? undefined : ctx.context.newSession?.user.id) ?? null;
            // A failed sign-in names the account it was aimed at when there is one, so admins see attacks on it.
            const attempted =
              failed && route.subject === "newSession" && typeof body.email === "string"
                ? await ctx.context.internalAdapter.findUserByEmail(body.email.toLowerCase())
                : null;
            const subjectId =
              attempted?.user.id ??
              subjectOf(route.subject, body, ctx.query, {
                session: ctx.context.session?.user.id,
                newSession: ctx.context.newSession?.user.id,
              });
            await audit.record({
              type: route.type,
              outcome: failed ? "failure" : "success",
              actorId,
              subjectId,
              reason: failed ? errorCode(returned) : route.detail?.(body, ctx.path),
            });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}

/** The user an event concerns: the body's or query's userId (admin routes), or the signed-in / new session's user. */
function subjectOf(
  from: SubjectFrom,
  body: Record<string, unknown>,
  query: unknown,
  users: { session: string | undefined; newSession: string | undefined },
): string | null {
  if (from === "session") return users.session ?? null;
  if (from === "newSession") return users.newSession ?? null;
  if (typeof body.userId === "string") return body.userId;
  const q = (query ?? {}) as { id?: unknown; userId?: unknown };
  const id = q.userId ?? q.id;
  return typeof id === "string" ? id : null;
}
