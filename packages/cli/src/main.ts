// Entry of the `ai-book` command: picks the subcommand.
import { runServe } from "./serve.ts";

export const USAGE = `Usage: ai-book <command> [options]

Commands:
  serve     run the tutor's services for your own Docusaurus book (ai-book serve --help)

The plugin for your site is the package in web/ (npm pack -w web); docs/AUTHORS.md walks through it.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "serve")
    return runServe(rest, process.env, {
      stdout: process.stdout,
      stderr: process.stderr,
      cwd: process.cwd(),
    });
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  process.stderr.write(`ai-book: unknown command "${command}" (see ai-book --help)\n`);
  return 2;
}
