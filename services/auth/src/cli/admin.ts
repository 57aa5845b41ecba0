// `npm run admin -- grant <email> <role>`: role changes from a shell, over the auth-service's own code and configuration.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROLES } from "@ai-book/contracts";
import { config as loadDotenv } from "dotenv";
import { createAuthService } from "../app.ts";
import { loadConfig } from "../config.ts";
import { GrantError, grantRole, refreshCachedUser } from "../roles.ts";

const USAGE = `usage: npm run admin -- grant <email> <${ROLES.join("|")}>

Reads the same environment (.env, DATA_DIR, DATABASE_URL, REDIS_URL) as the auth-service. With the embedded
database (no DATABASE_URL) stop the auth-service first: PGlite admits one process at a time.
`;

export interface AdminIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Runs one admin command; returns the exit code. */
export async function runAdminCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: AdminIo,
): Promise<number> {
  const [command, email, role] = argv;
  if (command !== "grant" || !email || !role || argv.length !== 3) {
    io.stderr.write(USAGE);
    return 2;
  }
  // Quiet unless asked: the command prints its own one-line result.
  const config = loadConfig({ LOG_LEVEL: "warn", ...env });
  const service = await createAuthService(config);
  try {
    const { userId, previous } = await grantRole(service.database.db, service.audit, email, role, {
      afterCommit: (id, r) => refreshCachedUser(service.auth, id, { role: r }),
    });
    io.stdout.write(
      `${email}: ${previous} → ${role} (user ${userId}); their next JWT carries it, tokens already issued keep the old role until they expire\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof GrantError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  } finally {
    await service.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  loadDotenv({ quiet: true });
  runAdminCli(process.argv.slice(2), process.env, process).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`admin failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
