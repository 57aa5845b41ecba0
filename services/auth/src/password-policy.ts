// Password policy beyond length: refuse the most common (breached) passwords, offline, on every path that sets one.
import { dictionary } from "@zxcvbn-ts/language-common";
import type { BetterAuthPlugin } from "better-auth";
import { APIError } from "better-auth/api";

/** The Better Auth error code (the same as its haveibeenpwned plugin's), mapped to our registry's. */
export const PASSWORD_COMPROMISED = "PASSWORD_COMPROMISED";
export const PASSWORD_COMPROMISED_MESSAGE =
  "password: this password is among the most common (breached) passwords; choose another";

/**
 * The ~49,000 most common passwords of zxcvbn-ts's list (from breach corpora), bundled with the package, so the check
 * needs no network. Trailing digits and symbols are stripped too, so "password2024!" counts as "password".
 */
export function commonPasswordCheck(list: readonly string[] = dictionary["passwords-common"]) {
  const common = new Set(list.map((p) => p.toLowerCase()));
  return (password: string): boolean => {
    const lower = password.toLowerCase();
    if (common.has(lower)) return true;
    const stem = lower.replace(/[\d\W_]+$/u, "");
    return stem.length >= 4 && stem !== lower && common.has(stem);
  };
}

/**
 * Wraps Better Auth's password hashing (as its haveibeenpwned plugin does), so sign-up, change-password, reset and
 * any later path that stores a new password refuse a common one with 400 PASSWORD_COMPROMISED before hashing it.
 */
export function passwordPolicyPlugin(isCommon = commonPasswordCheck()) {
  return {
    id: "ai-book-password-policy",
    init(ctx) {
      const hash = ctx.password.hash;
      return {
        context: {
          password: {
            ...ctx.password,
            async hash(password: string) {
              if (isCommon(password))
                throw APIError.from("BAD_REQUEST", {
                  code: PASSWORD_COMPROMISED,
                  message: PASSWORD_COMPROMISED_MESSAGE,
                });
              return hash(password);
            },
          },
        },
      };
    },
  } satisfies BetterAuthPlugin;
}
