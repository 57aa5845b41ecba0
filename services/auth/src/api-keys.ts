// API keys for servers: @better-auth/api-key options, scope checks on creation, POST /api-key/exchange, revocation.
import {
  API_KEY_SCOPES,
  API_KEY_SID_PREFIX,
  type ApiKeyScope,
  apiKeyScopeSchema,
  JWT_CLOCK_TOLERANCE_S,
} from "@ai-book/contracts";
import { apiKey } from "@better-auth/api-key";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthEndpoint, createAuthMiddleware } from "better-auth/api";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { type AccessTokenSettings, type SessionLike, signAccessToken } from "./access-token.ts";
import type { AuditLog } from "./audit/audit-log.ts";
import { type AuthDb, asExecutor } from "./db/client.ts";
import { apikey, user } from "./db/schema.ts";
import type { RevocationStore } from "./revocation.ts";

/** Header a server sends its key in. */
export const API_KEY_HEADER = "x-api-key";

/** Exchanges per key per minute (the plugin's own per-key limit, counted in the key's row). */
export const API_KEY_EXCHANGES_PER_MINUTE = 60;

/** Keys expire after this many days unless the owner chooses (1..365 days, in seconds, as `expiresIn`). */
export const API_KEY_DEFAULT_EXPIRY_DAYS = 90;

/** What `metadata` of a key holds (the plugin lets owners set metadata, not permissions, from a browser). */
const keyMetadataSchema = z
  .object({ scopes: z.array(apiKeyScopeSchema).min(1).max(API_KEY_SCOPES.length) })
  .strict();

/** The @better-auth/api-key plugin as we configure it. */
export function apiKeyPlugin() {
  return apiKey({
    apiKeyHeaders: API_KEY_HEADER,
    enableMetadata: true,
    requireName: true,
    defaultPrefix: "aib_",
    // Keys only buy short JWTs at /api-key/exchange; they are never a session.
    enableSessionForAPIKeys: false,
    keyExpiration: {
      defaultExpiresIn: API_KEY_DEFAULT_EXPIRY_DAYS * 86_400,
      maxExpiresIn: 365,
      minExpiresIn: 1,
    },
    rateLimit: { enabled: true, timeWindow: 60_000, maxRequests: API_KEY_EXCHANGES_PER_MINUTE },
  });
}

/** The result of the plugin's server-only verifyApiKey, as far as we read it. */
export interface VerifiedKey {
  valid: boolean;
  error: { code?: string } | null;
  key: { id: string; referenceId: string; metadata?: unknown } | null;
}

/** When the last token issued now for `ttlS` seconds has expired, clock tolerance included. */
function tokenExpiryMs(ttlS: number): number {
  return Date.now() + (ttlS + JWT_CLOCK_TOLERANCE_S) * 1000;
}

export interface ApiKeyAccessDeps {
  db: AuthDb;
  audit: AuditLog;
  /** Absent only when revocation is configured off. */
  revocation: RevocationStore | undefined;
  settings: AccessTokenSettings;
  /** Lifetime of an exchanged token, seconds. */
  tokenTtlS: number;
  /** The plugin's verifyApiKey (bound once the auth instance exists). */
  verify: (key: string) => Promise<VerifiedKey>;
}

