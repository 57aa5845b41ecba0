// A chapter variant (personalized, translated, or the offline study guide) rendered like the chapter it came from:
// the source headings' ids, the book's own code blocks and admonitions, and the answers' link and image rules.

import Link from "@docusaurus/Link";
import Admonition from "@theme/Admonition";
import CodeBlock from "@theme/CodeBlock";
import Heading from "@theme/Heading";
import { type ReactNode, useMemo } from "react";
import Markdown, { type Components } from "react-markdown";
import rehypeKatex from "rehype-katex";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import { type MarkdownPart, splitAdmonitions, splitSectionHeading } from "../chapters/variant.ts";
import { classifyBookLink } from "../chat/answer-links.ts";
import { toLocalPath } from "../chat/citations.ts";
import type { VariantSection } from "../client/chapters-client.ts";
import styles from "./chapters.module.css";

type HeadingTag = "h1" | "h2" | "h3" | "h4" | "h5" | "h6";

/** What the page knew about the original chapter before it was swapped out. */
export interface OriginalShape {
  /** Heading level of each heading id of the original. */
  levels: ReadonlyMap<string, number>;
  /** Every link target of the original: a variant may keep those (a chapter's own references), and no others. */
  links: ReadonlySet<string>;
  /** The chapter's Markdown has its own `# Title`: a section of the variant then renders it (translated, too). */
  ownTitle: boolean;
}

interface HastNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
  data?: { meta?: string | null };
}

function textOf(node: HastNode | undefined): string {
  if (!node) return "";
  if (node.type === "text") return node.value ?? "";
  return (node.children ?? []).map(textOf).join("");
}

/**
 * The model's Markdown renders under the answers' rules (web/src/chat/answer-links.ts): links only to the book's
 * pages and to what the original chapter itself links to, images only from the book's own origin, no raw HTML.
 * Code blocks are the book's CodeBlock with the fence's language and meta, left to right inside any text direction.
 * `headings` decides how headings inside a section render: the study guide's carry no ids (they are not the
 * chapter's sections); any other stray heading keeps its text but claims no id either.
 */
function variantComponents(original: OriginalShape, bookOrigin: string): Components {
  const plainHeading =
    (tag: HeadingTag) =>
    ({ children }: { children?: ReactNode }) => {
      const Tag = tag;
      return <Tag>{children}</Tag>;
    };
  return {
    a: ({ href, children }) => {
      const link = classifyBookLink(href, original.links, bookOrigin);
      if (link.kind === "text") return <span>{children}</span>;
      if (link.local) return <Link to={link.local}>{children}</Link>;
      return (
        <a href={link.href} target="_blank" rel="noopener noreferrer">
          {children}
        </a>
      );
    },
    img: ({ src, alt }) => {
      const local = typeof src === "string" ? toLocalPath(src, bookOrigin) : undefined;
      if (!local) return <span>{alt}</span>;
      return <img src={local} alt={alt ?? ""} loading="lazy" />;
    },
    pre: ({ children }) => <>{children}</>,
    code: ({ node, className, children }) => {
      const hast = node as unknown as HastNode | undefined;
      const text = textOf(hast);
      const block = /\blanguage-/.test(className ?? "") || text.includes("\n");
      if (!block) return <code dir="ltr">{children}</code>;
      const meta = hast?.data?.meta ?? undefined;
      return (
        <div dir="ltr" className={styles.code}>
          <CodeBlock {...(className ? { className } : {})} {...(meta ? { metastring: meta } : {})}>
            {text}
          </CodeBlock>
        </div>
      );
    },
    h1: plainHeading("h2"),
    h2: plainHeading("h2"),
    h3: plainHeading("h3"),
    h4: plainHeading("h4"),
    h5: plainHeading("h5"),
    h6: plainHeading("h6"),
  };
}

function MarkdownParts({ parts, components }: { parts: MarkdownPart[]; components: Components }): ReactNode {
  return parts.map((part, index) =>
    part.kind === "markdown" ? (
      <Markdown
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one section never reorder
        key={index}
        remarkPlugins={[remarkGfm, remarkMath]}
        rehypePlugins={[rehypeKatex]}
        components={components}
      >
        {part.text}
      </Markdown>
    ) : (
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one section never reorder
      <Admonition key={index} type={part.type} {...(part.title ? { title: part.title } : {})}>
        <MarkdownParts parts={part.parts} components={components} />
      </Admonition>
    ),
  );
}

function VariantSectionView({
  section,
  original,
  components,
  anchored,
}: {
  section: VariantSection;
  original: OriginalShape;
  components: Components;
  anchored: boolean;
}): ReactNode {
  const split = useMemo(() => splitSectionHeading(section.markdown), [section.markdown]);
  const parts = useMemo(() => splitAdmonitions(split.body), [split.body]);
  // The lead (anchor "") has no heading of its own: the page's title stands above it.
  const text = section.anchor ? (split.heading ?? section.heading) : split.heading;
  const level = Math.min(6, Math.max(1, original.levels.get(section.anchor) ?? split.level ?? 2));
  // As the theme does, the title carries no id (it is not in the TOC).
  const anchor = level > 1 && anchored ? section.anchor : "";
  const tag = `h${level}` as HeadingTag;
  return (
    <section data-anchor={section.anchor} data-original={section.original ? "true" : undefined}>
      {text &&
        (anchor ? (
          <Heading as={tag} id={anchor}>
            {text}
          </Heading>
        ) : (
          <Heading as={tag}>{text}</Heading>
        ))}
      {section.original && (
        <p className={styles.kept} dir="auto" data-testid="chapter-section-original">
          This section is shown as the book has it: its rewrite did not keep the chapter's structure.
        </p>
      )}
      <MarkdownParts parts={parts} components={components} />
    </section>
  );
}

export interface ChapterVariantProps {
  title: string;
  sections: readonly VariantSection[];
  original: OriginalShape;
  /** Headings take the source sections' ids (a rewrite or translation); false for the study guide. */
  anchored: boolean;
  language?: string | undefined;
  rtl?: boolean;
}

export function ChapterVariant({
  title,
  sections,
  original,
  anchored,
  language,
  rtl = false,
}: ChapterVariantProps): ReactNode {
  const components = useMemo(() => variantComponents(original, window.location.origin), [original]);
  return (
    <div
      className={`theme-doc-markdown markdown ${rtl ? styles.rtl : ""}`}
      data-testid="chapter-variant"
      {...(language ? { lang: language } : {})}
      dir={rtl ? "rtl" : "ltr"}
    >
      {/* The theme's title, unless the chapter's own `# Title` comes as a section of a rewrite or translation. */}
      {(!anchored || !original.ownTitle) && (
        <header>
          <Heading as="h1" dir="auto">
            {title}
          </Heading>
        </header>
      )}
      {sections.map((section, index) => (
        <VariantSectionView
          // biome-ignore lint/suspicious/noArrayIndexKey: sections only ever append
          key={`${index}-${section.anchor}`}
          section={section}
          original={original}
          components={components}
          anchored={anchored}
        />
      ))}
    </div>
  );
}
