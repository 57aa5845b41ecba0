// The history client bound to the tutor's API URL and the reader's JWT.
import { useMemo } from "react";
import { HistoryClient } from "../client/history-client.ts";
import { TutorError } from "../client/tutor-error.ts";
import { useTutor } from "./tutor-context.tsx";

export function useHistoryClient(): HistoryClient {
  const { urls, getToken } = useTutor();
  return useMemo(
    () =>
      new HistoryClient({
        apiUrl: urls.apiUrl,
        token: async () => {
          const jwt = await getToken();
          if (!jwt)
            throw new TutorError({ kind: "unauthorized", code: "UNAUTHORIZED", message: "Sign in first." });
          return jwt.token;
        },
      }),
    [urls.apiUrl, getToken],
  );
}
