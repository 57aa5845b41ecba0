// Landing page: the book's title and a way into the first chapter.
import Link from "@docusaurus/Link";
import useDocusaurusContext from "@docusaurus/useDocusaurusContext";
import Layout from "@theme/Layout";
import type { ReactNode } from "react";

export default function Home(): ReactNode {
  const { siteConfig } = useDocusaurusContext();
  return (
    <Layout title="Home" description={siteConfig.tagline}>
      <main className="container margin-vert--xl">
        <h1 className="hero__title">{siteConfig.title}</h1>
        <p className="hero__subtitle">{siteConfig.tagline}</p>
        <p>
          Read the chapters, select any passage and ask about it, or open the tutor in the corner. Create a
          free account and tell it your background: answers adapt to it and cite the sections they come from.
        </p>
        <Link className="button button--primary button--lg" to="/docs/">
          Start reading
        </Link>
      </main>
    </Layout>
  );
}
