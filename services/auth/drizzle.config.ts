// drizzle-kit configuration: `npx drizzle-kit generate` writes SQL migrations for the auth schema into ./drizzle.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
});
