// The /tutor/insights page the plugin adds to the book: the author's view inside the site's layout.
import BrowserOnly from "@docusaurus/BrowserOnly";
import Layout from "@theme/Layout";
import type { ReactNode } from "react";
import { InsightsView } from "../components/InsightsView.tsx";
import { TutorProvider } from "../components/tutor-context.tsx";

export default function TutorInsights(): ReactNode {
  return (
    <Layout title="Reader insights" description="What readers ask and where the book does not answer them">
      <main className="container margin-vert--lg">
        <h1>Reader insights</h1>
        <BrowserOnly>
          {() => (
            <TutorProvider>
              <InsightsView />
            </TutorProvider>
          )}
        </BrowserOnly>
      </main>
    </Layout>
  );
}
