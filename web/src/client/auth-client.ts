// Browser client of the auth-service: Better Auth email/password, provider, 2FA and account routes, the JWT endpoint.
import type { ApiKeyScope, BackgroundLevel, JwtResponse, PublicUser } from "@ai-book/contracts";
import { errorFromResponse, networkError, TutorError } from "./tutor-error.ts";

export interface ProfileInput {
  softwareBackground: BackgroundLevel;
  hardwareBackground: BackgroundLevel;
  interestArea: string;
  /** The language chat answers are written in (issue 15): a language code, or "" for the book's own. */
  preferredLanguage?: string;
}

export interface SignUpInput extends ProfileInput {
  name: string;
  email: string;
  password: string;
}

export interface SignInInput {
  email: string;
  password: string;
}

/** One of the reader's API keys as the auth-service lists it (never the key itself). */
export interface ApiKeySummary {
  id: string;
  name: string | null;
  /** The key's first characters, to recognise it. */
  start: string | null;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  createdAt: string;
}

export interface NewApiKey extends ApiKeySummary {
  /** Shown once: the auth-service keeps only its hash. */
  key: string;
}

function toSummary(raw: Record<string, unknown>): ApiKeySummary {
  const metadata = raw.metadata as { scopes?: ApiKeyScope[] } | null | undefined;
  return {
    id: String(raw.id),
    name: typeof raw.name === "string" ? raw.name : null,
    start: typeof raw.start === "string" ? raw.start : null,
    scopes: Array.isArray(metadata?.scopes) ? metadata.scopes : [],
    expiresAt: raw.expiresAt ? String(raw.expiresAt) : null,
    createdAt: String(raw.createdAt),
  };
}

/** What GET /api/auth/providers says the auth-service offers. */
export interface Providers {
  emailPassword: boolean;
  social: ("google" | "github")[];
  oidc: { providerId: string; name: string } | null;
  requireEmailVerification: boolean;
}

/** The account facts the JWT does not carry (from get-session). */
export interface AccountState {
  email: string;
  name: string;
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  profilePending: boolean;
}

export interface TwoFactorEnrolment {
  totpURI: string;
  backupCodes: string[];
}

/** The sign-in answer when the account has two-factor authentication on. */
export type SignInResult = "signed-in" | "two-factor";

/** The page to come back to after a mailed link or a provider, without the tutor's own query parameters. */
export function returnUrl(tutorParam?: string): string | undefined {
  // Outside a browser (a Node client, a server) there is no page to come back to: the auth-service's default applies.
  if (typeof window === "undefined") return undefined;
  const url = new URL(window.location.href);
  for (const key of ["tutor", "token", "error"]) url.searchParams.delete(key);
  url.hash = "";
  if (tutorParam) url.searchParams.set("tutor", tutorParam);
  return url.href;
}

