// loadConfig: defaults from the architecture, derived paths, development secrets, production refusals.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DEV_SECRETS_FILE } from "@ai-book/runtime";
import { tempDir } from "@ai-book/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

const dirs: Array<{ cleanup: () => void }> = [];
function dataDir() {
  const d = tempDir("ai-book-config-");
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

describe("loadConfig", () => {
  it("has the architecture's defaults", () => {
    const dir = dataDir();
    const c = loadConfig({ JWT_SECRET: "s".repeat(40), DATA_DIR: dir });
    expect(c).toMatchObject({
      API_SERVER_PORT: 8000,
      API_SERVER_HOST: "0.0.0.0",
      JWT_ALGORITHM: "HS256",
      QDRANT_COLLECTION: "textbook_chunks",
      EMBEDDING_MODEL: "text-embedding-3-small",
      EMBEDDING_DIMENSIONS: 1536,
      LLM_MODEL: "gpt-4o-mini",
      RATE_LIMIT_PER_MINUTE: 10,
      BOOK_BASE_URL: "http://localhost:3000",
      CORS_ORIGINS: ["http://localhost:3000"],
      TRUST_PROXY: 0,
      INDEX_PATH: join(dir, "index.sqlite"),
      jwksUrl: "http://localhost:3001/api/auth/jwks",
      jwtSecretSource: "env",
    });
  });

  it("parses lists, hop counts and trims the book URL", () => {
    const c = loadConfig({
      JWT_SECRET: "s".repeat(40),
      DATA_DIR: dataDir(),
      CORS_ORIGINS: "https://a.example, https://b.example",
      TRUST_PROXY: "true",
      BOOK_BASE_URL: "https://book.example/",
      AUTH_SERVICE_URL: "https://auth.example/",
    });
    expect(c.CORS_ORIGINS).toEqual(["https://a.example", "https://b.example"]);
    expect(c.TRUST_PROXY).toBe(1);
    expect(c.BOOK_BASE_URL).toBe("https://book.example");
    expect(c.jwksUrl).toBe("https://auth.example/api/auth/jwks");
  });

  it("in development, a missing JWT_SECRET comes from DATA_DIR/dev-secrets.json (shared with the auth-service)", () => {
    const dir = dataDir();
    const a = loadConfig({ DATA_DIR: dir });
    expect(a.jwtSecretSource).toBe("dev-file");
    expect(a.JWT_SECRET?.length).toBeGreaterThanOrEqual(32);
    expect(existsSync(join(dir, DEV_SECRETS_FILE))).toBe(true);
    expect(loadConfig({ DATA_DIR: dir }).JWT_SECRET).toBe(a.JWT_SECRET);
  });

  it("in production, refuses a missing or short JWT_SECRET without echoing it", () => {
    expect(() => loadConfig({ NODE_ENV: "production", DATA_DIR: dataDir() })).toThrow(/JWT_SECRET: required/);
    let message = "";
    try {
      loadConfig({ NODE_ENV: "production", JWT_SECRET: "hunter2-is-short", DATA_DIR: dataDir() });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/JWT_SECRET: must be at least 32/);
    expect(message).not.toContain("hunter2");
  });

  it("asymmetric mode needs no shared secret", () => {
    const c = loadConfig({ JWT_ALGORITHM: "EdDSA", NODE_ENV: "production", DATA_DIR: dataDir() });
    expect(c.JWT_SECRET).toBeUndefined();
    expect(c.jwtSecretSource).toBe("none");
  });

  it("names the bad variable", () => {
    expect(() => loadConfig({ JWT_SECRET: "s".repeat(40), API_SERVER_PORT: "http" })).toThrow(
      /API_SERVER_PORT/,
    );
    expect(() => loadConfig({ JWT_SECRET: "s".repeat(40), JWT_ALGORITHM: "none" })).toThrow(/JWT_ALGORITHM/);
    expect(() => loadConfig({ JWT_SECRET: "s".repeat(40), TRUST_PROXY: "-1" })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ JWT_SECRET: "s".repeat(40), RATE_LIMIT_PER_MINUTE: "0" })).toThrow(
      /RATE_LIMIT_PER_MINUTE/,
    );
  });
});
