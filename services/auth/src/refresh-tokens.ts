// Refresh tokens for clients without cookies: POST /refresh-token/issue and /refresh-token (rotation, reuse detection).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, sessionMiddleware } from "better-auth/api";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { type AccessTokenSettings, type SessionLike, signAccessToken } from "./access-token.ts";
import type { AuditLog } from "./audit/audit-log.ts";
import { type AuthDb, asExecutor } from "./db/client.ts";
import { refreshToken, session, user } from "./db/schema.ts";

export interface RefreshTokenDeps {
  db: AuthDb;
  audit: AuditLog;
  settings: AccessTokenSettings;
  /** Lifetime of the access token handed out with each refresh token (ACCESS_TOKEN_TTL), seconds. */
  accessTtlS: number;
}

/** 32 random bytes: the token is the only secret; the database keeps its SHA-256. */
function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

const rotateBody = z.object({ refreshToken: z.string().min(1).max(256) });

const invalid = () =>
  new APIError("UNAUTHORIZED", {
    code: "REFRESH_TOKEN_INVALID",
    message: "The refresh token is invalid or expired; sign in again.",
  });

type Rotation =
  | { kind: "ok"; token: string; subject: SessionLike; expiresAt: Date }
  | { kind: "invalid" }
  | { kind: "reused"; sessionToken: string | null; userId: string };

export function refreshTokenPlugin(deps: RefreshTokenDeps) {
  const db = asExecutor(deps.db);

  async function pair(ctx: Parameters<typeof signAccessToken>[0], subject: SessionLike, refresh: string) {
    const expiresAt = new Date(Date.now() + deps.accessTtlS * 1000);
    const token = await signAccessToken(ctx, subject, deps.settings, { expiresInS: deps.accessTtlS });
    return { token, refreshToken: refresh, expiresAt: expiresAt.toISOString() };
  }

  return {
    id: "ai-book-refresh-token",
    endpoints: {
      issueRefreshToken: createAuthEndpoint(
        "/refresh-token/issue",
        { method: "POST", requireHeaders: true, use: [sessionMiddleware] },
        async (ctx) => {
          const current = ctx.context.session;
          const token = newRefreshToken();
          await db.insert(refreshToken).values({
            id: randomUUID(),
            familyId: randomUUID(),
            tokenHash: hashRefreshToken(token),
            sessionId: current.session.id,
            userId: current.user.id,
            // A family never outlives its session: signing out or a ban ends both.
            expiresAt: new Date(current.session.expiresAt),
          });
          ctx.setHeader("cache-control", "no-store");
          return ctx.json(await pair(ctx, current, token));
        },
      ),
      rotateRefreshToken: createAuthEndpoint(
        // Public path POST /api/auth/refresh-token (see PATH_ALIASES in routes/better-auth.ts).
        "/refresh-token/rotate",
        { method: "POST", body: rotateBody },
        async (ctx) => {
          const presented = hashRefreshToken(ctx.body.refreshToken);
          const now = new Date();
          const result = await db.transaction(async (tx): Promise<Rotation> => {
            // Row lock: two clients racing with one token are serialised, and the second is a reuse.
            const [row] = await tx
              .select()
              .from(refreshToken)
              .where(eq(refreshToken.tokenHash, presented))
              .for("update");
            if (!row || row.revokedAt) return { kind: "invalid" };
            const [owner] = await tx
              .select({ user, session })
              .from(session)
              .innerJoin(user, eq(user.id, session.userId))
              .where(eq(session.id, row.sessionId));
            if (row.retiredAt) {
              await tx
                .update(refreshToken)
                .set({ revokedAt: now })
                .where(and(eq(refreshToken.familyId, row.familyId), isNull(refreshToken.revokedAt)));
              await deps.audit.record(
                {
                  type: "refresh_token_reuse_detected",
                  outcome: "failure",
                  subjectId: row.userId,
                  reason: "REFRESH_TOKEN_REUSED",
                },
                tx,
              );
              return { kind: "reused", sessionToken: owner?.session.token ?? null, userId: row.userId };
            }
            if (!owner || row.expiresAt <= now || owner.session.expiresAt <= now || owner.user.banned)
              return { kind: "invalid" };
            const next = newRefreshToken();
            await tx.update(refreshToken).set({ retiredAt: now }).where(eq(refreshToken.id, row.id));
            await tx.insert(refreshToken).values({
              id: randomUUID(),
              familyId: row.familyId,
              tokenHash: hashRefreshToken(next),
              sessionId: row.sessionId,
              userId: row.userId,
              expiresAt: row.expiresAt,
            });
            return { kind: "ok", token: next, subject: owner, expiresAt: row.expiresAt };
          });
          if (result.kind === "invalid") throw invalid();
          if (result.kind === "reused") {
            // Through Better Auth, so its session hooks put the session id on the revocation path: the newest refresh
            // token (cascade) and every JWT of the session stop working.
            if (result.sessionToken) await ctx.context.internalAdapter.deleteSession(result.sessionToken);
            throw new APIError("UNAUTHORIZED", {
              code: "REFRESH_TOKEN_REUSED",
              message:
                "This refresh token was already used; its whole family has been revoked. Sign in again.",
            });
          }
          ctx.setHeader("cache-control", "no-store");
          return ctx.json(await pair(ctx, result.subject, result.token));
        },
      ),
    },
  } satisfies BetterAuthPlugin;
}
