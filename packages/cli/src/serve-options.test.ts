// Parsing of `ai-book serve` options: environment defaults, the book URL split into origin and baseUrl, CORS twins.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corsOrigins, parseServeArgs, UsageError } from "./serve-options.ts";

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir("ai-book-serve-options-");
  mkdirSync(join(tmp.path, "site", "docs", "node_modules", "pkg"), { recursive: true });
  writeFileSync(join(tmp.path, "site", "docs", "node_modules", "pkg", "README.md"), "# not a doc\n");
  mkdirSync(join(tmp.path, "book", "docs", "part-1"), { recursive: true });
  writeFileSync(join(tmp.path, "book", "docs", "part-1", "intro.mdx"), "# Intro\n");
});
afterAll(() => tmp?.cleanup());

describe("parseServeArgs", () => {
  it("takes the site's baseUrl from the book URL's path and its origin for CORS and links", () => {
    const parsed = parseServeArgs(
      ["--docs", "book/docs", "--book-url", "https://me.github.io/my-book", "--route-base-path", "/"],
      {},
      tmp.path,
    );
    expect(parsed).toMatchObject({
      help: false,
      options: {
        docsDir: join(tmp.path, "book/docs"),
        baseUrl: "/my-book/",
        bookOrigin: "https://me.github.io",
        routeBasePath: "/",
        authPort: 3001,
        apiPort: 8000,
        host: "127.0.0.1",
        dataDir: join(tmp.path, ".ai-book"),
        watch: true,
      },
    });
  });

  it("reads DOCS_DIR, ROUTE_BASE_PATH, BOOK_URL and the port variables as defaults; options win", () => {
    const env = {
      DOCS_DIR: "book/docs",
      ROUTE_BASE_PATH: "/guide",
      BOOK_URL: "http://127.0.0.1:4000",
      AUTH_SERVER_PORT: "4001",
      API_SERVER_PORT: "4002",
    };
    const fromEnv = parseServeArgs([], env, tmp.path);
    expect(fromEnv).toMatchObject({
      options: {
        routeBasePath: "/guide",
        bookOrigin: "http://127.0.0.1:4000",
        authPort: 4001,
        apiPort: 4002,
      },
    });
    expect(parseServeArgs(["--api-port", "5002", "--no-watch"], env, tmp.path)).toMatchObject({
      options: { apiPort: 5002, watch: false },
    });
  });

  it("does not count Markdown inside node_modules as docs", () => {
    expect(() => parseServeArgs(["--docs", "site/docs"], {}, tmp.path)).toThrow(/holds no Markdown/);
  });

  it("rejects a relative route base path and equal ports", () => {
    expect(() => parseServeArgs(["--docs", "book/docs", "--route-base-path", "docs"], {}, tmp.path)).toThrow(
      UsageError,
    );
    expect(() =>
      parseServeArgs(["--docs", "book/docs", "--auth-port", "4000", "--api-port", "4000"], {}, tmp.path),
    ).toThrow(/must differ/);
  });
});

describe("corsOrigins", () => {
  it("adds the loopback twin, since localhost and 127.0.0.1 are different origins to a browser", () => {
    expect(corsOrigins("http://localhost:3000")).toEqual(["http://localhost:3000", "http://127.0.0.1:3000"]);
    expect(corsOrigins("http://127.0.0.1:3000")).toEqual(["http://127.0.0.1:3000", "http://localhost:3000"]);
    expect(corsOrigins("https://book.example.org")).toEqual(["https://book.example.org"]);
  });
});
