// Shared tutor state for every page: configuration, the reader's session and in-memory JWT.
import type { JwtResponse, PublicUser } from "@ai-book/contracts";
import { usePluginData } from "@docusaurus/useGlobalData";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import {
  type AccountState,
  AuthClient,
  type ProfileInput,
  type Providers,
  type SignInInput,
  type SignUpInput,
} from "../client/auth-client.ts";
import { cookieNotKeptError, sameLoopbackName } from "../client/session-host.ts";
import { TokenStore } from "../client/token-store.ts";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import type { TutorGlobalData } from "../options.ts";
import { RUNTIME_CONFIG_GLOBAL, type TutorUrls, trimSlash } from "../runtime-config.ts";

/**
 * "two-factor": the password was right and the second step is due; "needs-verification" / "needs-profile": signed in,
 * but the auth-service gives no JWT until the email is verified (REQUIRE_EMAIL_VERIFICATION) or the profile given
 * (first provider sign-in).
 */
export type AuthStatus =
  | "loading"
  | "signed-out"
  | "signed-in"
  | "two-factor"
  | "needs-verification"
  | "needs-profile";

/** Why the page was opened from a mailed link or a provider (the `tutor` query parameter). */
export interface Landing {
  kind: "reset-password" | "verified" | "provider-error";
  token?: string;
  error?: string;
}

function readLanding(): Landing | null {
  if (typeof window === "undefined") return null;
  const params = new URLSearchParams(window.location.search);
  const kind = params.get("tutor");
  if (kind !== "reset-password" && kind !== "verified" && kind !== "provider-error") return null;
  const landing: Landing = { kind };
  const token = params.get("token");
  const error = params.get("error");
  if (token) landing.token = token;
  if (error) landing.error = error;
  // The token must not stay in the address bar (history, screenshots, referrers).
  params.delete("tutor");
  params.delete("token");
  params.delete("error");
  const query = params.toString();
  window.history.replaceState(
    null,
    "",
    `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`,
  );
  return landing;
}

const PENDING_STATUS: Record<string, AuthStatus> = {
  EMAIL_NOT_VERIFIED: "needs-verification",
  PROFILE_REQUIRED: "needs-profile",
};

export interface TutorContextValue {
  urls: TutorUrls;
  selectionSelector: string;
  status: AuthStatus;
  user: PublicUser | null;
  /** Set when the auth-service could not be reached while checking the session. */
  sessionError: TutorErrorInfo | null;
  /** Verification, 2FA and profile state of a signed-in (or pending) reader. */
  account: AccountState | null;
  /** Sign-in methods the auth-service offers (null until known). */
  providers: Providers | null;
  landing: Landing | null;
  clearLanding(): void;
  /** The auth-service client, for the account panel's one-off calls (settings, API keys). */
  authClient: AuthClient;
  /** Re-reads the session (after verifying the email in another tab, enabling 2FA, …). */
  refresh(): Promise<void>;
  verifySecondFactor(code: string, opts: { backup: boolean; trustDevice: boolean }): Promise<void>;
  /** Forgets the local session after the account was deleted. */
  forget(): void;
  signUp(input: SignUpInput): Promise<void>;
  signIn(input: SignInInput): Promise<void>;
  signOut(): Promise<void>;
  updateProfile(profile: ProfileInput): Promise<void>;
  /** A valid JWT (fetched if needed), or null when signed out. `force` skips the cache. */
  getToken(force?: boolean): Promise<JwtResponse | null>;
}

const TutorContext = createContext<TutorContextValue | null>(null);

function readRuntimeUrls(fallback: TutorGlobalData): TutorUrls {
  const runtime = (globalThis as Record<string, unknown>)[RUNTIME_CONFIG_GLOBAL] as
    | Partial<TutorUrls>
    | undefined;
  // On loopback, the page's own name for the services, so the session cookie is same-site (session-host.ts).
  const page = typeof window === "undefined" ? undefined : window.location.hostname;
  return {
    authUrl: sameLoopbackName(trimSlash(runtime?.authUrl ?? fallback.authUrl), page),
    apiUrl: sameLoopbackName(trimSlash(runtime?.apiUrl ?? fallback.apiUrl), page),
  };
}

