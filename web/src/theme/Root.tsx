// Theme Root: wraps every page of the book. The tutor's session is shared by the whole page (the chapter tools at
// the top of each doc use it too); the tutor's panel mounts in the browser only and survives page navigation.
import BrowserOnly from "@docusaurus/BrowserOnly";
import type { ReactNode } from "react";
import { Tutor } from "../components/Tutor.tsx";
import { TutorProvider } from "../components/tutor-context.tsx";
import { TutorPanelProvider } from "../components/tutor-panel.tsx";

export default function Root({ children }: { children: ReactNode }): ReactNode {
  return (
    <TutorProvider>
      <TutorPanelProvider>
        {children}
        <BrowserOnly>{() => <Tutor />}</BrowserOnly>
      </TutorPanelProvider>
    </TutorProvider>
  );
}
