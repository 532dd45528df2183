// `gerbang token` as a newcomer runs it: against a seeded PGlite data directory, and against the same
// directory while a gateway holds it (the README's order: npm start, then get a token). A token that
// could not work is refused with the fix; one that works is issued and is accepted by that gateway.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../src/config.ts";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrator.ts";
import { seed } from "../../src/db/seed.ts";
import { openEmptyPostgres } from "../support/db.ts";

const ENV = { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent" };

function gerbang(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ["bin/gerbang.js", ...args], {
    env: { ...ENV, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("gerbang token", () => {
  let tmp: string;
  /** A migrated PGlite data directory seeded with the demo regions and agencies. */
  let env: Record<string, string>;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-token-"));
    const dataDir = path.join(tmp, "data");
    const db = await openDatabase({ kind: "pglite", dataDir });
    try {
      await applyMigrations(db);
      await seed(db.prisma, { citizens: 10 });
    } finally {
      await db.close();
    }
    env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
  });
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses an unknown role, naming the roles of policies/", () => {
    const res = gerbang(["token", "--role", "nonsense"], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/unknown role "nonsense": the roles in policies\/ are admin, agency_app, archivist,/);
  });

  it("refuses a role without the region or agency its rows need, naming seeded codes", () => {
    const res = gerbang(["token", "--role", "tax_officer"], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /tax_officer sees Citizen rows by region: add --region 32\.01 \(a code from the Region table, e\.g\. 32\.01 Kabupaten Bogor/,
    );
    expect(res.stderr).toMatch(
      /tax_officer sees TaxRecord rows of its own agency: add --agency CODE \(a code from the Agency table; in 32\.01: BAPENDA-3201, .*DUKCAPIL-3201\)/,
    );
  });

  it("refuses a region or agency code the database does not have", () => {
    const res = gerbang(["token", "--role", "tax_officer", "--region", "99.99", "--agency", "NOPE-9999"], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /--region 99\.99 is not in the Region table: use a code from it, e\.g\. 32\.01 Kabupaten Bogor/,
    );
    expect(res.stderr).toMatch(
      /--agency NOPE-9999 is not in the Agency table: use a code from it; in 32\.01: BAPENDA-3201/,
    );
  });

  it("issues a token that can work, with the claims and subject asked for", () => {
    const res = gerbang(
      [
        "token",
        "--role",
        "tax_officer",
        "--region",
        "32.01",
        "--agency",
        "BAPENDA-3201",
        "--subject",
        "199001012020011001",
      ],
      env,
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(decodeJwt(res.stdout)).toMatchObject({
      role: "tax_officer",
      region: "32.01",
      agency: "BAPENDA-3201",
      sub: "199001012020011001",
    });
  });

  it("issues a token without a database yet, saying its codes were not checked", () => {
    const res = gerbang(["token", "--role", "front_office", "--region", "32.01"], {
      DATA_DIR: path.join(tmp, "none"),
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.stderr).toMatch(/note: --region 32\.01 not checked: there is no database in .*none yet/);
    expect(fs.existsSync(path.join(tmp, "none"))).toBe(false);
  });

  describe("while a gateway holds the data directory", () => {
    let server: ChildProcess;

    beforeAll(async () => {
      server = spawn(process.execPath, ["bin/gerbang.js", "serve"], {
        env: { ...ENV, ...env, LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      await new Promise<void>((resolve, reject) => {
        server.stdout?.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("gerbang ready")) resolve();
        });
        server.stderr?.on("data", (chunk: Buffer) => {
          output += chunk.toString();
        });
        server.once("exit", (code) => reject(new Error(`gerbang serve exited with ${code}: ${output}`)));
      });
    });
    afterAll(async () => {
      if (server?.exitCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
      }
    });

    it("checks the codes with the running gateway, and the token it issues works there", async () => {
      const refused = gerbang(["token", "--role", "front_office", "--region", "99.99"], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/--region 99\.99 is not in the Region table: use a code from it, e\.g\. 32\.01/);

      const issued = gerbang(["token", "--role", "front_office", "--region", "32.01"], env);
      expect(issued.stderr).toBe("");
      expect(issued.code).toBe(0);
      const res = await fetch(`http://127.0.0.1:${env.PORT}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${issued.stdout}` },
        body: JSON.stringify({ query: "{ citizens(first: 1) { totalCount } }" }),
      });
      const body = (await res.json()) as { data?: { citizens: { totalCount: number } } };
      expect(body.data?.citizens.totalCount).toBeGreaterThan(0);
    });

    it("refuses when the running gateway does not accept tokens signed with this key", () => {
      const res = gerbang(["token", "--role", "front_office", "--region", "32.01"], {
        ...env,
        JWT_SECRET: "another-development-key-of-32-characters",
      });
      expect(res.code).toBe(1);
      expect(res.stdout).toBe("");
      expect(res.stderr).toMatch(/refuses tokens signed here .*JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE/);
    });
  });
});

describe.skipIf(!testDatabaseUrl())("gerbang token on PostgreSQL", () => {
  let db: Database & { url: string };

  beforeAll(async () => {
    db = await openEmptyPostgres();
    await applyMigrations(db);
    await seed(db.prisma, { citizens: 10 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it("checks the codes in DATABASE_URL", () => {
    const pgEnv = { DATABASE_URL: db.url };
    const refused = gerbang(["token", "--role", "finance_officer", "--agency", "NOPE-9999"], pgEnv);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--agency NOPE-9999 is not in the Agency table: use a code from it; in 32\.01: /);
    const issued = gerbang(["token", "--role", "finance_officer", "--agency", "BPKAD-3201"], pgEnv);
    expect(issued.stderr).toBe("");
    expect(issued.code).toBe(0);
  });
});
