// Better Auth plugin that accepts each TOTP code once (RFC 6238 §5.2): Better Auth's twoFactor accepts a code as often
// as it likes within its window. The time-step a code belongs to is claimed before the twoFactor plugin verifies it;
// a step at or below one already accepted for the reader is refused, and a claim is given back if verification fails.

import { base32 } from "@better-auth/utils/base32";
import { createOTP } from "@better-auth/utils/otp";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import { symmetricDecrypt } from "better-auth/crypto";
import { and, eq, lt } from "drizzle-orm";
import { type AuthDb, asExecutor } from "../db/client.ts";
import { twoFactor, verification } from "../db/schema.ts";

/** Seconds a TOTP code stands for, and its digits: what the twoFactor plugin is configured with. */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** Steps before and after the current one Better Auth accepts (its default). */
const TOTP_WINDOW = 1;

const VERIFY_PATH = "/two-factor/verify-totp";
/** The twoFactor plugin's sign-in cookie (better-auth/plugins/two-factor constant.mjs). */
const TWO_FACTOR_COOKIE = "two_factor";
/** Secrets imported from another provider carry this prefix (Better Auth's decryptTOTPSecret). */
const BASE32_PREFIX = "base32:";

/** Rows of the verification table, one per accepted step: `totp-step:<twoFactorId>`, value = the user's id. */
const identifierOf = (twoFactorId: string) => `totp-step:${twoFactorId}`;
const rowIdOf = (twoFactorId: string, step: number) => `${identifierOf(twoFactorId)}:${step}`;
const stepOf = (rowId: string) => Number(rowId.slice(rowId.lastIndexOf(":") + 1));

const reused = () =>
  APIError.from("UNAUTHORIZED", {
    code: "TWO_FACTOR_CODE_REUSED",
    message: "This code has already been used; wait for the next one in your authenticator app.",
  });

/** The time-step within the accepted window whose code `code` is, or null (a wrong code: Better Auth answers it). */
async function matchingStep(secret: string | Uint8Array, code: string, now: number): Promise<number | null> {
  const otp = createOTP(secret, { period: TOTP_PERIOD_S, digits: TOTP_DIGITS });
  const current = Math.floor(now / (TOTP_PERIOD_S * 1000));
  let found: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++)
    if ((await otp.hotp(step)) === code) found = step;
  return found;
}

/** The reader a verify-totp request speaks for: its session's, or the pending sign-in's (two-factor cookie). */
async function userIdOf(ctx: Parameters<Parameters<typeof createAuthMiddleware>[0]>[0]) {
  const session = await getSessionFromCtx(ctx).catch(() => null);
  if (session) return session.user.id;
  const cookie = ctx.context.createAuthCookie(TWO_FACTOR_COOKIE);
  const signed = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
  if (!signed) return null;
  const pending = await ctx.context.internalAdapter.findVerificationValue(signed);
  return pending?.value ?? null;
}

export function totpReplayPlugin(deps: { db: AuthDb }) {
  const db = asExecutor(deps.db);
  /** The step each in-flight request claimed, given back when the twoFactor plugin refuses the request. */
  const claims = new WeakMap<object, string>();

  /** Claims `step` for the reader's authenticator (its row id); null when it or a later step was accepted already. */
  async function claim(twoFactorId: string, userId: string, step: number): Promise<string | null> {
    const identifier = identifierOf(twoFactorId);
    const now = new Date();
    // A step's row is useless once the step has left the window; older rows go on the way.
    await db
      .delete(verification)
      .where(and(eq(verification.identifier, identifier), lt(verification.expiresAt, now)));
    const accepted = await db
      .select({ id: verification.id })
      .from(verification)
      .where(eq(verification.identifier, identifier));
    if (accepted.some((row) => stepOf(row.id) >= step)) return null;
    // The row id names the step: of two requests with the same code at once, the primary key lets one through.
    const inserted = await db
      .insert(verification)
      .values({
        id: rowIdOf(twoFactorId, step),
        identifier,
        value: userId,
        expiresAt: new Date((step + TOTP_WINDOW + 1) * TOTP_PERIOD_S * 1000),
      })
      .onConflictDoNothing()
      .returning({ id: verification.id });
    return inserted[0]?.id ?? null;
  }

  return {
    id: "ai-book-totp-replay",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === VERIFY_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const code = (ctx.body as { code?: unknown } | undefined)?.code;
            if (typeof code !== "string") return;
            const userId = await userIdOf(ctx);
            if (!userId) return;
            const [row] = await db
              .select({ id: twoFactor.id, secret: twoFactor.secret })
              .from(twoFactor)
              .where(eq(twoFactor.userId, userId));
            if (!row) return;
            const stored = await symmetricDecrypt({ key: ctx.context.secretConfig, data: row.secret });
            const secret = stored.startsWith(BASE32_PREFIX)
              ? base32.decode(stored.slice(BASE32_PREFIX.length).toUpperCase())
              : stored;
            const step = await matchingStep(secret, code, Date.now());
            if (step === null) return;
            const claimed = await claim(row.id, userId, step);
            if (!claimed) throw reused();
            if (ctx.request) claims.set(ctx.request, claimed);
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => ctx.path === VERIFY_PATH,
          handler: createAuthMiddleware(async (ctx) => {
            const claimed = ctx.request ? claims.get(ctx.request) : undefined;
            if (!claimed || !isAPIError(ctx.context.returned)) return;
            // Refused for another reason (expired sign-in attempt, locked account): the code was not used.
            await db.delete(verification).where(eq(verification.id, claimed));
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
