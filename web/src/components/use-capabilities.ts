// What this api-service offers (GET /v1/chapters/capabilities: languages, translation off without a model), asked
// once the reader is signed in; shared by the chapter buttons and the answer-language picker.
import { useEffect, useState } from "react";
import { type ChapterCapabilities, fetchChapterCapabilities } from "../client/chapters-client.ts";
import { useTutor } from "./tutor-context.tsx";

/** The languages offered when the service has not said (signed out, or an older service): its default. */
export const DEFAULT_LANGUAGES = ["ur"];

/** The api-service's capabilities; null until known (signed out, or the service did not say). */
export function useCapabilities(): ChapterCapabilities | null {
  const { status, urls, getToken } = useTutor();
  const [capabilities, setCapabilities] = useState<ChapterCapabilities | null>(null);
  const signedIn = status === "signed-in";
  useEffect(() => {
    if (!signedIn) return;
    const controller = new AbortController();
    getToken()
      .then((jwt) => (jwt ? fetchChapterCapabilities(urls.apiUrl, jwt.token, controller.signal) : null))
      .then((found) => {
        if (found) setCapabilities(found);
      })
      .catch(() => {});
    return () => controller.abort();
  }, [signedIn, urls.apiUrl, getToken]);
  return capabilities;
}
