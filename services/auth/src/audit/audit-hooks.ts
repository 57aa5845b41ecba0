// Records Better Auth's security events in the audit log: after-hooks by path, plus database hooks for links/deletions.
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { PROVIDER_SIGN_UP } from "../accounts/plugin.ts";
import type { AuditEventType, AuditLog } from "./audit-log.ts";

/** Whose account an audited route concerns. */
type SubjectFrom = "session" | "newSession" | "bodyUserId" | "bodyEmail";

interface AuditedRoute {
  type: AuditEventType;
  subject: SubjectFrom;
  /** Also record refusals (with the error code as the reason). */
  failures: boolean;
  /** The success is recorded elsewhere (a callback that knows the account); here only refusals. */
  failuresOnly?: true;
  /** The reason stored on success (e.g. the new role from the body). */
  detail?: (body: Record<string, unknown>, path: string) => string | undefined;
}

/**
 * Every Better Auth route whose outcome is an audit event by its path alone. Recorded elsewhere, once each: email
 * verified and password reset (callbacks in auth.ts), 2FA enrolment confirmed and the second sign-in step
 * (TWO_FACTOR_STEPS below), provider sign-in (PROVIDER_SIGN_IN), account links, deletions and sign-outs (database
 * hooks in auth.ts), API keys and refresh tokens (their plugins).
 */
export const AUDITED_ROUTES: Record<string, AuditedRoute> = {
  "/sign-up/email": { type: "sign_up", subject: "newSession", failures: true },
  "/sign-in/email": { type: "sign_in", subject: "newSession", failures: true },
  "/change-password": { type: "password_changed", subject: "session", failures: true },
  // Answered alike for known and unknown addresses; the log names the account when there is one.
  "/request-password-reset": { type: "password_reset_requested", subject: "bodyEmail", failures: false },
  // The link's token names the account only until it is used: onPasswordReset (auth.ts) records the success.
  "/reset-password": { type: "password_reset", subject: "session", failures: true, failuresOnly: true },
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

/** The second step of a sign-in, or the code that confirms a new authenticator (Better Auth's twoFactor). */
const TWO_FACTOR_STEPS = new Set([
  "/two-factor/verify-totp",
  "/two-factor/verify-backup-code",
  "/two-factor/verify-otp",
]);

/** Sign-in through a provider ends on its callback (a redirect either way) or, with an ID token, on /sign-in/social. */
const PROVIDER_SIGN_IN = PROVIDER_SIGN_UP;

/** Paths that sign a reader in and may stop for a second step (no session yet): recorded at that step instead. */
const FIRST_STEPS = new Set(["/sign-in/email"]);

function errorCode(returned: unknown): string | undefined {
  if (!(returned instanceof Error)) return undefined;
  const body = (returned as { body?: { code?: unknown } }).body;
  return typeof body?.code === "string" ? body.code : "ERROR";
}

/** The error code of a redirect's `?error=` (a provider callback that failed), if any. */
function redirectError(returned: unknown): string | undefined {
  const headers = (returned as { headers?: unknown } | undefined)?.headers;
  const plain = (headers ?? {}) as Record<string, unknown>;
  const location =
    headers instanceof Headers
      ? headers.get("location")
      : String(plain.Location ?? plain.location ?? "") || null;
  if (!location) return undefined;
  const error = new URL(location, "http://x").searchParams.get("error");
  return error
    ? error
        .toUpperCase()
        .replace(/[^A-Z0-9_]/g, "_")
        .slice(0, 64)
    : undefined;
}

export interface AuditHooksOptions {
  /** The user created by the request being served (a provider's first sign-in is a sign-up, recorded as one). */
  createdInRequest(): string | undefined;
}

export function auditHooksPlugin(audit: AuditLog, opts: AuditHooksOptions) {
  return {
    id: "ai-book-audit",
    hooks: {
      before: [
        {
          // Roles change only through /admin/set-role, which is audited; update-user would change one silently.
          matcher: (ctx) => ctx.path === "/admin/update-user",
          handler: createAuthMiddleware(async (ctx) => {
            const data = (ctx.body as { data?: unknown } | undefined)?.data;
            if (data && typeof data === "object" && "role" in data)
              throw new APIError("BAD_REQUEST", {
                code: "VALIDATION_ERROR",
                message: "data.role: change a role with /admin/set-role",
              });
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => TWO_FACTOR_STEPS.has(ctx.path ?? "") || PROVIDER_SIGN_IN.test(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            const before = ctx.context.session?.user;
            const signedIn = ctx.context.newSession?.user;
            if (TWO_FACTOR_STEPS.has(ctx.path) && before) {
              // A signed-in reader confirming a new authenticator: that is when 2FA is on.
              if (returned instanceof Error || before.twoFactorEnabled) return;
              await audit.record({
                type: "two_factor_enabled",
                outcome: "success",
                actorId: before.id,
                subjectId: before.id,
              });
              return;
            }
            const how = TWO_FACTOR_STEPS.has(ctx.path)
              ? "two_factor"
              : String(
                  (ctx.params as { id?: unknown } | undefined)?.id ??
                    (ctx.body as { provider?: unknown })?.provider ??
                    "provider",
                );
            if (signedIn) {
              // A first sign-in through a provider created the account: recorded as its sign-up (auth.ts).
              if (opts.createdInRequest() === signedIn.id) return;
              await audit.record({
                type: "sign_in",
                outcome: "success",
                actorId: signedIn.id,
                subjectId: signedIn.id,
                reason: how,
              });
              return;
            }
            // /sign-in/social answering with the provider's URL is the start of a sign-in, not its outcome.
            if (!(returned instanceof Error)) return;
            const status = (returned as { statusCode?: unknown }).statusCode;
            const redirected = typeof status === "number" && status >= 300 && status < 400;
            const reason = redirected ? redirectError(returned) : errorCode(returned);
            if (!reason) return;
            await audit.record({
              type: "sign_in",
              outcome: "failure",
              reason: `${how}:${reason}`.slice(0, 80),
            });
          }),
        },
        {
          matcher: (ctx) => Object.hasOwn(AUDITED_ROUTES, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const route = AUDITED_ROUTES[ctx.path];
            if (!route) return;
            const returned = ctx.context.returned;
            const failed = returned instanceof Error;
            if (failed && !route.failures) return;
            if (!failed && route.failuresOnly) return;
            // Password right, second step pending: the sign-in is recorded at that step (TWO_FACTOR_STEPS).
            if (!failed && FIRST_STEPS.has(ctx.path) && !ctx.context.newSession) return;
            const body = (ctx.body && typeof ctx.body === "object" ? ctx.body : {}) as Record<
              string,
              unknown
            >;
            const actorId =
              ctx.context.session?.user.id ?? (failed ? undefined : ctx.context.newSession?.user.id) ?? null;
            // A failed sign-in names the account it was aimed at when there is one, so admins see attacks on it.
            const attempted =
              ((failed && route.subject === "newSession") || route.subject === "bodyEmail") &&
              typeof body.email === "string"
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
  if (from === "bodyEmail") return null;
  if (typeof body.userId === "string") return body.userId;
  const q = (query ?? {}) as { id?: unknown; userId?: unknown };
  const id = q.userId ?? q.id;
  return typeof id === "string" ? id : null;
}
