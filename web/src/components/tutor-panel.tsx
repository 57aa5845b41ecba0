// Lets other parts of the page (the chapter tools) open the tutor's panel at a view, e.g. to ask a reader to sign in.
import { createContext, type ReactNode, useContext, useMemo, useState } from "react";

export interface PanelRequest {
  view: "account" | "chat";
  /** Grows with each request, so asking twice for the same view opens it twice. */
  seq: number;
  /** Close the panel once the reader is signed in (they came to sign in for something on the page). */
  closeOnSignIn?: boolean;
}

interface TutorPanelValue {
  request: PanelRequest | null;
  open(view: PanelRequest["view"], opts?: { closeOnSignIn?: boolean }): void;
}

const TutorPanelContext = createContext<TutorPanelValue>({ request: null, open: () => {} });

export function TutorPanelProvider({ children }: { children: ReactNode }): ReactNode {
  const [request, setRequest] = useState<PanelRequest | null>(null);
  const value = useMemo<TutorPanelValue>(
    () => ({
      request,
      open: (view, opts) => setRequest((r) => ({ view, seq: (r?.seq ?? 0) + 1, ...opts })),
    }),
    [request],
  );
  return <TutorPanelContext.Provider value={value}>{children}</TutorPanelContext.Provider>;
}

export function useTutorPanel(): TutorPanelValue {
  return useContext(TutorPanelContext);
}
