// Public surface of @ai-book/contracts: the zod schemas both services and the web client share.
export * from "./auth.ts";
export * from "./chapters.ts";
export * from "./chat.ts";
export * from "./conversations.ts";
export * from "./errors.ts";
export * from "./jwt-claims.ts";
export * from "./profile.ts";
