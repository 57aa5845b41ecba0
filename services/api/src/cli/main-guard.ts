// Runs a CLI's entry function when its file is the process's main module, mapping the result to the exit code.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { CliIo } from "./ingest.ts";

export type CliMain = (argv: string[], env: Record<string, string | undefined>, io: CliIo) => Promise<number>;

/** `runIfMain(import.meta.url, "ingest", runIngestCli)`: only main.ts-like entry points read process.env. */
export function runIfMain(moduleUrl: string, name: string, main: CliMain): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  const env = process.env;
  // npm runs workspace scripts inside the workspace; paths the user typed are relative to where npm was run.
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: env.INIT_CWD ?? process.cwd() };
  main(process.argv.slice(2), env, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

type CliOptions = NonNullable<ParseArgsConfig["options"]>;
const HELP = { help: { type: "boolean", short: "h", default: false } } as const;

/**
 * `parseArgs` (positionals allowed) plus `--help`/`-h`: the parsed arguments, or the exit code when they are wrong
 * (2, the message and the usage on stderr) or help was asked for (0, the usage on stdout).
 */
export function parseCliArgs<const O extends CliOptions>(
  argv: string[],
  io: CliIo,
  usage: string,
  options: O,
) {
  const config = { args: argv, allowPositionals: true as const, options: { ...options, ...HELP } };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}
