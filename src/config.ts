// The only module that reads process.env. Everything is parsed and checked once, and every problem
// is reported together so an operator fixes the environment in one go.
import { createHmac } from "node:crypto";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { developmentAuditKey } from "./audit/dev-key.ts";

const DEV_JWT_SECRET = "gerbang-development-key-not-for-production-use-0000";

const Env = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Loopback by default: listening publicly (HOST=0.0.0.0) is a choice, normally behind a reverse proxy. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** PostgreSQL URL; absent means the embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || isPostgresUrl(v), {
      message: "must be a postgres:// or postgresql:// URL, e.g. postgresql://user@127.0.0.1:5432/gerbang",
    }),
  /**
   * The table owner's PostgreSQL URL, for `gerbang migrate` only; absent means DATABASE_URL. With it,
   * DATABASE_URL is the gateway's own connection as DATABASE_RUNTIME_ROLE (README "Running on PostgreSQL").
   */
  MIGRATION_DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || isPostgresUrl(v), {
      message: "must be a postgres:// or postgresql:// URL of the tables' owner",
    }),
  /** The role `gerbang migrate` creates and grants what the gateway needs, and nothing that rewrites the trail. */
  DATABASE_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase PostgreSQL role name (letters, digits, _)")
    .default("gerbang_runtime"),
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
  /** Key for the audit chain and keyed hashes of sensitive values (outside production: a random key in DATA_DIR). */
  AUDIT_HMAC_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /** Where each seal is anchored (appended, fsynced): storage the database account cannot write. */
  AUDIT_ANCHOR_DIR: z.string().min(1).default("./anchors"),
  /** This instance's name in its anchor file (anchors-NAME.jsonl); the host name by default. */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 of A-Z a-z 0-9 . _ -")
    .optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** Directory of the policy files. */
  POLICY_DIR: z.string().min(1).default("./policies"),
  /** Where `gerbang backup` writes by default and where `doctor` looks for the newest verified backup. */
  BACKUP_DIR: z.string().min(1).default("./backups"),
  /** `doctor` reports a problem when the newest verified backup is older than this many hours. */
  BACKUP_MAX_AGE_HOURS: z.coerce.number().positive().default(36),
  /**
   * Lookups by a full NIK or family-card number (and registrations, which probe the same uniqueness)
   * one principal may make per window: `60/1h`, `10/5m`. Counted per gateway instance.
   */
  LOOKUP_RATE_LIMIT: z
    .string()
    .default("60/1h")
    .refine((v) => RATE.test(v.trim()), { message: "must be a count per duration such as 60/1h or 10/5m" })
    .transform((v) => {
      const [, max, n, unit] = RATE.exec(v.trim()) as RegExpExecArray;
      return { max: Number(max), windowSeconds: Number(n) * SECONDS[unit as keyof typeof SECONDS] };
    }),

  // --- The edge: what a caller on the network can reach (README "Production checklist") ---
  /** Longest token lifetime (exp − iat) accepted: `12h`, `30m`, `3600` (seconds). */
  JWT_MAX_LIFETIME: duration("12h"),
  /** How far a token's iat/nbf may lie in the future, and exp in the past (clocks differ). */
  JWT_CLOCK_SKEW: duration("60s"),
  /** Browser origins allowed to call cross-origin, comma-separated; `*` (any) outside production only. */
  CORS_ORIGINS: list(
    (o) => o === "*" || isOrigin(o),
    "must be origins such as https://app.example.go.id (scheme, host and port only), comma-separated",
  ),
  /** Roles that may introspect and get "Did you mean" suggestions; `*` = every role. */
  INTROSPECTION_ROLES: list((role) => /^[\w*-]+$/.test(role), "must be role names, comma-separated"),
  /** Proxies whose x-forwarded-for is believed: addresses or CIDR ranges, comma-separated. */
  TRUSTED_PROXIES: list(
    isAddressOrCidr,
    "must be IP addresses or CIDR ranges such as 127.0.0.1, 10.0.0.0/8, fd00::/8, comma-separated",
  ),

  // --- Monitoring and alerts (README "Monitoring and alerts") ---
  /** Also write the JSON logs to this file (appended; created with its directory). */
  LOG_FILE: z.string().min(1).optional(),
  /** `off` turns metrics, the per-request log line and alert counting off (the benchmark's baseline). */
  MONITORING: z.enum(["on", "off"]).default("on"),
  /** Serve /metrics on this port (same HOST) instead of the main port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Bearer token /metrics requires on the main port; in production /metrics needs it or METRICS_PORT. */
  METRICS_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  /** Redis for the alert windows shared by several instances; absent: PostgreSQL (or in-process on PGlite). */
  REDIS_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^rediss?:\/\/[^\s]+$/.test(v), {
      message: "must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379",
    }),
  /** Where alerts are posted (JSON, signed with ALERT_WEBHOOK_SECRET), comma-separated. */
  ALERT_WEBHOOK_URLS: list(isHttpUrl, "must be http:// or https:// URLs, comma-separated"),
  /** HMAC key of the webhook signature (x-gerbang-signature); required with ALERT_WEBHOOK_URLS. */
  ALERT_WEBHOOK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});

