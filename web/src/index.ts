// Docusaurus plugin: adds the tutor (account UI, chat panel, "Ask about this") to every page of a book.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadContext, OptionValidationContext, Plugin } from "@docusaurus/types";
import {
  type ResolvedTutorOptions,
  resolveTutorOptions,
  type TutorGlobalData,
  type TutorOptions,
} from "./options.ts";
import { RUNTIME_CONFIG_FILE, renderRuntimeConfig, trimSlash } from "./runtime-config.ts";

export type { TutorOptions } from "./options.ts";

// Resolved next to this module: web/dist/ once built (what a site installs); the stylesheet exists only there.
const themePath = fileURLToPath(new URL("./theme", import.meta.url));
const stylesheet = fileURLToPath(new URL("./tutor.css", import.meta.url));

export default function tutorPlugin(context: LoadContext, options: ResolvedTutorOptions): Plugin<undefined> {
  const globalData: TutorGlobalData = {
    authUrl: trimSlash(options.authUrl),
    apiUrl: trimSlash(options.apiUrl),
    selectionSelector: options.selectionSelector,
    chapterTools: options.chapterTools,
  };
  return {
    name: "docusaurus-tutor",
    getThemePath: () => themePath,
    // The components' CSS modules, compiled into one stylesheet by the package build (scripts/build.ts).
    getClientModules: () => [stylesheet],
    async contentLoaded({ actions }) {
      actions.setGlobalData(globalData);
      // The author's view (the API refuses readers with 403; the page says so).
      actions.addRoute({
        path: `${context.baseUrl}tutor/insights`,
        component: "@theme/TutorInsights",
        exact: true,
      });
    },
    injectHtmlTags: () => ({
      // Loaded synchronously so the runtime URLs exist before the app hydrates.
      headTags: [{ tagName: "script", attributes: { src: `${context.baseUrl}${RUNTIME_CONFIG_FILE}` } }],
    }),
    async postBuild({ outDir }) {
      // Static hosting gets the build-time URLs; a server may answer /tutor-config.js itself to change them.
      await writeFile(join(outDir, RUNTIME_CONFIG_FILE), renderRuntimeConfig(globalData));
    },
  };
}

export function validateOptions({ options }: OptionValidationContext<TutorOptions, ResolvedTutorOptions>) {
  try {
    return resolveTutorOptions(options);
  } catch (cause) {
    throw new Error(`@ai-book/docusaurus-tutor: ${(cause as Error).message}`);
  }
}