export class AuthClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;

  constructor(baseUrl: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) {
    this.#baseUrl = baseUrl;
    this.#fetch = fetchImpl;
  }

  async signUp(input: SignUpInput): Promise<void> {
    await this.#post("/api/auth/sign-up/email", {
      ...input,
      interestArea: input.interestArea.trim() || undefined,
      preferredLanguage: input.preferredLanguage || undefined,
      // Where the verification mail's link brings the reader back to.
      callbackURL: returnUrl("verified"),
    });
  }

  async signIn(input: SignInInput): Promise<SignInResult> {
    const body = (await this.#post("/api/auth/sign-in/email", input)) as {
      twoFactorRedirect?: boolean;
    } | null;
    return body?.twoFactorRedirect ? "two-factor" : "signed-in";
  }

  /** The second sign-in step: a code from the authenticator app, or a backup code. */
  async verifySecondFactor(code: string, opts: { backup: boolean; trustDevice: boolean }): Promise<void> {
    const path = opts.backup ? "/api/auth/two-factor/verify-backup-code" : "/api/auth/two-factor/verify-totp";
    await this.#post(path, { code: code.replace(/\s+/g, ""), trustDevice: opts.trustDevice });
  }

  async providers(): Promise<Providers> {
    return (await this.#get("/api/auth/providers")) as Providers;
  }

  /** Starts a provider sign-in; resolves with the provider's URL to navigate to. */
  async providerSignInUrl(provider: string): Promise<string> {
    const back = returnUrl();
    const body = (await this.#post("/api/auth/sign-in/social", {
      provider,
      callbackURL: back,
      newUserCallbackURL: back,
      errorCallbackURL: returnUrl("provider-error"),
    })) as { url?: string };
    if (!body?.url)
      throw new TutorError({ kind: "server", code: "BAD_RESPONSE", message: "No provider URL." });
    return body.url;
  }

  async account(): Promise<AccountState | null> {
    const body = (await this.#get("/api/auth/get-session")) as { user?: AccountState } | null;
    if (!body?.user) return null;
    const u = body.user;
    return {
      email: u.email,
      name: u.name,
      emailVerified: Boolean(u.emailVerified),
      twoFactorEnabled: Boolean(u.twoFactorEnabled),
      profilePending: Boolean(u.profilePending),
    };
  }

  async resendVerification(email: string): Promise<void> {
    await this.#post("/api/auth/send-verification-email", { email, callbackURL: returnUrl("verified") });
  }

  async requestPasswordReset(email: string): Promise<void> {
    await this.#post("/api/auth/request-password-reset", { email, redirectTo: returnUrl("reset-password") });
  }

  async resetPassword(token: string, newPassword: string): Promise<void> {
    await this.#post("/api/auth/reset-password", { token, newPassword });
  }

  async enableTwoFactor(password: string): Promise<TwoFactorEnrolment> {
    return (await this.#post("/api/auth/two-factor/enable", { password })) as TwoFactorEnrolment;
  }

  async disableTwoFactor(password: string): Promise<void> {
    await this.#post("/api/auth/two-factor/disable", { password });
  }

  /** Everything the auth-service holds about the reader, as a JSON file's text. */
  async exportData(): Promise<string> {
    return JSON.stringify(await this.#get("/api/auth/export-data"), null, 2);
  }

  /** Deletes the account; without a password, only a session younger than a day may. */
  async deleteAccount(password: string | undefined): Promise<void> {
    await this.#post("/api/auth/delete-user", password ? { password } : {});
  }

  async signOut(): Promise<void> {
    await this.#post("/api/auth/sign-out", {});
  }

  async updateProfile(profile: ProfileInput): Promise<void> {
    await this.#post("/api/auth/update-user", {
      ...profile,
      interestArea: profile.interestArea.trim() || null,
      // Left out when the form has no say in it; "" clears it (answers in the book's language again).
      ...(profile.preferredLanguage === undefined
        ? {}
        : { preferredLanguage: profile.preferredLanguage || null }),
    });
  }

  /** The reader's JWT and user, or null when no session cookie is valid. */
  async fetchJwt(): Promise<JwtResponse | null> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}/api/auth/jwt`, {
        credentials: "include",
        headers: { accept: "application/json" },
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (response.status === 401) return null;
    if (!response.ok) throw await errorFromResponse(response);
    const body = (await response.json()) as Partial<JwtResponse>;
    if (typeof body.token !== "string" || !body.user) {
      throw new TutorError({
        kind: "server",
        code: "BAD_RESPONSE",
        message: "The auth-service sent no token.",
      });
    }
    return { token: body.token, user: body.user as PublicUser };
  }

  async #get(path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        credentials: "include",
        headers: { accept: "application/json" },
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response.json().catch(() => null);
  }

  async listApiKeys(): Promise<ApiKeySummary[]> {
    const body = await this.#get("/api/auth/api-key/list");
    // Better Auth answers a list, or {apiKeys: [...]} in newer releases.
    const list = Array.isArray(body) ? body : ((body as { apiKeys?: unknown[] })?.apiKeys ?? []);
    return (list as Record<string, unknown>[]).map(toSummary);
  }

  async createApiKey(input: {
    name: string;
    scopes: ApiKeyScope[];
    expiresInDays: number;
  }): Promise<NewApiKey> {
    const raw = (await this.#post("/api/auth/api-key/create", {
      name: input.name.trim(),
      metadata: { scopes: input.scopes },
      expiresIn: input.expiresInDays * 86_400,
    })) as Record<string, unknown>;
    return { ...toSummary(raw), key: String(raw.key) };
  }

  async revokeApiKey(keyId: string): Promise<void> {
    await this.#post("/api/auth/api-key/delete", { keyId });
  }

  async #post(path: string, body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response.json().catch(() => null);
  }
}
