// The api-service's environment: one zod schema, parsed once at start-up; a bad value stops the service.
import { join } from "node:path";
import {
  DEFAULT_TRANSLATION_LANGUAGE,
  JWT_ALGORITHMS,
  JWT_AUDIENCE,
  JWT_ISSUER,
  languageCodeSchema,
  REVOCATION_DB_FILE,
} from "@ai-book/contracts";
import { ConfigError, indexPathOf, loadOrCreateDevSecrets, parseEnv, sharedEnvShape } from "@ai-book/runtime";
import { z } from "zod";
import { DEFAULT_MAX_FILE_BYTES } from "./ingest/limits.ts";

/** Secrets shorter than this are refused in production (HS256 wants at least 256 bits). */
export const JWT_SECRET_MIN = 32;

const intFrom = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

export const configSchema = z.object({
  ...sharedEnvShape,
  /** @default 8000 */
  API_SERVER_PORT: intFrom(8000).pipe(z.number().max(65_535)),
  /** @default "0.0.0.0" */
  API_SERVER_HOST: z.string().default("0.0.0.0"),
  /** HS256 key shared with the auth-service; in development generated into DATA_DIR when unset. */
  JWT_SECRET: z.string().optional(),
  /** HS256 (shared secret) or RS256 / EdDSA (the auth-service's JWKS). @default "HS256" */
  JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default("HS256"),
  /** The only accepted `iss`: the auth-service's JWT_ISSUER. @default "auth-service" */
  JWT_ISSUER: z.string().min(1).default(JWT_ISSUER),
  /** The required `aud`: the auth-service's JWT_AUDIENCE. @default "api-service" */
  JWT_AUDIENCE: z.string().min(1).default(JWT_AUDIENCE),
  /** Base URL of the auth-service; its JWKS is <url>/api/auth/jwks. @default "http://localhost:3001" */
  AUTH_SERVICE_URL: z.string().url().default("http://localhost:3001"),
  /** When set, chunks live in Qdrant instead of the embedded SQLite index. */
  QDRANT_URL: z.string().url().optional(),
  QDRANT_API_KEY: z.string().optional(),
  /** @default "textbook_chunks" */
  QDRANT_COLLECTION: z.string().min(1).default("textbook_chunks"),
  /** Enables embeddings (dense retrieval) and LLM answers; without it the service runs offline. */
  OPENAI_API_KEY: z.string().optional(),
  /** Any OpenAI-compatible server (Ollama, vLLM, ...). @default the SDK's (api.openai.com) */
  OPENAI_BASE_URL: z.string().url().optional(),
  /** @default "text-embedding-3-small" */
  EMBEDDING_MODEL: z.string().min(1).default("text-embedding-3-small"),
  /** @default 1536 */
  EMBEDDING_DIMENSIONS: intFrom(1536, 1),
  /** Query embeddings remembered by text (about 6 kB each at 1536 dimensions); 0 turns the cache off. @default 1000 */
  EMBEDDING_CACHE_SIZE: intFrom(1000, 0),
  /** @default "gpt-4o-mini" */
  LLM_MODEL: z.string().min(1).default("gpt-4o-mini"),
  /** Per-attempt timeout of an LLM request (and the longest silence inside a stream), ms. @default 30000 */
  LLM_TIMEOUT_MS: intFrom(30_000, 100),
  /** Retries of a failed LLM request (429 / 5xx / timeout) before the extractive fallback. @default 2 */
  LLM_MAX_RETRIES: intFrom(2).pipe(z.number().max(5)),
  /** Retrieved sections that go into the prompt. @default 5 */
  RAG_TOP_K: intFrom(5, 1).pipe(z.number().max(20)),
  /**
   * Without REDIS_URL: the revocation file the auth-service writes on this host (the same path for both services);
   * "off" = no revocation check. @default "<DATA_DIR>/revocations.sqlite"
   */
  REVOCATION_DB_PATH: z.string().min(1).optional(),
  /** Prefix of the rate-limit keys in Redis (instances sharing a limit share the prefix). @default "api-rl:" */
  RATE_LIMIT_KEY_PREFIX: z.string().default("api-rl:"),
  /** Chat and search requests per reader per minute. @default 10 */
  RATE_LIMIT_PER_MINUTE: intFrom(10, 1),
  /** The embedded index file. @default "<DATA_DIR>/index.sqlite" */
  INDEX_PATH: z.string().optional(),
  /** Where the book is served; source URLs are this + the Docusaurus route. @default "http://localhost:3000" */
  BOOK_BASE_URL: z
    .string()
    .url()
    .default("http://localhost:3000")
    .transform((u) => u.replace(/\/+$/, "")),
  /**
   * PostgreSQL for the api-service's own state (conversations, feedback). Unset: an embedded SQLite file,
   * DATA_DIR/api.sqlite. Kept apart from the auth-service's DATABASE_URL so the two can live in separate databases.
   */
  API_DATABASE_URL: z
    .string()
    .url()
    .refine((u) => /^postgres(?:ql)?:\/\//.test(u), "expected a postgres:// URL")
    .optional(),
  /** Conversations untouched for longer are deleted; 0 keeps them forever. @default 180 */
  CHAT_RETENTION_DAYS: intFrom(180, 0),
  /** Admins see pseudonymous reader ids in the insights (authors never do). @default false */
  INSIGHTS_SHOW_READERS: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** LLM tokens (prompt + completion) each reader may spend per day; past it chat answers 429. 0 = no budget. @default 200000 */
  LLM_DAILY_TOKEN_BUDGET: intFrom(200_000, 0),
  /**
   * Languages "Translate this chapter" offers, comma-separated language codes; the first is the default.
   * @default "ur"
   */
  TRANSLATION_LANGUAGES: z
    .string()
    .default(DEFAULT_TRANSLATION_LANGUAGE)
    .transform((v) => [
      ...new Set(
        v
          .split(",")
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(languageCodeSchema).min(1, "name at least one language code, e.g. ur")),
  /** The language the book is written in: retrieval runs in it, and chat answers in another preferredLanguage are translated. @default "en" */
  BOOK_LANGUAGE: languageCodeSchema.default("en"),
  /** New (uncached) personalized or translated chapters each reader may request per UTC day; 0 = no limit. @default 20 */
  VARIANT_DAILY_LIMIT: intFrom(20, 0),
  /** Docs files larger than this are skipped by the ingest with a warning. @default 1048576 (1 MiB) */
  INGEST_MAX_FILE_BYTES: intFrom(DEFAULT_MAX_FILE_BYTES, 1),
  /**
   * Bearer token for GET /metrics and the detailed GET /health. Unset: open in development, closed in production.
   */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** How long SIGTERM waits for in-flight requests and streams, ms. @default 10000 */
  SHUTDOWN_GRACE_MS: intFrom(10_000),
});

export type Env = z.output<typeof configSchema>;

export type Config = Omit<Env, "JWT_SECRET" | "INDEX_PATH" | "REVOCATION_DB_PATH"> & {
  /** The embedded database file used when API_DATABASE_URL is unset. */
  apiDatabasePath: string;
  /** The shared revocation file (read when REDIS_URL is unset); undefined = off. */
  REVOCATION_DB_PATH: string | undefined;
  /** Present in HS256 mode. */
  JWT_SECRET?: string;
  INDEX_PATH: string;
  /** Where JWT_SECRET came from; "dev-file" means generated into DATA_DIR (development only). */
  jwtSecretSource: "env" | "dev-file" | "none";
  /** The JWKS URL in asymmetric mode. */
  jwksUrl: string;
  /** Problems worth a loud warning at start-up (never secret values). */
  warnings: string[];
};

/** Parses the environment and fills the derived values; throws ConfigError naming the bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = parseEnv(configSchema, env);
  const production = parsed.NODE_ENV === "production";
  let secret = parsed.JWT_SECRET;
  let source: Config["jwtSecretSource"] = secret ? "env" : "none";
  const warnings: string[] = [];
  if (parsed.JWT_ALGORITHM === "HS256") {
    if (!secret) {
      if (production) throw new ConfigError("Invalid configuration: JWT_SECRET: required in production");
      secret = loadOrCreateDevSecrets(parsed.DATA_DIR).JWT_SECRET;
      source = "dev-file";
    } else if (production && secret.length < JWT_SECRET_MIN) {
      throw new ConfigError(
        `Invalid configuration: JWT_SECRET: must be at least ${JWT_SECRET_MIN} characters`,
      );
    } else if (secret.length < JWT_SECRET_MIN) {
      warnings.push(
        `JWT_SECRET is only ${secret.length} characters: production refuses fewer than ${JWT_SECRET_MIN}; an HS256 key this short can be brute-forced offline from one token`,
      );
    }
  }
  return {
    ...parsed,
    JWT_SECRET: secret,
    INDEX_PATH: indexPathOf(parsed),
    apiDatabasePath: join(parsed.DATA_DIR, "api.sqlite"),
    REVOCATION_DB_PATH:
      parsed.REVOCATION_DB_PATH === "off"
        ? undefined
        : (parsed.REVOCATION_DB_PATH ?? join(parsed.DATA_DIR, REVOCATION_DB_FILE)),
    jwtSecretSource: source,
    jwksUrl: `${parsed.AUTH_SERVICE_URL.replace(/\/+$/, "")}/api/auth/jwks`,
    warnings,
  };
}