export function TutorProvider({ children }: { children: ReactNode }): ReactNode {
  const pluginData = usePluginData("docusaurus-tutor") as TutorGlobalData;
  const urls = useMemo(() => readRuntimeUrls(pluginData), [pluginData]);
  const authClient = useMemo(() => new AuthClient(urls.authUrl), [urls.authUrl]);
  const tokens = useMemo(() => new TokenStore(() => authClient.fetchJwt()), [authClient]);
  const [status, setStatus] = useState<AuthStatus>("loading");
  const [user, setUser] = useState<PublicUser | null>(null);
  const [sessionError, setSessionError] = useState<TutorErrorInfo | null>(null);
  const [account, setAccount] = useState<AccountState | null>(null);
  const [providers, setProviders] = useState<Providers | null>(null);
  const [landing, setLanding] = useState<Landing | null>(null);

  const apply = useCallback((jwt: JwtResponse | null) => {
    setUser(jwt?.user ?? null);
    setStatus(jwt ? "signed-in" : "signed-out");
    setSessionError(null);
    if (!jwt) setAccount(null);
    return jwt;
  }, []);

  /** Set while the session waits on a step (verification, profile) rather than being absent. */
  const pendingStep = useRef<AuthStatus | null>(null);

  const getToken = useCallback(
    async (force = false) => {
      try {
        const jwt = apply(await (force ? tokens.refresh() : tokens.get()));
        pendingStep.current = null;
        if (jwt && force) setAccount(await authClient.account().catch(() => null));
        return jwt;
      } catch (cause) {
        const pending = PENDING_STATUS[toTutorError(cause).info.code];
        if (!pending) throw cause;
        // Signed in, but no token yet: the account view asks for what is missing.
        tokens.clear();
        pendingStep.current = pending;
        setUser(null);
        setAccount(await authClient.account().catch(() => null));
        setStatus(pending);
        return null;
      }
    },
    [tokens, apply, authClient],
  );

  useEffect(() => {
    setLanding(readLanding());
    getToken(true).catch((cause: unknown) => {
      setStatus("signed-out");
      setSessionError(toTutorError(cause).info);
    });
    authClient
      .providers()
      .then(setProviders)
      .catch(() =>
        setProviders({ emailPassword: true, social: [], oidc: null, requireEmailVerification: false }),
      );
  }, [getToken, authClient]);

  /**
   * After a sign-in or sign-up the auth-service accepted: still no session (and no pending step) means the browser
   * did not keep the cookie. Said plainly instead of leaving the form on screen (a second try would only answer
   * "already exists").
   */
  const expectSession = useCallback(
    (jwt: JwtResponse | null) => {
      if (jwt || typeof window === "undefined") return;
      if (pendingStep.current) return;
      throw cookieNotKeptError(urls.authUrl, window.location.href);
    },
    [urls.authUrl],
  );

  const value = useMemo<TutorContextValue>(
    () => ({
      urls,
      selectionSelector: pluginData.selectionSelector,
      status,
      user,
      sessionError,
      account,
      providers,
      landing,
      clearLanding: () => setLanding(null),
      authClient,
      async refresh() {
        await getToken(true);
      },
      async verifySecondFactor(code, opts) {
        await authClient.verifySecondFactor(code, opts);
        await getToken(true);
      },
      forget() {
        tokens.clear();
        apply(null);
      },
      async signUp(input) {
        await authClient.signUp(input);
        const jwt = await getToken(true);
        // With email verification a sign-up opens no session (the reader confirms by mail first).
        if (!providers?.requireEmailVerification) expectSession(jwt);
      },
      async signIn(input) {
        if ((await authClient.signIn(input)) === "two-factor") {
          setStatus("two-factor");
          return;
        }
        expectSession(await getToken(true));
      },
      async signOut() {
        try {
          await authClient.signOut();
        } finally {
          tokens.clear();
          apply(null);
        }
      },
      async updateProfile(profile) {
        await authClient.updateProfile(profile);
        // The next JWT carries the new profile, so the very next question is answered for it.
        await getToken(true);
      },
      getToken,
    }),
    [
      urls,
      pluginData.selectionSelector,
      status,
      user,
      sessionError,
      account,
      providers,
      landing,
      authClient,
      tokens,
      apply,
      getToken,
      expectSession,
    ],
  );
  return <TutorContext.Provider value={value}>{children}</TutorContext.Provider>;
}

export function useTutor(): TutorContextValue {
  const value = useContext(TutorContext);
  if (!value) throw new Error("useTutor must be used inside <TutorProvider>");
  return value;
}