const DURATION = /^(\d+)([smhd]?)$/;
const RATE = /^([1-9]\d{0,6})\/([1-9]\d*)([smhd]?)$/;
const SECONDS = { "": 1, s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `30m`, `12h`, `1d` or plain seconds → seconds. */
function duration(fallback: string) {
  return z
    .string()
    .default(fallback)
    .refine((v) => DURATION.test(v.trim()), { message: "must be a duration such as 60s, 30m, 12h or 1d" })
    .transform((v) => {
      const [, n, unit] = DURATION.exec(v.trim()) as RegExpExecArray;
      return Number(n) * SECONDS[unit as keyof typeof SECONDS];
    });
}

/** A comma-separated list of valid items; undefined when the variable is not set (each mode picks its default). */
function list(valid: (item: string) => boolean, message: string) {
  const items = (v: string) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return z
    .string()
    .optional()
    .refine((v) => v === undefined || items(v).every(valid), { message })
    .transform((v) => (v === undefined ? undefined : items(v)));
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}

function isAddressOrCidr(value: string): boolean {
  const [address = "", prefix, ...rest] = value.split("/");
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

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
  /** What `gerbang migrate` connects to: the owner of the tables (MIGRATION_DATABASE_URL), else `database`. */
  migrationDatabase: DatabaseTarget;
  /** The PostgreSQL role the gateway runs as, created and granted by `gerbang migrate`. */
  runtimeRole: string;
  auth: {
    issuer: string;
    audience: string;
    /** Symmetric key for HS256 tokens, if configured (or the development key outside production). */
    secret: string | undefined;
    publicKeyPem: string | undefined;
    jwksUrl: string | undefined;
    /** True when `secret` is the built-in development key: `gerbang token` may sign with it. */
    isDevelopmentKey: boolean;
    /** Longest accepted lifetime (exp − iat), in seconds. */
    maxLifetimeSeconds: number;
    /** Tolerated clock difference for iat, nbf and exp, in seconds. */
    clockSkewSeconds: number;
  };
  /** What callers on the network can reach. */
  edge: {
    /** Origins allowed cross-origin (never with credentials); "*" = any (outside production only). */
    corsOrigins: string[] | "*";
    /** Roles that may introspect the schema and get field suggestions; "*" = every role. */
    introspectionRoles: string[] | "*";
    /** Addresses and CIDR ranges whose x-forwarded-for is believed. */
    trustedProxies: string[];
  };
  /** AUDIT_HMAC_KEY, or outside production the install's own random key (made on first use). */
  readonly auditKey: string;
  /** Where this instance anchors its seals, and under which name. */
  anchors: { dir: string; instance: string };
  /** Key of the MAC that binds a cursor to its list, ordering and caller's scope (derived from auditKey). */
  readonly cursorKey: string;
  /** Per-principal budget of lookups by a full identifier (LOOKUP_RATE_LIMIT). */
  lookupRateLimit: { max: number; windowSeconds: number };
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  policyDir: string;
  backup: { dir: string; maxAgeHours: number };
  monitoring: MonitoringConfig;
}

/** Metrics, the per-request log line, alert counting and where alerts go (README "Monitoring and alerts"). */
export interface MonitoringConfig {
  /** false: no metrics, no per-request log line, no alert counting (MONITORING=off). */
  enabled: boolean;
  /** Also write logs to this file (LOG_FILE). */
  logFile: string | undefined;
  /**
   * Where /metrics is served: `main` (the gateway's port, behind `token` when set), `port` (only on
   * METRICS_PORT), or `off` (production without METRICS_PORT or METRICS_TOKEN: never open to anyone).
   */
  metrics: "main" | "port" | "off";
  metricsPort: number | undefined;
  metricsToken: string | undefined;
  /** Shared alert windows in Redis (REDIS_URL); otherwise PostgreSQL, or in-process on PGlite. */
  redisUrl: string | undefined;
  webhookUrls: string[];
  webhookSecret: string | undefined;
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
  if (production && e.CORS_ORIGINS?.includes("*")) {
    problems.push("CORS_ORIGINS: * (any origin) is not allowed in production; list the origins");
  }
  if (e.MIGRATION_DATABASE_URL && !e.DATABASE_URL) {
    problems.push("MIGRATION_DATABASE_URL needs DATABASE_URL too (the gateway's own connection, as the runtime role)");
  }
  if (e.ALERT_WEBHOOK_URLS?.length && !e.ALERT_WEBHOOK_SECRET) {
    problems.push("ALERT_WEBHOOK_SECRET is required with ALERT_WEBHOOK_URLS (receivers check the signature)");
  }
  if (problems.length > 0) throw new ConfigError(`Invalid environment: ${problems.join("; ")}`);

  let devAuditKey: string | undefined;
  // Read (or made) only when used: parsing the environment writes nothing.
  const auditKey = () => {
    devAuditKey ??= e.AUDIT_HMAC_KEY ?? developmentAuditKey(path.resolve(e.DATA_DIR));
    return devAuditKey;
  };
  const useDevKey = !production && !e.JWT_SECRET && !e.JWT_PUBLIC_KEY && !e.JWT_JWKS_URL;
  const database: DatabaseTarget = e.DATABASE_URL
    ? { kind: "postgres", url: e.DATABASE_URL }
    : { kind: "pglite", dataDir: path.resolve(e.DATA_DIR) };
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database,
    migrationDatabase: e.MIGRATION_DATABASE_URL ? { kind: "postgres", url: e.MIGRATION_DATABASE_URL } : database,
    runtimeRole: e.DATABASE_RUNTIME_ROLE,
    auth: {
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      secret: e.JWT_SECRET ?? (useDevKey ? DEV_JWT_SECRET : undefined),
      publicKeyPem: e.JWT_PUBLIC_KEY,
      jwksUrl: e.JWT_JWKS_URL,
      isDevelopmentKey: useDevKey,
      maxLifetimeSeconds: e.JWT_MAX_LIFETIME,
      clockSkewSeconds: e.JWT_CLOCK_SKEW,
    },
    // Production exposes nothing by default; development keeps GraphiQL and local frontends working.
    edge: {
      corsOrigins: starOr(e.CORS_ORIGINS ?? (production ? [] : ["*"])),
      introspectionRoles: starOr(e.INTROSPECTION_ROLES ?? (production ? ["admin"] : ["*"])),
      trustedProxies: e.TRUSTED_PROXIES ?? [],
    },
    get auditKey() {
      return auditKey();
    },
    anchors: {
      dir: path.resolve(e.AUDIT_ANCHOR_DIR),
      instance:
        e.INSTANCE_ID ??
        os
          .hostname()
          .replace(/[^A-Za-z0-9._-]/g, "_")
          .slice(0, 64),
    },
    // Its own key, so a cursor MAC can never stand in for an audit hash or the other way round.
    get cursorKey() {
      return createHmac("sha256", auditKey()).update("gerbang cursor key v1").digest("hex");
    },
    lookupRateLimit: e.LOOKUP_RATE_LIMIT,
    logLevel: e.LOG_LEVEL,
    policyDir: path.resolve(e.POLICY_DIR),
    backup: { dir: path.resolve(e.BACKUP_DIR), maxAgeHours: e.BACKUP_MAX_AGE_HOURS },
    monitoring: {
      enabled: e.MONITORING === "on",
      logFile: e.LOG_FILE ? path.resolve(e.LOG_FILE) : undefined,
      // Development keeps /metrics open on the main port; production never serves it unguarded.
      metrics: e.METRICS_PORT !== undefined ? "port" : e.METRICS_TOKEN || !production ? "main" : "off",
      metricsPort: e.METRICS_PORT,
      metricsToken: e.METRICS_TOKEN,
      redisUrl: e.REDIS_URL || undefined,
      webhookUrls: e.ALERT_WEBHOOK_URLS ?? [],
      webhookSecret: e.ALERT_WEBHOOK_SECRET,
    },
  };
}

const starOr = (values: string[]): string[] | "*" => (values.includes("*") ? "*" : values);

/** The Redis URL of the tests that share alert windows through Redis (skipped when unset). */
export function testRedisUrl(source: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = source.TEST_REDIS_URL;
  return url && /^rediss?:\/\//.test(url) ? url : undefined;
}

/** The test database URL, when the PostgreSQL variant of the database tests should run. */
export function testDatabaseUrl(source: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = source.TEST_DATABASE_URL;
  return url && isPostgresUrl(url) ? url : undefined;
}
