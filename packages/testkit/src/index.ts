// Test helpers shared by every suite: temp dirs, ports, waiting, owned Redis / PostgreSQL, log capture, stubs for OpenAI and Qdrant.
export * from "./capture-logs.ts";
export * from "./free-port.ts";
export * from "./openai-stub.ts";
export * from "./owned-redis.ts";
export * from "./pg-cluster.ts";
export * from "./pg-database.ts";
export * from "./qdrant-api.ts";
export * from "./qdrant-stub.ts";
export * from "./service-process.ts";
export * from "./skips.ts";
export * from "./source-address.ts";
export * from "./system.ts";
export * from "./temp-dir.ts";
export * from "./wait.ts";
