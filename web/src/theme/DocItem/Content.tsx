// Theme DocItem/Content, wrapping the theme's own: the chapter tools ("Personalize this chapter", "Translate this
// chapter") above every doc of any book using the plugin, unless the author turned them off (chapterTools: false).
import { useDoc } from "@docusaurus/plugin-content-docs/client";
import { usePluginData } from "@docusaurus/useGlobalData";
import type { Props } from "@theme/DocItem/Content";
import InitialContent from "@theme-init/DocItem/Content";
import type { ReactNode } from "react";
import { ChapterTools } from "../../components/ChapterTools.tsx";
import type { TutorGlobalData } from "../../options.ts";

export default function DocItemContent(props: Props): ReactNode {
  const { chapterTools } = usePluginData("docusaurus-tutor") as TutorGlobalData;
  const { metadata, contentTitle } = useDoc();
  const original = <InitialContent {...props} />;
  if (chapterTools === false) return original;
  return (
    <ChapterTools doc={metadata.permalink} title={metadata.title} ownTitle={contentTitle !== undefined}>
      {original}
    </ChapterTools>
  );
}
