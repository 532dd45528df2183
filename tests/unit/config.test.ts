import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("configuration", () => {
  it("defaults to PGlite in ./data on port 4000", () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.database).toEqual({ kind: "pglite", dataDir: expect.stringMatching(/\/data$/) });
    expect(config.auth.isDevelopmentKey).toBe(true);
  });

  it("uses PostgreSQL when DATABASE_URL is set", () => {
    const config = loadConfig({ DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gerbang", PORT: "4100" });
    expect(config.database).toEqual({ kind: "postgres", url: "postgresql://postgres@127.0.0.1:5432/gerbang" });
    expect(config.port).toBe(4100);
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

  it("requires real keys in production and has no development key there", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET.*AUDIT_HMAC_KEY/);
    const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: "s".repeat(40), AUDIT_HMAC_KEY: "k".repeat(40) });
    expect(config.auth.isDevelopmentKey).toBe(false);
    expect(config.auth.secret).toBe("s".repeat(40));
  });
});
