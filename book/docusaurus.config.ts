// Docusaurus configuration of the sample book: docs at /docs, KaTeX math, and the chat tutor plugin.
import { createRequire } from "node:module";
import type * as Preset from "@docusaurus/preset-classic";
import type { Config } from "@docusaurus/types";
import { themes as prismThemes } from "prism-react-renderer";
import rehypeKatex from "rehype-katex";
import remarkMath from "remark-math";

const require = createRequire(import.meta.url);

// Build-time defaults only: the served site can override both URLs at runtime through /tutor-config.js.
const authUrl = process.env.TUTOR_AUTH_URL ?? "http://localhost:3001";
const apiUrl = process.env.TUTOR_API_URL ?? "http://localhost:8000";

const config: Config = {
  title: "Physical AI & Humanoid Robotics",
  tagline: "A practical textbook with a personal, cited tutor",
  favicon: "img/favicon.svg",
  url: process.env.BOOK_SITE_URL ?? "http://localhost:3000",
  baseUrl: "/",
  trailingSlash: undefined,
  onBrokenLinks: "warn",
  markdown: { format: "detect", hooks: { onBrokenMarkdownLinks: "warn" } },
  // Rspack + SWC + Lightning CSS: several times faster builds on a small machine.
  future: { v4: { removeLegacyPostBuildHeadAttribute: true }, faster: true },
  i18n: { defaultLocale: "en", locales: ["en"] },
  presets: [
    [
      "classic",
      {
        docs: {
          routeBasePath: "/docs",
          sidebarPath: "./sidebars.ts",
          remarkPlugins: [remarkMath],
          rehypePlugins: [rehypeKatex],
        },
        blog: false,
        theme: { customCss: ["./src/css/custom.css", require.resolve("katex/dist/katex.min.css")] },
      } satisfies Preset.Options,
    ],
  ],
  plugins: [["@ai-book/docusaurus-tutor", { authUrl, apiUrl }]],
  themeConfig: {
    colorMode: { respectPrefersColorScheme: true },
    navbar: {
      title: "Physical AI & Humanoid Robotics",
      items: [{ type: "docSidebar", sidebarId: "book", position: "left", label: "Book" }],
    },
    footer: {
      style: "dark",
      copyright: "Physical AI & Humanoid Robotics — sample textbook for ai-book.",
    },
    prism: { theme: prismThemes.github, darkTheme: prismThemes.dracula, additionalLanguages: ["bash"] },
  } satisfies Preset.ThemeConfig,
};

export default config;
