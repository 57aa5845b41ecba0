// Browser client of the auth-service: Better Auth email/password routes and the JWT endpoint, cookie session.
import type { ApiKeyScope, BackgroundLevel, JwtResponse, PublicUser } from "@ai-book/contracts";
import { errorFromResponse, networkError, TutorError } from "./tutor-error.ts";

export interface ProfileInput {
  softwareBackground: BackgroundLevel;
  hardwareBackground: BackgroundLevel;
  interestArea: string;
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
    });
  }

  async signIn(input: SignInInput): Promise<void> {
    await this.#post("/api/auth/sign-in/email", input);
  }

  async signOut(): Promise<void> {
    await this.#post("/api/auth/sign-out", {});
  }

  async updateProfile(profile: ProfileInput): Promise<void> {
    await this.#post("/api/auth/update-user", {
      ...profile,
      interestArea: profile.interestArea.trim() || null,
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

  async listApiKeys(): Promise<ApiKeySummary[]> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}/api/auth/api-key/list`, {
        credentials: "include",
        headers: { accept: "application/json" },
      });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!response.ok) throw await errorFromResponse(response);
    const body = (await response.json()) as unknown;
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
