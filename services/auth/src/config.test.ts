// loadConfig: defaults, one-line refusals naming the variable, and development secrets kept in DATA_DIR.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, DEV_SECRETS_FILE } from "@ai-book/runtime";
import { tempDir } from "@ai-book/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS, durationToSeconds, loadConfig } from "./config.ts";

const STRONG = "s".repeat(32);
const dirs: Array<{ cleanup: () => void }> = [];
function dataDir(): string {
  const d = tempDir("ai-book-auth-config-");
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("loadConfig accepted the environment");
}

describe("loadConfig", () => {
  it("has the documented defaults", () => {
    const dir = dataDir();
    const c = loadConfig({ DATA_DIR: dir, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: STRONG });
    expect(c).toMatchObject({
      nodeEnv: "development",
      port: 3001,
      host: "0.0.0.0",
      databaseUrl: undefined,
      pgliteDir: join(dir, "auth"),
      baseUrl: "http://localhost:3001",
      jwtAlgorithm: "HS256",
      jwtExpiresInS: 15 * 60,
      revocationDbPath: join(dir, "revocations.sqlite"),
      corsOrigins: ["http://localhost:3000"],
      redisUrl: undefined,
      trustProxy: 0,
      logLevel: "info",
      rateLimit: DEFAULT_RATE_LIMITS,
      warnings: [],
    });
    expect(c.rateLimit.rules["/sign-in/email"]).toEqual({ window: 900, max: 5 });
  });

  it("parses the architecture's variables and ours", () => {
    const c = loadConfig({
      NODE_ENV: "production",
      AUTH_SERVER_PORT: "4001",
      AUTH_SERVER_HOST: "127.0.0.1",
      DATABASE_URL: "postgres://u@db:5432/auth",
      BETTER_AUTH_SECRET: STRONG,
      BETTER_AUTH_URL: "https://auth.example.com/",
      JWT_SECRET: "j".repeat(32),
      JWT_ISSUER: "https://auth.staging.example.com",
      JWT_AUDIENCE: "staging-api",
      SESSION_MAX_AGE: "2d",
      JWT_ALGORITHM: "EdDSA",
      JWT_EXPIRES_IN: "12h",
      CORS_ORIGINS: "https://book.example.com, http://localhost:3000/",
      REDIS_URL: "redis://cache:6379",
      TRUST_PROXY: "2",
      LOG_LEVEL: "warn",
    });
    expect(c).toMatchObject({
      port: 4001,
      host: "127.0.0.1",
      databaseUrl: "postgres://u@db:5432/auth",
      pgliteDir: undefined,
      baseUrl: "https://auth.example.com",
      jwtAlgorithm: "EdDSA",
      jwtExpiresInS: 12 * 3600,
      jwtIssuer: "https://auth.staging.example.com",
      jwtAudience: "staging-api",
      sessionMaxAgeS: 2 * 86_400,
      corsOrigins: ["https://book.example.com", "http://localhost:3000"],
      redisUrl: "redis://cache:6379",
      trustProxy: 2,
      logLevel: "warn",
    });
  });

  it("refuses to start in production without strong secrets, naming the variable", () => {
    const base = { NODE_ENV: "production", DATA_DIR: dataDir() };
    expect(refusal({ ...base, JWT_SECRET: STRONG })).toMatch(/BETTER_AUTH_SECRET/);
    expect(refusal({ ...base, BETTER_AUTH_SECRET: STRONG })).toMatch(/JWT_SECRET/);
    expect(refusal({ ...base, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: "short" })).toMatch(/JWT_SECRET.*32/);
    expect(refusal({ ...base, BETTER_AUTH_SECRET: "", JWT_SECRET: STRONG })).toMatch(/BETTER_AUTH_SECRET/);
    // Issue 19, finding 12: one leaked value must not give both keys.
    expect(refusal({ ...base, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: STRONG })).toMatch(
      /JWT_SECRET: must differ from BETTER_AUTH_SECRET/,
    );
    // The refusal never echoes the value.
    expect(refusal({ ...base, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: "hunter2-secret" })).not.toContain(
      "hunter2",
    );
  });

  it("refuses long-lived tokens in production without a revocation path (issue 19, finding 1)", () => {
    const base = {
      NODE_ENV: "production",
      DATA_DIR: dataDir(),
      BETTER_AUTH_SECRET: STRONG,
      JWT_SECRET: "t".repeat(32),
    };
    const message = refusal({ ...base, JWT_EXPIRES_IN: "16m" });
    expect(message).toMatch(/JWT_EXPIRES_IN/);
    expect(message).toMatch(/REDIS_URL/);
    expect(message).toMatch(/REVOCATION_DB_PATH/);
    // The default file does not count in production (the api-service may never read it); an explicit one does.
    expect(refusal({ ...base, JWT_EXPIRES_IN: "7d", REVOCATION_DB_PATH: "off" })).toMatch(
      /REVOCATION_DB_PATH/,
    );
    expect(loadConfig({ ...base, JWT_EXPIRES_IN: "15m" }).jwtExpiresInS).toBe(900);
    expect(loadConfig({ ...base, JWT_EXPIRES_IN: "7d", REDIS_URL: "redis://cache:6379" }).jwtExpiresInS).toBe(
      604_800,
    );
    const shared = loadConfig({
      ...base,
      JWT_EXPIRES_IN: "1h",
      REVOCATION_DB_PATH: "/srv/shared/revocations.sqlite",
    });
    expect(shared.revocationDbPath).toBe("/srv/shared/revocations.sqlite");
    expect(loadConfig({ ...base, REVOCATION_DB_PATH: "off" }).revocationDbPath).toBeUndefined();
  });

  it("refuses bad values with one line naming the variable", () => {
    const d = dataDir();
    const ok = { DATA_DIR: d, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: STRONG };
    expect(refusal({ ...ok, AUTH_SERVER_PORT: "http" })).toMatch(/AUTH_SERVER_PORT/);
    expect(refusal({ ...ok, JWT_ALGORITHM: "none" })).toMatch(/JWT_ALGORITHM/);
    expect(refusal({ ...ok, JWT_EXPIRES_IN: "forever" })).toMatch(/JWT_EXPIRES_IN/);
    expect(refusal({ ...ok, DATABASE_URL: "mysql://x" })).toMatch(/DATABASE_URL/);
    expect(refusal({ ...ok, CORS_ORIGINS: "not a url" })).toMatch(/CORS_ORIGINS/);
    expect(refusal({ ...ok, REDIS_URL: "localhost:6379" })).toMatch(/REDIS_URL/);
    expect(refusal({ ...ok, TRUST_PROXY: "-1" })).toMatch(/TRUST_PROXY/);
    expect(refusal({ ...ok, ACCESS_TOKEN_TTL: "soon" })).toMatch(/ACCESS_TOKEN_TTL/);
    expect(refusal({ ...ok, ADMIN_EMAILS: "ada@example.com, not-an-email" })).toMatch(/ADMIN_EMAILS/);
    expect(refusal({ ...ok, AUDIT_RETENTION_DAYS: "0" })).toMatch(/AUDIT_RETENTION_DAYS/);
  });

  it("reads the access settings: short access tokens, admin emails (lower-cased), audit retention", () => {
    const d = dataDir();
    const ok = { DATA_DIR: d, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: STRONG };
    const defaults = loadConfig(ok);
    expect(defaults).toMatchObject({ accessTokenTtlS: 900, adminEmails: [], auditRetentionDays: 365 });
    const set = loadConfig({
      ...ok,
      ACCESS_TOKEN_TTL: "5m",
      ADMIN_EMAILS: " Ada@Example.com ,bob@example.org,",
      AUDIT_RETENTION_DAYS: "30",
    });
    expect(set).toMatchObject({
      accessTokenTtlS: 300,
      adminEmails: ["ada@example.com", "bob@example.org"],
      auditRetentionDays: 30,
    });
  });

  it("generates development secrets once into DATA_DIR, with a warning", () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    expect(existsSync(join(dir, DEV_SECRETS_FILE))).toBe(true);
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.betterAuthSecret).not.toBe(first.jwtSecret);
    expect(first.warnings.join("\n")).toMatch(/JWT_SECRET is not set/);
    expect(first.warnings.join("\n")).not.toContain(first.jwtSecret);
    const second = loadConfig({ DATA_DIR: dir });
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.betterAuthSecret).toBe(first.betterAuthSecret);
    // An explicit secret wins over the stored one.
    expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: STRONG }).jwtSecret).toBe(STRONG);
  });

  it("reads durations like the jwt plugin does", () => {
    expect(durationToSeconds("7d")).toBe(604_800);
    expect(durationToSeconds("90m")).toBe(5_400);
    expect(durationToSeconds("3600")).toBe(3_600);
    expect(() => durationToSeconds("0")).toThrow();
  });

  it("reads the account settings: mail, verification, providers (issue 13)", () => {
    const dir = dataDir();
    const base = { DATA_DIR: dir, BETTER_AUTH_SECRET: STRONG, JWT_SECRET: STRONG };
    expect(loadConfig(base).accounts).toEqual({
      smtpUrl: undefined,
      mailFrom: "ai-book <no-reply@localhost>",
      mailDir: join(dir, "mail"),
      requireEmailVerification: false,
      google: undefined,
      github: undefined,
      oidc: undefined,
    });
    const full = loadConfig({
      ...base,
      SMTP_URL: "smtps://u:p@mail.example.com:465",
      REQUIRE_EMAIL_VERIFICATION: "true",
      GITHUB_CLIENT_ID: "gh",
      GITHUB_CLIENT_SECRET: "gh-secret",
      OIDC_ISSUER_URL: "https://idp.school.example/realms/pupils/",
      OIDC_CLIENT_ID: "book",
      OIDC_CLIENT_SECRET: "book-secret",
    }).accounts;
    expect(full).toMatchObject({
      smtpUrl: "smtps://u:p@mail.example.com:465",
      requireEmailVerification: true,
      github: { clientId: "gh", clientSecret: "gh-secret" },
      oidc: {
        issuerUrl: "https://idp.school.example/realms/pupils",
        clientId: "book",
        name: "School account",
      },
    });
    expect(refusal({ ...base, SMTP_URL: "http://mail.example.com" })).toMatch(/SMTP_URL/);
    expect(refusal({ ...base, REQUIRE_EMAIL_VERIFICATION: "maybe" })).toMatch(/REQUIRE_EMAIL_VERIFICATION/);
    expect(refusal({ ...base, GOOGLE_CLIENT_ID: "only-the-id" })).toMatch(
      /GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/,
    );
    expect(refusal({ ...base, OIDC_CLIENT_ID: "a", OIDC_CLIENT_SECRET: "b" })).toMatch(/OIDC_ISSUER_URL/);
    // Secrets never appear in the refusal.
    expect(refusal({ ...base, GITHUB_CLIENT_SECRET: "gh-secret-value" })).not.toContain("gh-secret-value");
  });
});
