// Keeps the reader's JWT in memory only, refetching it before it expires or when the api-service rejects it.
import type { JwtResponse } from "@ai-book/contracts";

/** Refetch this long before `exp`, so a token never expires in flight. */
const EXPIRY_MARGIN_S = 60;

/** Reads `exp` (seconds) from a JWT without verifying it; the api-service verifies. */
export function readTokenExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replaceAll("-", "+")
        .replaceAll("_", "/")
        .padEnd(Math.ceil(payload.length / 4) * 4, "="),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}

export class TokenStore {
  readonly #fetchJwt: () => Promise<JwtResponse | null>;
  readonly #now: () => number;
  #current: JwtResponse | null = null;
  #inflight: Promise<JwtResponse | null> | null = null;

  constructor(fetchJwt: () => Promise<JwtResponse | null>, now: () => number = Date.now) {
    this.#fetchJwt = fetchJwt;
    this.#now = now;
  }

  /** A token that is valid for at least another minute, or null when signed out. */
  async get(): Promise<JwtResponse | null> {
    const current = this.#current;
    if (current) {
      const exp = readTokenExpiry(current.token);
      if (exp === undefined || exp - EXPIRY_MARGIN_S > this.#now() / 1000) return current;
    }
    return this.refresh();
  }

  /** Always asks the auth-service; concurrent callers share one request. */
  refresh(): Promise<JwtResponse | null> {
    if (!this.#inflight) {
      this.#inflight = this.#fetchJwt()
        .then((next) => {
          this.#current = next;
          return next;
        })
        .finally(() => {
          this.#inflight = null;
        });
    }
    return this.#inflight;
  }

  clear(): void {
    this.#current = null;
  }
}
