// Development secrets: generated once into the data directory so both services (and restarts) agree on them.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DevSecrets {
  JWT_SECRET: string;
  BETTER_AUTH_SECRET: string;
}

export const DEV_SECRETS_FILE = "dev-secrets.json";

/**
 * Reads `<dataDir>/dev-secrets.json`, creating it (mode 0600) with fresh 256-bit secrets when absent.
 * Never used in production: there a missing secret stops start-up.
 */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets & { created: boolean } {
  const file = join(dataDir, DEV_SECRETS_FILE);
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<DevSecrets>;
    if (parsed.JWT_SECRET && parsed.BETTER_AUTH_SECRET) {
      return { JWT_SECRET: parsed.JWT_SECRET, BETTER_AUTH_SECRET: parsed.BETTER_AUTH_SECRET, created: false };
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets: DevSecrets = {
    JWT_SECRET: randomBytes(32).toString("base64url"),
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
  };
  // "wx" fails if a sibling process created the file first; then we read theirs.
  try {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  } catch {
    return loadOrCreateDevSecrets(dataDir);
  }
  return { ...secrets, created: true };
}
