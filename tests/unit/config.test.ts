import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEV_KEY_FILE } from "../../src/audit/dev-key.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/database.ts";

describe("configuration", () => {
  it("defaults to PGlite in ./data on port 4000 of the loopback interface", () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe("127.0.0.1");
    expect(config.database).toEqual({ kind: "pglite", dataDir: expect.stringMatching(/\/data$/) });
    expect(config.auth.isDevelopmentKey).toBe(true);
  });

  it("uses PostgreSQL when DATABASE_URL is set", () => {
    const config = loadConfig({ DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gerbang", PORT: "4100" });
    expect(config.database).toEqual({ kind: "postgres", url: "postgresql://postgres@127.0.0.1:5432/gerbang" });
    expect(config.port).toBe(4100);
  });

  it("migrates as the owner (MIGRATION_DATABASE_URL) and serves as the runtime role (DATABASE_URL)", () => {
    const runtime = "postgresql://gerbang_runtime@127.0.0.1:5432/gerbang";
    const owner = "postgresql://gerbang_owner@127.0.0.1:5432/gerbang";
    const split = loadConfig({ DATABASE_URL: runtime, MIGRATION_DATABASE_URL: owner });
    expect(split.database).toEqual({ kind: "postgres", url: runtime });
    expect(split.migrationDatabase).toEqual({ kind: "postgres", url: owner });
    expect(split.runtimeRole).toBe("gerbang_runtime");
    // One URL for both, as in development; and PGlite migrates where it serves.
    expect(loadConfig({ DATABASE_URL: owner }).migrationDatabase).toEqual({ kind: "postgres", url: owner });
    expect(loadConfig({}).migrationDatabase).toEqual(loadConfig({}).database);
    expect(loadConfig({ DATABASE_RUNTIME_ROLE: "gateway_app" }).runtimeRole).toBe("gateway_app");
    expect(() => loadConfig({ DATABASE_RUNTIME_ROLE: 'x"; DROP ROLE postgres; --' })).toThrow(
      /DATABASE_RUNTIME_ROLE: must be a lowercase PostgreSQL role name/,
    );
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: owner })).toThrow(/MIGRATION_DATABASE_URL needs DATABASE_URL/);
  });

  it("reports every problem at once, in one message", () => {
    let message = "";
    try {
      loadConfig({ DATABASE_URL: "mysql://x", PORT: "port", NODE_ENV: "staging" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL: must be a postgres/);
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/NODE_ENV/);
    expect(message.split("\n")).toHaveLength(1);
  });

  it("gives a development install its own random audit key, made 0600 in DATA_DIR on first use", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-devkey-"));
    try {
      const dataDir = path.join(tmp, "data");
      const config = loadConfig({ DATA_DIR: dataDir });
      expect(fs.existsSync(dataDir)).toBe(false); // parsing the environment writes nothing
      const key = config.auditKey;
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      const file = path.join(dataDir, DEV_KEY_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(loadConfig({ DATA_DIR: dataDir }).auditKey).toBe(key);
      expect(loadConfig({ DATA_DIR: path.join(tmp, "other") }).auditKey).not.toBe(key);
      expect(loadConfig({ DATA_DIR: dataDir, AUDIT_HMAC_KEY: "k".repeat(40) }).auditKey).toBe("k".repeat(40));
      // A data directory holding only the key is still a new one: PGlite is made in it.
      const db = await openDatabase({ kind: "pglite", dataDir });
      try {
        expect(await db.query<{ n: number }>(`select 1 as n`)).toEqual([{ n: 1 }]);
      } finally {
        await db.close();
      }
      expect(fs.readFileSync(file, "utf8").trim()).toBe(key);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("anchors seals in AUDIT_ANCHOR_DIR (./anchors) under INSTANCE_ID (the host name)", () => {
    expect(loadConfig({}).anchors).toEqual({ dir: path.resolve("anchors"), instance: expect.any(String) });
    expect(loadConfig({ AUDIT_ANCHOR_DIR: "/srv/anchors", INSTANCE_ID: "gw-1" }).anchors).toEqual({
      dir: "/srv/anchors",
      instance: "gw-1",
    });
    expect(() => loadConfig({ INSTANCE_ID: "../etc" })).toThrow(/INSTANCE_ID/);
  });

  it("requires real keys in production and has no development key there", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET.*AUDIT_HMAC_KEY/);
    const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(40), AUDIT_HMAC_KEY: "k".repeat(40) });
    expect(config.auth.isDevelopmentKey).toBe(false);
    expect(config.auth.secret).toBe("s".repeat(40));
  });

  it("exposes nothing at the edge in production unless configured, and keeps development convenient", () => {
    const keys = { JWT_SECRET: "s".repeat(40), AUDIT_HMAC_KEY: "k".repeat(40) };
    const production = loadConfig({ NODE_ENV: "production", ...keys });
    expect(production.edge).toEqual({ corsOrigins: [], introspectionRoles: ["admin"], trustedProxies: [] });
    expect(production.auth).toMatchObject({ maxLifetimeSeconds: 12 * 3600, clockSkewSeconds: 60 });
    expect(loadConfig({}).edge).toEqual({ corsOrigins: "*", introspectionRoles: "*", trustedProxies: [] });
    const configured = loadConfig({
      NODE_ENV: "production",
      ...keys,
      HOST: "0.0.0.0",
      CORS_ORIGINS: "https://layanan.example.go.id, http://localhost:3000",
      INTROSPECTION_ROLES: "admin,auditor",
      TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8, fd00::/8",
      JWT_MAX_LIFETIME: "8h",
      JWT_CLOCK_SKEW: "30",
    });
    expect(configured.host).toBe("0.0.0.0");
    expect(configured.edge).toEqual({
      corsOrigins: ["https://layanan.example.go.id", "http://localhost:3000"],
      introspectionRoles: ["admin", "auditor"],
      trustedProxies: ["127.0.0.1", "10.0.0.0/8", "fd00::/8"],
    });
    expect(configured.auth).toMatchObject({ maxLifetimeSeconds: 8 * 3600, clockSkewSeconds: 30 });
  });

  it("names every malformed edge setting at once, and refuses any-origin CORS in production", () => {
    let message = "";
    try {
      loadConfig({
        CORS_ORIGINS: "https://a.example/path",
        TRUSTED_PROXIES: "10.0.0.0/33, proxy.local",
        JWT_MAX_LIFETIME: "forever",
        JWT_CLOCK_SKEW: "-1",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ["CORS_ORIGINS", "TRUSTED_PROXIES", "JWT_MAX_LIFETIME", "JWT_CLOCK_SKEW"])
      expect(message).toContain(name);
    expect(() =>
      loadConfig({
        NODE_ENV: "production",
        JWT_SECRET: "s".repeat(40),
        AUDIT_HMAC_KEY: "k".repeat(40),
        CORS_ORIGINS: "*",
      }),
    ).toThrow(/CORS_ORIGINS: \* \(any origin\) is not allowed in production/);
  });

  it("monitoring: /metrics open in development, guarded or off in production; webhooks need their secret", () => {
    const prod = { NODE_ENV: "production", JWT_SECRET: "s".repeat(40), AUDIT_HMAC_KEY: "k".repeat(40) };
    expect(loadConfig({}).monitoring).toMatchObject({ enabled: true, metrics: "main", webhookUrls: [] });
    expect(loadConfig(prod).monitoring.metrics).toBe("off");
    expect(loadConfig({ ...prod, METRICS_TOKEN: "m".repeat(32) }).monitoring.metrics).toBe("main");
    expect(loadConfig({ ...prod, METRICS_PORT: "9464" }).monitoring).toMatchObject({
      metrics: "port",
      metricsPort: 9464,
    });
    expect(loadConfig({ MONITORING: "off" }).monitoring.enabled).toBe(false);
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ ALERT_WEBHOOK_URLS: "https://siem.example.go.id/hook" })).toThrow(
      /ALERT_WEBHOOK_SECRET is required/,
    );
    expect(() => loadConfig({ ALERT_WEBHOOK_URLS: "ftp://x" })).toThrow(/ALERT_WEBHOOK_URLS/);
    expect(() => loadConfig({ REDIS_URL: "localhost:6379" })).toThrow(/REDIS_URL/);
  });
});
