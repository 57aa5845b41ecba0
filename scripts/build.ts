// `npm run build`: bundles each service's TypeScript into one ES module under services/<name>/dist, as production
// runs it (Dockerfile, `npm start`, the benchmark): plain Node, no loader thread, no transpiling at start-up.
// Workspace packages are bundled in; npm dependencies stay external and load from node_modules.
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

export const REPO_ROOT = resolve(import.meta.dirname, "..");

interface Target {
  dir: string;
  /** Output name (dist/<name>.mjs) → TypeScript entry, relative to the service folder. */
  entries: Record<string, string>;
}

export const BUILD_TARGETS: Record<"auth" | "api", Target> = {
  auth: { dir: "services/auth", entries: { main: "src/main.ts", admin: "src/cli/admin.ts" } },
  api: { dir: "services/api", entries: { main: "src/main.ts", ingest: "src/cli/ingest.ts" } },
};

function dependenciesOf(packageJson: string): string[] {
  const pkg = JSON.parse(readFileSync(packageJson, "utf8")) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {});
}

/** npm packages a service may import at run time: its own and its workspace packages' production dependencies. */
function runtimePackagesOf(target: Target): Set<string> {
  const names = new Set<string>();
  for (const file of [
    join(REPO_ROOT, target.dir, "package.json"),
    join(REPO_ROOT, "packages/http/package.json"),
    join(REPO_ROOT, "packages/runtime/package.json"),
    join(REPO_ROOT, "packages/contracts/package.json"),
  ]) {
    for (const dep of dependenciesOf(file)) if (!dep.startsWith("@ai-book/")) names.add(dep);
  }
  return names;
}

/** The package a bare import names ("@scope/name/sub" → "@scope/name"). */
export const packageOf = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

/**
 * Workspace packages are bundled; production dependencies stay imports, loaded from the image's node_modules; any
 * other package fails the build (esbuild would otherwise inline it silently, and a dev-only or transitive package
 * would then work here and break in the image).
 */
export function dependencyGuard(allowed: Set<string>, service: string): Plugin {
  return {
    name: "ai-book-dependencies",
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("node:") || isBuiltin(args.path)) return { path: args.path, external: true };
        const pkg = packageOf(args.path);
        if (pkg.startsWith("@ai-book/")) return undefined;
        if (allowed.has(pkg)) return { path: args.path, external: true };
        return {
          errors: [
            {
              text: `${args.path} is imported by ${args.importer} but is not a production dependency of ${service} (or of packages/http, packages/contracts)`,
            },
          ],
        };
      });
    },
  };
}

/** Builds the named services (all by default); returns each output file. */
export async function buildServices(
  services: ReadonlyArray<keyof typeof BUILD_TARGETS> = ["auth", "api"],
): Promise<string[]> {
  const outputs: string[] = [];
  for (const name of services) {
    const target = BUILD_TARGETS[name];
    const dist = join(REPO_ROOT, target.dir, "dist");
    // Build beside dist and swap it in, so a service starting meanwhile never loads half a bundle.
    const staging = `${dist}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await build({
      absWorkingDir: join(REPO_ROOT, target.dir),
      entryPoints: Object.entries(target.entries).map(([out, entry]) => ({ in: entry, out })),
      outdir: staging,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "linked",
      plugins: [dependencyGuard(runtimePackagesOf(target), target.dir)],
      logLevel: "warning",
    });
    // Old bundle aside, new one in, old one gone: dist/ is missing only between two renames.
    const previous = `${dist}.old-${process.pid}`;
    if (existsSync(dist)) renameSync(dist, previous);
    renameSync(staging, dist);
    rmSync(previous, { recursive: true, force: true });
    outputs.push(...Object.keys(target.entries).map((out) => join(dist, `${out}.mjs`)));
  }
  return outputs;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const wanted = process.argv.slice(2) as Array<keyof typeof BUILD_TARGETS>;
  const unknown = wanted.filter((w) => !(w in BUILD_TARGETS));
  if (unknown.length > 0) {
    process.stderr.write(`build: unknown service ${unknown.join(", ")} (known: auth, api)\n`);
    process.exit(2);
  }
  const started = performance.now();
  const outputs = await buildServices(wanted.length > 0 ? wanted : undefined);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`built ${outputs.map((o) => o.slice(REPO_ROOT.length + 1)).join(", ")} in ${ms} ms\n`);
}
