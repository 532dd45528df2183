// `gerbang serve` and the database account it is given (issue 11): in production it refuses one that
// could rewrite the audit trail (a superuser, the owner of the tables, the embedded PGlite), unless
// --allow-privileged-database, which it logs as an error; in development it warns; as the runtime
// role it starts without a word about it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../src/config.ts";
import { type OwnedPostgres, openOwnedPostgres } from "../support/db.ts";
import { type ServeProcess, spawnServe } from "../support/gateway-processes.ts";

const PRODUCTION = {
  NODE_ENV: "production",
  JWT_SECRET: "production-test-secret-0123456789-abcdefghij",
  AUDIT_HMAC_KEY: "production-test-audit-key-0123456789-abcdefgh",
};
const PRIVILEGED = /can rewrite the audit trail/;

/** Starts serve, expecting it to run; returns its output so far and stops it. */
async function outputOfRunning(env: Record<string, string>, args: string[] = []): Promise<string> {
  const started = await spawnServe(env, args);
  if (!("url" in started)) throw new Error(`serve exited (${started.exitCode}):\n${started.output}`);
  const server: ServeProcess = started;
  try {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    return server.output();
  } finally {
    await server.stop();
  }
}

/** Starts serve, expecting it to refuse; returns what it printed. */
async function refusal(env: Record<string, string>): Promise<string> {
  const started = await spawnServe(env);
  if ("url" in started) {
    await started.stop();
    throw new Error(`serve started, expected a refusal:\n${started.output()}`);
  }
  expect(started.exitCode).toBe(1);
  return started.output;
}

describe.skipIf(!testDatabaseUrl())("serve and its database account (PostgreSQL)", () => {
  let pgdb: OwnedPostgres;
  beforeAll(async () => {
    pgdb = await openOwnedPostgres();
  });
  afterAll(async () => {
    await pgdb?.close();
  });

  it("refuses a superuser in production, in one line naming the fix and the override", async () => {
    const out = await refusal({ ...PRODUCTION, DATABASE_URL: pgdb.superUrl });
    expect(out.trim().split("\n")).toHaveLength(1);
    expect(out).toMatch(/^gerbang: refusing to serve in production .* a superuser/);
    expect(out).toMatch(/gerbang_runtime, created by gerbang migrate/);
    expect(out).toMatch(/--allow-privileged-database/);
  });

  it("refuses the owner of the audit tables in production", async () => {
    const out = await refusal({ ...PRODUCTION, DATABASE_URL: pgdb.ownerUrl });
    expect(out).toMatch(
      /refusing to serve in production .*owner of "AccessEntry", "AuditEntry", "AuditHead", "AuditSeal"/,
    );
  });

  it("starts as a superuser with --allow-privileged-database, logging it as an error", async () => {
    const out = await outputOfRunning({ ...PRODUCTION, DATABASE_URL: pgdb.superUrl }, ["--allow-privileged-database"]);
    const line = out.split("\n").find((l) => PRIVILEGED.test(l)) ?? "";
    expect(JSON.parse(line)).toMatchObject({
      level: "error",
      msg: expect.stringMatching(/^SECURITY: .*--allow-privileged-database/),
      problems: [expect.stringMatching(/a superuser/)],
    });
  });

  it("warns in development when connected as the owner", async () => {
    const out = await outputOfRunning({ NODE_ENV: "development", DATABASE_URL: pgdb.ownerUrl });
    const line = out.split("\n").find((l) => PRIVILEGED.test(l)) ?? "";
    expect(JSON.parse(line)).toMatchObject({ level: "warn", problems: [expect.stringMatching(/owner of/)] });
  });

  it("starts in production as the runtime role, with nothing to say about privileges", async () => {
    const out = await outputOfRunning({ ...PRODUCTION, DATABASE_URL: pgdb.runtimeUrl });
    expect(out).toMatch(/"msg":"gerbang ready"/);
    expect(out).not.toMatch(PRIVILEGED);
  });
});

describe("serve and the embedded database in production", () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-privileges-"));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("refuses PGlite in production (its superuser and files are the gateway's own)", async () => {
    const out = await refusal({ ...PRODUCTION, DATA_DIR: path.join(scratch, "data") });
    expect(out).toMatch(/refusing to serve in production .*embedded database \(PGlite\)/);
  });
});
