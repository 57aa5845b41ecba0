// `npm run build -w web`: compiles the plugin into dist/ (ESM JavaScript, type declarations, one CSS file) for npm pack.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { join, resolve } from "node:path";
import { type BuildOptions, build, context, type Plugin } from "esbuild";
import { packageOf } from "../../scripts/build.ts";

export const WEB_DIR = resolve(import.meta.dirname, "..");

/**
 * Entry points → output names. The theme is a folder Docusaurus scans (getThemePath), so Root keeps its place
 * under dist/theme; its CSS modules come out as one stylesheet, renamed to dist/tutor.css, that the plugin
 * registers as a client module.
 */
const ENTRIES = {
  index: "src/index.ts",
  "runtime-config": "src/runtime-config.ts",
  "theme/Root": "src/theme/Root.tsx",
  // The /tutor/insights page the plugin adds (it mounts a TutorProvider of its own inside the one of Root).
  "theme/TutorInsights": "src/theme/TutorInsights.tsx",
  // Wraps the theme's doc content with the chapter tools (personalize / translate); its CSS joins tutor.css.
  "theme/DocItem/Content": "src/theme/DocItem/Content.tsx",
};

/** Stylesheets of entries that join dist/tutor.css (the one the plugin registers), in this order. */
const STYLESHEETS = ["theme/Root.css", "theme/DocItem/Content.css"];

/** Packages bundled into dist/ rather than installed by the site: unpublished workspaces, and the Urdu font files. */
const BUNDLED = /^@(ai-book|fontsource)\//;

/** Imports the bundler resolves at the site instead: Docusaurus' own client aliases (peer @docusaurus/core). */
const DOCUSAURUS_ALIASES = /^@(docusaurus|theme|theme-init|generated)\//;

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Workspace packages (@ai-book/contracts) are bundled in, since they are not published; declared dependencies and
 * peer dependencies stay imports; anything else fails the build, because an outside site would not have it.
 */
function dependencyGuard(pkg: PackageJson): Plugin {
  const allowed = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  return {
    name: "tutor-dependencies",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:") || isBuiltin(args.path)) return { path: args.path, external: true };
        if (DOCUSAURUS_ALIASES.test(args.path)) return { path: args.path, external: true };
        const name = packageOf(args.path);
        if (BUNDLED.test(name)) return undefined;
        if (allowed.has(name)) return { path: args.path, external: true };
        return {
          errors: [
            {
              text: `${args.path} (imported by ${args.importer}) is neither a dependency nor a peer dependency of @ai-book/docusaurus-tutor`,
            },
          ],
        };
      });
    },
  };
}

function esbuildOptions(pkg: PackageJson, outdir: string): BuildOptions {
  return {
    absWorkingDir: WEB_DIR,
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    format: "esm",
    // Modules the entries share (the tutor's React context above all) come out once, as chunks: the chapter tools in
    // theme/DocItem/Content must read the session that theme/Root provides, from the same context object.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    platform: "neutral",
    // Docusaurus 3 needs Node 18+ and evergreen browsers; the site's own bundler may lower it further.
    target: "es2022",
    jsx: "automatic",
    sourcemap: true,
    logLevel: "warning",
    // Font files referenced by the stylesheets (the Nastaliq face of translated chapters) are copied into dist/.
    loader: { ".woff2": "file", ".woff": "file" },
    assetNames: "assets/[name]-[hash]",
    plugins: [dependencyGuard(pkg)],
  };
}

/**
 * esbuild writes each entry's stylesheet beside it (theme/Root.css, theme/DocItem/Content.css); the plugin registers
 * one, dist/tutor.css. Their url()s are relative to theme/ and theme/DocItem/, so they are rebased onto dist/.
 */
function moveStylesheet(outdir: string): void {
  const parts: string[] = [];
  for (const file of STYLESHEETS) {
    const path = join(outdir, file);
    if (!existsSync(path)) continue;
    const depth = file.split("/").length - 1;
    const up = "../".repeat(depth);
    parts.push(
      readFileSync(path, "utf8")
        .replaceAll(`url("${up}assets/`, 'url("./assets/')
        .replaceAll(`url(${up}assets/`, "url(./assets/"),
    );
    rmSync(path);
    rmSync(`${path}.map`, { force: true });
  }
  writeFileSync(join(outdir, "tutor.css"), parts.join("\n"));
}

/**
 * `npm run build -w web -- --watch`, beside `npm start -w book`: rebuilds the JavaScript and CSS in place on every
 * change of web/src, so the book's dev server reloads with it (the declarations stay from the full build).
 */
export async function watchPlugin(): Promise<void> {
  await buildPlugin();
  const pkg = JSON.parse(readFileSync(join(WEB_DIR, "package.json"), "utf8")) as PackageJson;
  const dist = join(WEB_DIR, "dist");
  const options = esbuildOptions(pkg, dist);
  const ctx = await context({
    ...options,
    plugins: [
      ...(options.plugins ?? []),
      {
        name: "tutor-stylesheet",
        setup: (b) => b.onEnd((result) => (result.errors.length ? undefined : moveStylesheet(dist))),
      },
    ],
  });
  await ctx.watch();
  console.error("web: watching src/ (Ctrl-C to stop)");
}

/** Builds into a fresh folder and swaps it in, so a Docusaurus build reading dist/ never sees half of one. */
export async function buildPlugin(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(WEB_DIR, "package.json"), "utf8")) as PackageJson;
  const dist = join(WEB_DIR, "dist");
  const out = `${dist}.tmp-${process.pid}`;
  rmSync(out, { recursive: true, force: true });
  try {
    await build(esbuildOptions(pkg, out));
    moveStylesheet(out);
    // Declarations of the Node-side entry points (the plugin and its options, the runtime config helper).
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", join(WEB_DIR, "tsconfig.build.json"), "--outDir", out], {
      stdio: "inherit",
    });
    // tsc rewrites ".ts" specifiers in JavaScript only; declarations keep them, and a consumer's tsc would look
    // for TypeScript sources the package does not ship.
    for (const file of readdirSync(out, { recursive: true, encoding: "utf8" })) {
      if (!file.endsWith(".d.ts")) continue;
      const path = join(out, file);
      writeFileSync(path, readFileSync(path, "utf8").replace(/(from "\.{1,2}\/[^"]+)\.tsx?"/g, '$1.js"'));
    }
    swapIn(out, dist);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Replaces `dist` by `out` with two renames. Another build may swap at the same moment (the book's build and a
 * test's npm pack): the loser's rename finds the folder taken and tries again, and either way a whole dist/ remains.
 */
function swapIn(out: string, dist: string): void {
  for (let attempt = 0; ; attempt++) {
    const old = `${dist}.old-${process.pid}-${attempt}`;
    try {
      if (existsSync(dist)) renameSync(dist, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(out, dist);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== "ENOTEMPTY" && code !== "EEXIST")) throw err;
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  if (process.argv.includes("--watch")) {
    await watchPlugin();
  } else {
    await buildPlugin();
    console.error("web: built dist/ (index.js, runtime-config.js, theme/Root.js, tutor.css, *.d.ts)");
  }
}
