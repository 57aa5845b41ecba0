// Public surface of @ai-book/http: the Hono plumbing both services share.
export * from "./config.ts";
export * from "./dev-secrets.ts";
export * from "./env.ts";
export * from "./errors.ts";
export * from "./logger.ts";
export * from "./middleware.ts";
export * from "./paths.ts";
export * from "./server.ts";
