// The command line as an operator meets it: one-line failures with exit code 1 for a bad
// environment or an unreachable database, a PostgreSQL server that is behind the migrations
// refused with the command to run, help on every command.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../src/config.ts";

/** How many migrations prisma/migrations holds: a fresh database is behind by all of them. */
const MIGRATIONS = fs
  .readdirSync(new URL("../../prisma/migrations", import.meta.url))
  .filter((name) => /^\d{14}_/.test(name)).length;

function gerbang(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["bin/gerbang.js", ...args], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("gerbang CLI", () => {
  it("lists its commands, and every command has help", () => {
    const top = gerbang(["--help"]);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1] as string);
    expect(commands).toEqual(
      expect.arrayContaining(["serve", "migrate", "seed", "token", "policy", "audit", "schema"]),
    );
    for (const command of commands) {
      const help = gerbang([command, "--help"]);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/^Usage: gerbang /m);
    }
  });

  it("refuses an unknown command or option with a usage message", () => {
    expect(gerbang(["launch"]).code).toBe(1);
    const bad = gerbang(["token", "--rol", "admin"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Unknown option '--rol'/);
  });

  it("stops on a malformed DATABASE_URL with one line and exit code 1", () => {
    const res = gerbang(["serve"], { DATABASE_URL: "mysql://root@localhost/x", PORT: "0" });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/DATABASE_URL: must be a postgres/);
  });

  it("stops when the database cannot be reached, without a stack trace", () => {
    const res = gerbang(["serve"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none", PORT: "0" });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/cannot connect to PostgreSQL at 127\.0\.0\.1:1\/none/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("prints a development token, and refuses to in production", () => {
    const dev = gerbang(["token", "--role", "front_office", "--region", "32.01"]);
    expect(dev.code).toBe(0);
    expect(dev.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const prod = gerbang(["token", "--role", "admin"], {
      NODE_ENV: "production",
      JWT_SECRET: "s".repeat(40),
      AUDIT_HMAC_KEY: "k".repeat(40),
    });
    expect(prod.code).toBe(1);
    expect(prod.stderr).toMatch(/disabled when NODE_ENV=production/);
  });

  it("checks the policies and prints the matrix for reviewers", () => {
    expect(gerbang(["policy", "check"]).stdout).toMatch(/policies OK: 10 roles/);
    const md = gerbang(["policy", "matrix"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^\| field \| admin \| agency_app \|/);
    expect(md.stdout).toMatch(/\| Citizen\.nik \| denied \| denied \| masked \(nik\) \|/);
    // Masks are judged together: per role, the parts of each maskable value it learns and those hidden.
    expect(md.stdout).toMatch(
      /\| Citizen\.nik \(parts known\) \|.*\| knows district, birth year, day and month of birth, sex; hidden: NIK serial/,
    );
    expect(md.stdout).toMatch(/^- Masks are judged together, per role/m);
    expect(md.stdout).toMatch(/^- Masker birthYear \(MaskableDate\): .*`1990-\*\*-\*\*`/m);
    const html = gerbang(["policy", "matrix", "--format", "html"]);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(gerbang(["policy", "matrix", "--format", "pdf"]).code).toBe(1);
  });

  it("says the committed schema is current", () => {
    const res = gerbang(["schema", "check"]);
    expect(res.stdout + res.stderr).toMatch(/up to date/);
    expect(res.code).toBe(0);
  });

  describe.skipIf(!testDatabaseUrl())("on PostgreSQL", () => {
    it("refuses to serve a database that is behind the migrations, naming the command; migrate fixes it", async () => {
      const admin = testDatabaseUrl() as string;
      const name = `gerbang_cli_${randomBytes(5).toString("hex")}`;
      const run = async (sql: string) => {
        const client = new pg.Client({ connectionString: admin });
        await client.connect();
        await client.query(sql).finally(() => client.end());
      };
      await run(`CREATE DATABASE "${name}"`);
      try {
        const url = new URL(admin);
        url.pathname = `/${name}`;
        const env = { DATABASE_URL: url.toString(), PORT: "0" };
        const refused = gerbang(["serve"], env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(
          new RegExp(`behind the migrations \\(${MIGRATIONS} pending migration\\(s\\).*npx gerbang migrate`),
        );
        const status = gerbang(["migrate", "status"], env);
        expect(status.code).toBe(1);
        expect(status.stdout).toMatch(`0 applied, ${MIGRATIONS} pending`);
        const migrated = gerbang(["migrate"], env);
        expect(migrated.code, migrated.stderr).toBe(0);
        expect(migrated.stdout).toMatch(`Applied ${MIGRATIONS}`);
        expect(migrated.stdout).toMatch(
          /^Runtime role gerbang_runtime( \(created now[^)]*\))?: privileges set on \d+ tables\.$/m,
        );
        expect(gerbang(["migrate"], env).stdout).toMatch(/Already up to date/);
        expect(gerbang(["migrate", "status"], env).code).toBe(0);
        expect(gerbang(["audit", "verify"], env).stdout).toMatch(/^intact: 0 entries/);
      } finally {
        await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    });
  });
});
