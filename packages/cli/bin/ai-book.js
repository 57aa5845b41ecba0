#!/usr/bin/env node
// The `ai-book` command: loads tsx so the TypeScript sources run as they are in a clone, then hands over to main.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
