// The processes of the system and how each is started: one definition shared by start.ts, the Dockerfile and its tests.

/**
 * How a service runs: plain Node on the bundle `npm run build` makes (scripts/build.ts), from the service's own
 * folder, with stack traces mapped back to the TypeScript. One process per service, so signals reach the server
 * itself. The Dockerfile's CMD is this same argv.
 */
export const SERVICE_START_ARGS = ["--enable-source-maps", "dist/main.mjs"] as const;

/** The ingest CLI (issue 4), run from services/api; the docs folder is an optional trailing argument. */
export const INGEST_ARGS = ["--enable-source-maps", "dist/ingest.mjs"] as const;

export interface ServiceDefinition {
  /** Name used in logs, compose and health bodies. */
  name: "auth-service" | "api-service";
  /** Short prefix for its output lines. */
  label: string;
  /** Workspace folder relative to the repository root. */
  dir: string;
  /** Environment variable holding its port, and the architecture's default. */
  portVar: "AUTH_SERVER_PORT" | "API_SERVER_PORT";
  defaultPort: number;
  /** Environment variable holding its listen address. */
  hostVar: "AUTH_SERVER_HOST" | "API_SERVER_HOST";
}

export const AUTH_SERVICE: ServiceDefinition = {
  name: "auth-service",
  label: "auth",
  dir: "services/auth",
  portVar: "AUTH_SERVER_PORT",
  defaultPort: 3001,
  hostVar: "AUTH_SERVER_HOST",
};

export const API_SERVICE: ServiceDefinition = {
  name: "api-service",
  label: "api",
  dir: "services/api",
  portVar: "API_SERVER_PORT",
  defaultPort: 8000,
  hostVar: "API_SERVER_HOST",
};

export const SERVICES = [AUTH_SERVICE, API_SERVICE] as const;

/** The Docusaurus site of issue 6. */
export const BOOK_DIR = "book";
export const BOOK_DEFAULT_PORT = 3000;
