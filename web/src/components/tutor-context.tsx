// Shared tutor state for every page: configuration, the reader's session and in-memory JWT.
import type { JwtResponse, PublicUser } from "@ai-book/contracts";
import { usePluginData } from "@docusaurus/useGlobalData";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { AuthClient, type ProfileInput, type SignInInput, type SignUpInput } from "../client/auth-client.ts";
import { TokenStore } from "../client/token-store.ts";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import type { TutorGlobalData } from "../options.ts";
import { RUNTIME_CONFIG_GLOBAL, type TutorUrls, trimSlash } from "../runtime-config.ts";

export type AuthStatus = "loading" | "signed-out" | "signed-in";

export interface TutorContextValue {
  urls: TutorUrls;
  selectionSelector: string;
  status: AuthStatus;
  user: PublicUser | null;
  /** Set when the auth-service could not be reached while checking the session. */
  sessionError: TutorErrorInfo | null;
  signUp(input: SignUpInput): Promise<void>;
  signIn(input: SignInInput): Promise<void>;
  signOut(): Promise<void>;
  updateProfile(profile: ProfileInput): Promise<void>;
  /** A valid JWT (fetched if needed), or null when signed out. `force` skips the cache. */
  getToken(force?: boolean): Promise<JwtResponse | null>;
  /** The auth-service client, for the account panel's less common calls (API keys). */
  authClient: AuthClient;
}

const TutorContext = createContext<TutorContextValue | null>(null);

function readRuntimeUrls(fallback: TutorGlobalData): TutorUrls {
  const runtime = (globalThis as Record<string, unknown>)[RUNTIME_CONFIG_GLOBAL] as
    | Partial<TutorUrls>
    | undefined;
  return {
    authUrl: trimSlash(runtime?.authUrl ?? fallback.authUrl),
    apiUrl: trimSlash(runtime?.apiUrl ?? fallback.apiUrl),
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

  const apply = useCallback((jwt: JwtResponse | null) => {
    setUser(jwt?.user ?? null);
    setStatus(jwt ? "signed-in" : "signed-out");
    setSessionError(null);
    return jwt;
  }, []);

  const getToken = useCallback(
    async (force = false) => {
      const jwt = await (force ? tokens.refresh() : tokens.get());
      apply(jwt);
      return jwt;
    },
    [tokens, apply],
  );

  useEffect(() => {
    tokens
      .refresh()
      .then(apply)
      .catch((cause: unknown) => {
        setStatus("signed-out");
        setSessionError(toTutorError(cause).info);
      });
  }, [tokens, apply]);

  const value = useMemo<TutorContextValue>(
    () => ({
      urls,
      selectionSelector: pluginData.selectionSelector,
      status,
      user,
      sessionError,
      async signUp(input) {
        await authClient.signUp(input);
        await getToken(true);
      },
      async signIn(input) {
        await authClient.signIn(input);
        await getToken(true);
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
      authClient,
    }),
    [urls, pluginData.selectionSelector, status, user, sessionError, authClient, tokens, apply, getToken],
  );
  return <TutorContext.Provider value={value}>{children}</TutorContext.Provider>;
}

export function useTutor(): TutorContextValue {
  const value = useContext(TutorContext);
  if (!value) throw new Error("useTutor must be used inside <TutorProvider>");
  return value;
}