function scopesOf(metadata: unknown): ApiKeyScope[] | null {
  const value = typeof metadata === "string" ? safeJson(metadata) : metadata;
  const parsed = keyMetadataSchema.safeParse(value);
  return parsed.success ? parsed.data.scopes : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const invalidKey = () =>
  new APIError("UNAUTHORIZED", {
    code: "API_KEY_INVALID",
    message: "The API key is invalid, expired or revoked.",
  });

/**
 * Ends the tokens exchanged for every key of a user (a ban, an account deletion): their sid is the key's, listed in
 * the same revocation set as an ended session.
 */
export async function revokeKeyTokensOf(
  deps: Pick<ApiKeyAccessDeps, "db" | "revocation" | "tokenTtlS">,
  userId: string,
): Promise<void> {
  if (!deps.revocation) return;
  const keys = await asExecutor(deps.db)
    .select({ id: apikey.id })
    .from(apikey)
    .where(eq(apikey.referenceId, userId));
  for (const { id } of keys)
    await deps.revocation.revoke(`${API_KEY_SID_PREFIX}${id}`, tokenExpiryMs(deps.tokenTtlS));
}

/** Our endpoints and hooks around the api-key plugin. */
export function apiKeyAccessPlugin(deps: ApiKeyAccessDeps) {
  return {
    id: "ai-book-api-key-access",
    endpoints: {
      exchangeApiKey: createAuthEndpoint(
        "/api-key/exchange",
        { method: "POST", requireHeaders: true },
        async (ctx) => {
          const presented = ctx.headers?.get(API_KEY_HEADER)?.trim() ?? "";
          // Over-long values are refused before hashing; our keys are 68 characters.
          const verified = presented && presented.length <= 256 ? await deps.verify(presented) : null;
          const key = verified?.valid ? verified.key : null;
          const scopes = key ? scopesOf(key.metadata) : null;
          const [owner] = key
            ? await asExecutor(deps.db).select().from(user).where(eq(user.id, key.referenceId)).limit(1)
            : [];
          if (!key || !scopes || !owner || owner.banned) {
            const reason =
              verified?.error?.code === "RATE_LIMIT_EXCEEDED" ? "RATE_LIMITED" : "API_KEY_INVALID";
            await deps.audit.record({
              type: "api_key_exchanged",
              outcome: "failure",
              subjectId: owner?.id ?? null,
              reason,
            });
            if (reason === "RATE_LIMITED")
              throw new APIError("TOO_MANY_REQUESTS", {
                code: "RATE_LIMITED",
                message: `At most ${API_KEY_EXCHANGES_PER_MINUTE} exchanges per key per minute.`,
              });
            throw invalidKey();
          }
          const subject: SessionLike = {
            user: owner,
            session: { id: `${API_KEY_SID_PREFIX}${key.id}` },
          };
          const expiresAt = new Date(Date.now() + deps.tokenTtlS * 1000);
          const token = await signAccessToken(ctx, subject, deps.settings, {
            expiresInS: deps.tokenTtlS,
            key: { id: key.id, scopes },
          });
          await deps.audit.record({
            type: "api_key_exchanged",
            outcome: "success",
            actorId: owner.id,
            subjectId: owner.id,
            reason: key.id,
          });
          ctx.setHeader("cache-control", "no-store");
          return ctx.json({ token, expiresAt: expiresAt.toISOString() });
        },
      ),
    },
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/api-key/create",
          handler: createAuthMiddleware(async (ctx) => {
            const body = (ctx.body ?? {}) as { metadata?: unknown };
            if (!scopesOf(body.metadata))
              throw new APIError("BAD_REQUEST", {
                code: "VALIDATION_ERROR",
                message: `metadata.scopes: a non-empty list of ${API_KEY_SCOPES.join(", ")} (and nothing else in metadata)`,
              });
          }),
        },
      ],
      after: [
        {
          // A ban ends the user's sessions (and so their session tokens); tokens exchanged for their keys end too.
          matcher: (ctx) => ctx.path === "/admin/ban-user",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            const userId = (ctx.body as { userId?: unknown } | undefined)?.userId;
            if (!returned || returned instanceof Error || typeof userId !== "string") return;
            await revokeKeyTokensOf(deps, userId);
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/api-key/create" || ctx.path === "/api-key/delete",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (!returned || returned instanceof Error || returned instanceof Response) return;
            const ownerId = ctx.context.session?.user.id ?? null;
            if (ctx.path === "/api-key/create") {
              const id = (returned as { id?: string }).id;
              await deps.audit.record({
                type: "api_key_created",
                outcome: "success",
                actorId: ownerId,
                subjectId: ownerId,
                reason: id ?? null,
              });
              return;
            }
            const keyId = (ctx.body as { keyId?: string }).keyId;
            if (!keyId) return;
            // Its exchanged tokens name it as their sid: the same set that ends signed-out sessions refuses them.
            await deps.revocation?.revoke(`${API_KEY_SID_PREFIX}${keyId}`, tokenExpiryMs(deps.tokenTtlS));
            await deps.audit.record({
              type: "api_key_revoked",
              outcome: "success",
              actorId: ownerId,
              subjectId: ownerId,
              reason: keyId,
            });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
