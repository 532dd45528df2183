// Prisma 7 configuration: used by `prisma generate` only. Migrations run through the wasm schema
// engine (src/db/migrator.ts), so the native engine that the CLI would download is never needed.
import { defineConfig } from "prisma/config";

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= new URL("./scripts/no-schema-engine.sh", import.meta.url).pathname;

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
