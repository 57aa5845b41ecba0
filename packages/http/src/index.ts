// Public surface of @ai-book/http: the Hono plumbing both services share.
export * from "./env.ts";
export * from "./errors.ts";
export * from "./logger.ts";
export * from "./middleware.ts";
export * from "./server.ts";
