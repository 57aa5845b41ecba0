// Public surface of @ai-book/runtime: what both services need to start, apart from HTTP — configuration, dev secrets, paths.
export * from "./config.ts";
export * from "./dev-secrets.ts";
export * from "./paths.ts";
