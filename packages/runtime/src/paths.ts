// Files that ship beside a service's code (migrations, the sample book), found the same way from src/ and dist/.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The folder of the nearest package.json above the module at `moduleUrl` (pass `import.meta.url`): the service's
 * workspace folder both when it runs from its TypeScript sources and from its bundle in dist/.
 */
export function packageDir(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}
