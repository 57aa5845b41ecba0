// Test helpers: `npm pack` the plugin, and install such a tarball into a fresh folder offline, from the repo lockfile.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** Generous for a loaded 2-core machine: a pack builds the plugin (esbuild + tsc). */
const PACK_TIMEOUT_MS = 300_000;

export interface PackedPlugin {
  tarball: string;
  integrity: string;
  manifest: {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  files: string[];
}

/**
 * `npm pack -w web` into `destination` (its prepare script builds dist/). Serialized with flock(1): two test files
 * packing at once would rebuild web/dist under each other.
 */
export async function packPlugin(destination: string): Promise<PackedPlugin> {
  const { stdout } = await run(
    "flock",
    [
      join(tmpdir(), "ai-book-web-pack.lock"),
      "npm",
      "pack",
      "-w",
      "web",
      "--json",
      "--pack-destination",
      destination,
    ],
    { cwd: REPO_ROOT, timeout: PACK_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
  );
  const [info] = JSON.parse(stdout) as Array<{
    filename: string;
    integrity: string;
    files: Array<{ path: string }>;
  }>;
  if (!info) throw new Error(`npm pack printed no package: ${stdout}`);
  const manifest = JSON.parse(
    readFileSync(join(REPO_ROOT, "web/package.json"), "utf8"),
  ) as PackedPlugin["manifest"];
  return {
    tarball: join(destination, info.filename),
    integrity: info.integrity,
    manifest,
    files: info.files.map((f) => f.path),
  };
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The repository lockfile's entries for the packages `names` need (their whole dependency closure), at the same
 * places in the tree. A folder given this lockfile installs with `npm ci --offline`: npm fetches each package by
 * its integrity from the cache `npm ci` of this repository filled, so no registry is asked.
 */
export function lockfileSubset(names: string[]): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const out: Record<string, LockEntry> = {};
  const visit = (name: string, from: string) => {
    // Node's lookup: the dependant's own node_modules, then each enclosing one up to the root.
    let base = from;
    for (;;) {
      const key = `${base ? `${base}/` : ""}node_modules/${name}`;
      const entry = lock.packages[key];
      if (entry) {
        if (out[key]) return;
        // Flags describing the repository's root (dev-only, peer-only) would make npm skip them here.
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...clean } = entry;
        out[key] = clean;
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
          visit(dep, key);
        return;
      }
      if (!base) return; // an optional dependency for another platform
      const cut = base.lastIndexOf("/node_modules/");
      base = cut < 0 ? "" : base.slice(0, cut);
    }
  };
  for (const name of names) visit(name, "");
  return out;
}

/**
 * Installs the packed plugin into the empty folder `dir` the way `npm install <tarball>` does, but offline: a
 * package.json naming the tarball and a lockfile with its dependency closure, then `npm ci --offline`. Peer
 * dependencies are the site's business and are left out (--legacy-peer-deps).
 */
export async function installPacked(dir: string, packed: PackedPlugin): Promise<void> {
  const name = packed.manifest.name;
  const spec = `file:${packed.tarball}`;
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      { name: "empty-site", private: true, type: "module", dependencies: { [name]: spec } },
      null,
      2,
    ),
  );
  const deps = packed.manifest.dependencies ?? {};
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify(
      {
        name: "empty-site",
        lockfileVersion: 3,
        requires: true,
        packages: {
          "": { name: "empty-site", dependencies: { [name]: spec } },
          [`node_modules/${name}`]: {
            version: packed.manifest.version,
            resolved: spec,
            integrity: packed.integrity,
            dependencies: deps,
            peerDependencies: packed.manifest.peerDependencies,
          },
          ...lockfileSubset(Object.keys(deps)),
        },
      },
      null,
      2,
    ),
  );
  await run("npm", ["ci", "--offline", "--legacy-peer-deps", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: dir,
    timeout: PACK_TIMEOUT_MS,
  });
}
