// GET /api/admin/audit: admins read the audit log with filters and cursor pagination (there is no route that alters it).
import { ApiError, type AppEnv } from "@ai-book/http";
import { Hono } from "hono";
import { z } from "zod";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Auth } from "../auth.ts";

const MAX_PAGE = 200;

const auditQuerySchema = z
  .object({
    userId: z.string().min(1).max(128).optional(),
    type: z
      .string()
      .regex(/^[a-z_]{1,64}$/, "an event type such as sign_in")
      .optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: z
      .string()
      .regex(/^\d{1,18}$/, "the nextCursor of the previous page")
      .optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .strict();

export function adminAuditRoutes(auth: Auth, audit: AuditLog) {
  return new Hono<AppEnv>().get("/api/admin/audit", async (c) => {
    const found = await auth.api.getSession({ headers: c.req.raw.headers });
    if (!found) throw new ApiError("UNAUTHORIZED");
    const allowed = await auth.api.userHasPermission({
      body: { userId: found.user.id, permissions: { audit: ["read"] } },
    });
    if (!allowed.success) throw new ApiError("FORBIDDEN_ROLE", "Only admins can read the audit log.");
    const parsed = auditQuerySchema.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        "VALIDATION_ERROR",
        `${issue?.path.join(".") || "query"}: ${issue?.message ?? "invalid"}`,
      );
    }
    const q = parsed.data;
    const page = await audit.query({
      userId: q.userId,
      type: q.type,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      cursor: q.cursor ? Number(q.cursor) : undefined,
      limit: q.limit,
    });
    await audit.record({
      type: "admin_read",
      outcome: "success",
      actorId: found.user.id,
      subjectId: q.userId ?? null,
      reason: "/api/admin/audit",
      ip: c.get("clientIp"),
      userAgent: c.req.header("user-agent"),
      requestId: c.get("requestId"),
    });
    c.header("cache-control", "no-store");
    return c.json(page);
  });
}
