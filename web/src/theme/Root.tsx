// Theme Root: wraps every page of the book and mounts the tutor in the browser (it survives page navigation).
import BrowserOnly from "@docusaurus/BrowserOnly";
import type { ReactNode } from "react";
import { Tutor } from "../components/Tutor.tsx";
import { TutorProvider } from "../components/tutor-context.tsx";

export default function Root({ children }: { children: ReactNode }): ReactNode {
  return (
    <>
      {children}
      <BrowserOnly>
        {() => (
          <TutorProvider>
            <Tutor />
          </TutorProvider>
        )}
      </BrowserOnly>
    </>
  );
}
