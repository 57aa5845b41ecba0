// What `npm start` gives its children: ports, cross-service URLs, and one pair of development secrets for both.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@ai-book/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { PlanError, planSystem } from "../../scripts/lib/plan.ts";

const dirs: Array<() => void> = [];
function dataDir(): string {
  const d = tempDir("ai-book-plan-");
  dirs.push(d.cleanup);
  return d.path;
}
afterEach(() => {
  for (const cleanup of dirs.splice(0)) cleanup();
});

describe("planSystem", () => {
  it("uses the architecture's ports and points every cross-service URL at them", () => {
    const plan = planSystem({ DATA_DIR: dataDir() }, "/repo");
    expect([plan.auth.port, plan.api.port, plan.book.port]).toEqual([3001, 8000, 3000]);
    expect(plan.childEnv).toMatchObject({
      AUTH_SERVER_PORT: "3001",
      API_SERVER_PORT: "8000",
      BETTER_AUTH_URL: "http://localhost:3001",
      AUTH_SERVICE_URL: "http://127.0.0.1:3001",
      BOOK_BASE_URL: "http://localhost:3000",
      CORS_ORIGINS: "http://localhost:3000,http://127.0.0.1:3000",
      AUTH_SERVER_HOST: "127.0.0.1",
    });
    expect(plan.auth.healthUrl).toBe("http://127.0.0.1:3001/health");
  });

  it("moves every URL with overridden ports", () => {
    const plan = planSystem(
      { DATA_DIR: dataDir(), AUTH_SERVER_PORT: "4101", API_SERVER_PORT: "4102", BOOK_PORT: "4100" },
      "/repo",
    );
    expect(plan.childEnv).toMatchObject({
      BETTER_AUTH_URL: "http://localhost:4101",
      AUTH_SERVICE_URL: "http://127.0.0.1:4101",
      BOOK_BASE_URL: "http://localhost:4100",
      CORS_ORIGINS: "http://localhost:4100,http://127.0.0.1:4100",
    });
    expect(plan.api.healthUrl).toBe("http://127.0.0.1:4102/health");
  });

  it("gives both services the same generated secrets, created once (0600) and reused on the next start", () => {
    const dir = dataDir();
    const first = planSystem({ DATA_DIR: dir }, "/repo");
    expect(first.secretsCreated).toBe(true);
    expect(first.childEnv.JWT_SECRET).toMatch(/^[\w-]{43}$/);
    expect(first.childEnv.BETTER_AUTH_SECRET).not.toBe(first.childEnv.JWT_SECRET);
    const file = join(dir, "dev-secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = planSystem({ DATA_DIR: dir }, "/repo");
    expect(second.secretsCreated).toBe(false);
    expect(second.childEnv.JWT_SECRET).toBe(first.childEnv.JWT_SECRET);
    expect(second.childEnv.BETTER_AUTH_SECRET).toBe(first.childEnv.BETTER_AUTH_SECRET);
  });

  it("lets the environment win and generates nothing in production", () => {
    const dir = dataDir();
    const plan = planSystem(
      { DATA_DIR: dir, JWT_SECRET: "j".repeat(40), BETTER_AUTH_URL: "https://auth.example.com" },
      "/repo",
    );
    expect(plan.childEnv.JWT_SECRET).toBe("j".repeat(40));
    expect(plan.childEnv.BETTER_AUTH_URL).toBe("https://auth.example.com");
    const prodDir = dataDir();
    const prod = planSystem({ DATA_DIR: prodDir, NODE_ENV: "production" }, "/repo");
    expect(prod.childEnv.JWT_SECRET).toBeUndefined();
    expect(existsSync(join(prodDir, "dev-secrets.json"))).toBe(false);
  });

  it("pins relative DATA_DIR and INDEX_PATH to the repository root", () => {
    const root = dataDir();
    const plan = planSystem({ DATA_DIR: "state", INDEX_PATH: "state/idx.sqlite" }, root);
    expect(plan.childEnv.DATA_DIR).toBe(join(root, "state"));
    expect(plan.childEnv.INDEX_PATH).toBe(join(root, "state/idx.sqlite"));
    expect(JSON.parse(readFileSync(join(root, "state/dev-secrets.json"), "utf8"))).toHaveProperty(
      "JWT_SECRET",
    );
  });

  it("refuses a bad or clashing port with a message naming it", () => {
    expect(() => planSystem({ DATA_DIR: dataDir(), API_SERVER_PORT: "http" }, "/repo")).toThrow(
      new PlanError("Invalid configuration: API_SERVER_PORT: not a TCP port"),
    );
    expect(() => planSystem({ DATA_DIR: dataDir(), BOOK_PORT: "8000" }, "/repo")).toThrow(/must differ/);
  });
});
