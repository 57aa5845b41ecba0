// The rooms of docs/ARCHITECTURE.md, checked: the domain (rag/, ingest/) imports no HTTP, SDK, environment or adapter code.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");
const DOMAIN = ["rag", "ingest", "chapters"];

/** Packages the domain may not import: HTTP frameworks, vendor SDKs and clients, service plumbing. */
const FORBIDDEN_PACKAGES = [
  /^hono(\/|$)/,
  /^@hono\//,
  /^@ai-book\/(http|runtime)$/,
  /^openai(\/|$)/,
  /^@qdrant\//,
  /^ioredis$/,
  /^undici$/,
  /^better-sqlite3$/,
  /^sqlite-vec$/,
  /^pino$/,
  /^prom-client$/,
  /^dotenv(\/|$)/,
];
/** Service folders and files outside the domain that it may not reach into. */
const FORBIDDEN_LOCAL = [
  "adapters",
  "routes",
  "middleware",
  "cli",
  "config.ts",
  "deps.ts",
  "main.ts",
  "app.ts",
  "env.ts",
  "metrics.ts",
];

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** Every import (static, dynamic, re-export) of a file and whether it reads `process.env`, from TypeScript's parser. */
function analyse(file: string, text: string): { imports: string[]; readsEnv: boolean } {
  const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  let readsEnv = false;
  const visit = (node: ts.Node) => {
    if (
      ts.isPropertyAccessExpression(node) &&
      node.name.text === "env" &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "process"
    )
      readsEnv = true;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, readsEnv };
}

function violations(file: string, text = readFileSync(file, "utf8")): string[] {
  const { imports, readsEnv } = analyse(file, text);
  const out: string[] = readsEnv ? ["reads process.env"] : [];
  for (const spec of imports) {
    if (spec.startsWith(".")) {
      const target = relative(SRC, resolve(dirname(file), spec)).split("/")[0] ?? "";
      if (FORBIDDEN_LOCAL.includes(target)) out.push(`imports ${spec}`);
    } else if (FORBIDDEN_PACKAGES.some((p) => p.test(spec))) out.push(`imports ${spec}`);
  }
  return out.map((v) => `${relative(SRC, file)} ${v}`);
}

describe("architecture: the domain stays pure", () => {
  for (const room of DOMAIN) {
    it(`${room}/ imports no HTTP, SDK, environment or adapter code`, () => {
      const files = sourcesOf(join(SRC, room));
      expect(files.length).toBeGreaterThan(3);
      expect(files.flatMap((f) => violations(f))).toEqual([]);
    });
  }

  it("catches each kind of violation (the check itself works)", () => {
    const probe = join(SRC, "rag", "probe.ts");
    const text = [
      'import { Hono } from "hono";',
      'import OpenAI from "openai";',
      'import { openSqliteStore } from "../adapters/vector/sqlite.ts";',
      'const cfg = await import("../config.ts");',
      "const key = process.env.OPENAI_API_KEY;",
    ].join("\n");
    expect(violations(probe, text)).toEqual([
      "rag/probe.ts reads process.env",
      "rag/probe.ts imports hono",
      "rag/probe.ts imports openai",
      "rag/probe.ts imports ../adapters/vector/sqlite.ts",
      "rag/probe.ts imports ../config.ts",
    ]);
  });
});
