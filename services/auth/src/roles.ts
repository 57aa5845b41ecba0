// Roles: the access-control statements of Better Auth's admin plugin, ADMIN_EMAILS bootstrap, and grantRole (CLI).
import { ROLES, type Role } from "@ai-book/contracts";
import { createAccessControl } from "better-auth/plugins/access";
import { adminAc, defaultStatements } from "better-auth/plugins/admin/access";
import { and, eq, inArray, ne } from "drizzle-orm";
import type { AuditLog } from "./audit/audit-log.ts";
import type { Auth } from "./auth.ts";
import { type AuthDb, asExecutor } from "./db/client.ts";
import { user } from "./db/schema.ts";

/** The admin plugin's user/session statements, plus what the book's own routes check. */
export const statements = {
  ...defaultStatements,
  book: ["read", "author"],
  audit: ["read"],
} as const;

export const accessControl = createAccessControl(statements);

/** reader < author < admin; only admins may use the admin plugin's routes and read the audit log. */
export const roles = {
  reader: accessControl.newRole({ book: ["read"] }),
  author: accessControl.newRole({ book: ["read", "author"] }),
  admin: accessControl.newRole({ ...adminAc.statements, book: ["read", "author"], audit: ["read"] }),
} satisfies Record<Role, unknown>;

/** Options of Better Auth's admin plugin: our three roles, `reader` by default. */
export const adminPluginOptions = {
  ac: accessControl,
  roles,
  defaultRole: "reader" satisfies Role,
  adminRoles: ["admin"],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Normalises ADMIN_EMAILS entries for comparison. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Makes existing accounts listed in ADMIN_EMAILS admins (new ones get the role at sign-up); returns the ids promoted. */
export async function bootstrapAdmins(
  db: AuthDb,
  audit: AuditLog,
  emails: readonly string[],
): Promise<string[]> {
  if (emails.length === 0) return [];
  return asExecutor(db).transaction(async (tx) => {
    const promoted = await tx
      .update(user)
      .set({ role: "admin" })
      .where(and(inArray(user.email, emails.map(normaliseEmail)), ne(user.role, "admin")))
      .returning({ id: user.id });
    for (const { id } of promoted)
      await audit.record({ type: "role_changed", outcome: "success", subjectId: id, reason: "admin" }, tx);
    return promoted.map((p) => p.id);
  });
}

export class GrantError extends Error {}

export interface GrantOptions {
  /** Who granted it (null: the operator's CLI). */
  actorId?: string | null;
  /** Runs once the change is committed: refreshes Better Auth's cached sessions (see refreshCachedUser). */
  afterCommit?: (userId: string, role: Role) => Promise<void>;
}

/**
 * With Redis, Better Auth serves sessions (and their user) from its cache; a change written straight to the table
 * would reach /jwt only when those entries expire. Its own updateUser rewrites them.
 */
export async function refreshCachedUser(auth: Auth, userId: string, fields: { role: Role }): Promise<void> {
  const ctx = await auth.$context;
  await ctx.internalAdapter.updateUser(userId, fields);
}

/**
 * Sets a user's role by email in one transaction with its audit event (the CLI and tests; admins over HTTP use
 * POST /api/auth/admin/set-role). Takes effect at the user's next JWT.
 */
export async function grantRole(
  db: AuthDb,
  audit: AuditLog,
  email: string,
  role: string,
  opts: GrantOptions = {},
): Promise<{ userId: string; previous: string }> {
  if (!isRole(role)) throw new GrantError(`unknown role "${role}": use one of ${ROLES.join(", ")}`);
  const result = await asExecutor(db).transaction(async (tx) => {
    const [found] = await tx
      .select({ id: user.id, role: user.role })
      .from(user)
      .where(eq(user.email, normaliseEmail(email)))
      .for("update");
    if (!found) throw new GrantError(`no account with email ${email}`);
    await tx.update(user).set({ role }).where(eq(user.id, found.id));
    await audit.record(
      {
        type: "role_changed",
        outcome: "success",
        actorId: opts.actorId ?? null,
        subjectId: found.id,
        reason: role,
      },
      tx,
    );
    return { userId: found.id, previous: found.role };
  });
  await opts.afterCommit?.(result.userId, role);
  return result;
}
