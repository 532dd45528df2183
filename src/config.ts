// The only module that reads process.env. Everything is parsed and checked once, and every problem
// is reported together so an operator fixes the environment in one go.
import path from "node:path";
import { z } from "zod";

const DEV_JWT_SECRET = "gerbang-development-key-not-for-production-use-0000";

const Env = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default("0.0.0.0"),
  /** PostgreSQL URL; absent means the embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || isPostgresUrl(v), {
      message: "must be a postgres:// or postgresql:// URL, e.g. postgresql://user@127.0.0.1:5432/gerbang",
    }),
  DATA_DIR: z.string().min(1).default("./data"),
  /** Expected `iss` of user tokens. */
  JWT_ISSUER: z.string().min(1).default("gerbang-dev"),
  /** Expected `aud` of every token. */
  JWT_AUDIENCE: z.string().min(1).default("gerbang"),
  /** HMAC key (HS256) for user tokens; in development a fixed local key is used when absent. */
  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** PEM public key (RS256/ES256) of the identity provider, instead of JWT_SECRET or JWKS. */
  JWT_PUBLIC_KEY: z.string().optional(),
  /** JWKS URL of the identity provider. */
  JWT_JWKS_URL: z.string().url().optional(),
  /** Key for the audit chain and keyed hashes of sensitive values. */
  AUDIT_HMAC_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** Directory of the policy files. */
  POLICY_DIR: z.string().min(1).default("./policies"),
});

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export type DatabaseTarget = { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string };

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  database: DatabaseTarget;
  auth: {
    issuer: string;
    audience: string;
    /** Symmetric key for HS256 tokens, if configured (or the development key outside production). */
    secret: string | undefined;
    publicKeyPem: string | undefined;
    jwksUrl: string | undefined;
    /** True when `secret` is the built-in development key: `gerbang token` may sign with it. */
    isDevelopmentKey: boolean;
  };
  auditKey: string;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  policyDir: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses an environment (process.env by default). Throws ConfigError listing every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const problems: string[] = [];
  if (production && !e.JWT_SECRET && !e.JWT_PUBLIC_KEY && !e.JWT_JWKS_URL) {
    problems.push("one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL is required in production");
  }
  if (production && !e.AUDIT_HMAC_KEY) problems.push("AUDIT_HMAC_KEY is required in production");
  if (problems.length > 0) throw new ConfigError(`Invalid environment: ${problems.join("; ")}`);

  const useDevKey = !production && !e.JWT_SECRET && !e.JWT_PUBLIC_KEY && !e.JWT_JWKS_URL;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL }
      : { kind: "pglite", dataDir: path.resolve(e.DATA_DIR) },
    auth: {
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      secret: e.JWT_SECRET ?? (useDevKey ? DEV_JWT_SECRET : undefined),
      publicKeyPem: e.JWT_PUBLIC_KEY,
      jwksUrl: e.JWT_JWKS_URL,
      isDevelopmentKey: useDevKey,
    },
    auditKey: e.AUDIT_HMAC_KEY ?? "gerbang-development-audit-key-not-for-production",
    logLevel: e.LOG_LEVEL,
    policyDir: path.resolve(e.POLICY_DIR),
  };
}

/** The test database URL, when the PostgreSQL variant of the database tests should run. */
export function testDatabaseUrl(source: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = source.TEST_DATABASE_URL;
  return url && isPostgresUrl(url) ? url : undefined;
}
