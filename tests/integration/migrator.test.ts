// The wasm schema engine's API is internal and undocumented (see the offline-Prisma note), so deploy,
// status, create and drift are pinned here against both databases.
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, fromPglite, openPostgres } from "../../src/db/database.ts";
import {
  applyMigrations,
  checkDrift,
  createMigration,
  migrationStatus,
  type PrismaPaths,
} from "../../src/db/migrator.ts";
import { buildPgliteTemplate, copyPgliteTemplate } from "../../src/db/pglite-template.ts";
import { databaseKinds, openEmptyPostgres, openEmptyTestDatabase } from "../support/db.ts";

const PRISMA_DIR = fileURLToPath(new URL("../../prisma", import.meta.url));

/** The committed migration directory names, in order. */
async function committedMigrations(): Promise<string[]> {
  const entries = await fs.readdir(path.join(PRISMA_DIR, "migrations"), { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** A private copy of prisma/ that a test may change without touching the project's files. */
async function copyOfPrismaDir(): Promise<PrismaPaths & { root: string }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "gerbang-prisma-"));
  await fs.cp(PRISMA_DIR, root, { recursive: true });
  return { root, schema: path.join(root, "schema.prisma"), migrationsDir: path.join(root, "migrations") };
}

describe.each(databaseKinds())("applying migrations (%s)", (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openEmptyTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("reports everything pending on an empty database, applies it all once, then nothing", async () => {
    const all = await committedMigrations();
    expect(all.length).toBeGreaterThanOrEqual(2); // init + integrity at least

    expect(await migrationStatus(db)).toEqual({ pending: all, applied: [], problems: [] });
    expect(await applyMigrations(db)).toEqual(all);
    expect(await applyMigrations(db)).toEqual([]);
    expect(await migrationStatus(db)).toEqual({ pending: [], applied: all, problems: [] });
    // The tables really exist (the engine's bookkeeping alone would not prove it).
    const [row] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM "Setting"`);
    expect(Number(row?.n)).toBe(1);
  });

  it("reports an edited migration as a problem", async () => {
    const paths = await copyOfPrismaDir();
    try {
      const first = (await committedMigrations())[0] ?? "(no migrations)";
      await fs.appendFile(path.join(paths.migrationsDir, first, "migration.sql"), "\n-- edited after deploy\n");
      const status = await migrationStatus(db, paths);
      expect(status.problems).toEqual([`edited after it was applied: ${first}`]);
    } finally {
      await fs.rm(paths.root, { recursive: true, force: true });
    }
  });

  // An up-to-date database is recognised from _prisma_migrations without the engine; anything short of
  // exactly up to date must still reach the engine's diagnosis.
  it("reports a migration whose record is missing as pending, and one the directory lacks as a problem", async () => {
    const all = await committedMigrations();
    const last = all.at(-1) ?? "(no migrations)";
    const [record] = await db.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1 RETURNING *`, [last]);
    try {
      expect(await migrationStatus(db)).toEqual({ pending: [last], applied: all.slice(0, -1), problems: [] });
    } finally {
      const columns = Object.keys(record ?? {});
      await db.query(
        `INSERT INTO "_prisma_migrations" (${columns.map((c) => `"${c}"`).join(", ")})
         VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
        Object.values(record ?? {}),
      );
    }
    const paths = await copyOfPrismaDir();
    try {
      await fs.rm(path.join(paths.migrationsDir, last), { recursive: true });
      const status = await migrationStatus(db, paths);
      expect(status.problems).toEqual([`applied to the database but missing from prisma/migrations: ${last}`]);
    } finally {
      await fs.rm(paths.root, { recursive: true, force: true });
    }
    expect(await migrationStatus(db)).toEqual({ pending: [], applied: all, problems: [] });
  });
});

describe.each(databaseKinds())("a failing migration (%s)", (kind) => {
  let db: Database;
  let paths: PrismaPaths & { root: string };
  beforeAll(async () => {
    db = await openEmptyTestDatabase(kind);
    paths = await copyOfPrismaDir();
    const dir = path.join(paths.migrationsDir, "29991231235959_broken");
    await fs.mkdir(dir);
    // A function body with semicolons (which a naive split would break), then a statement that fails.
    await fs.writeFile(
      path.join(dir, "migration.sql"),
      `CREATE TABLE "half_done" ("id" int);
CREATE FUNCTION "f"() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
INSERT INTO "no_such_table" VALUES (1);
`,
    );
  });
  afterAll(async () => {
    await db?.close();
    await fs.rm(paths.root, { recursive: true, force: true });
  });

  it("is rejected, recorded as failed (not applied), and leaves nothing behind", async () => {
    await expect(applyMigrations(db, paths)).rejects.toThrow(/no_such_table/);
    const status = await migrationStatus(db, paths);
    expect(status.problems).toContain("failed migration: 29991231235959_broken");
    expect(status.applied).not.toContain("29991231235959_broken");
    const [row] = await db.query<{ t: string | null }>(`SELECT to_regclass('"half_done"')::text AS t`);
    expect(row?.t).toBeNull();
  });
});

describe.runIf(databaseKinds().includes("postgres"))("concurrent deploys (postgres)", () => {
  it("apply each migration once: the second deploy waits for the first and finds nothing to do", async () => {
    const first = await openEmptyPostgres();
    const second = await openPostgres(first.url, 4);
    try {
      const results = await Promise.all([applyMigrations(first), applyMigrations(second)]);
      const all = await committedMigrations();
      expect(results.map((r) => r.length).sort()).toEqual([0, all.length]);
      expect(await migrationStatus(second)).toEqual({ pending: [], applied: all, problems: [] });
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe("the PGlite template a new data directory starts from", () => {
  it("holds the migrated database, and is not used once the migrations have changed", async () => {
    const paths = await copyOfPrismaDir();
    const template = path.join(paths.root, "template");
    try {
      expect(await buildPgliteTemplate(template, paths)).toBe("built");
      expect(await buildPgliteTemplate(template, paths)).toBe("current");

      const dataDir = path.join(paths.root, "data");
      await fs.mkdir(dataDir);
      expect(await copyPgliteTemplate(dataDir, template, paths)).toBe(true);
      const db = fromPglite(await PGlite.create(dataDir));
      try {
        expect(await migrationStatus(db, paths)).toEqual({
          pending: [],
          applied: await committedMigrations(),
          problems: [],
        });
      } finally {
        await db.close();
      }

      const added = path.join(paths.migrationsDir, "29991231235959_added");
      await fs.mkdir(added);
      await fs.writeFile(path.join(added, "migration.sql"), `CREATE TABLE "added" ("id" int);\n`);
      const other = path.join(paths.root, "other");
      await fs.mkdir(other);
      expect(await copyPgliteTemplate(other, template, paths)).toBe(false);
      expect(await fs.readdir(other)).toEqual([]);
    } finally {
      await fs.rm(paths.root, { recursive: true, force: true });
    }
  });
});

describe("schema.prisma versus prisma/migrations", () => {
  it("has no drift in the committed tree", async () => {
    expect(await checkDrift()).toEqual({ drift: false, sql: "" });
  });

  it("detects a schema change, writes it as a migration, and then has no drift", async () => {
    const paths = await copyOfPrismaDir();
    try {
      const before = await fs.readdir(paths.migrationsDir);
      await fs.rm(path.join(paths.migrationsDir, "migration_lock.toml")); // createMigration must restore it
      await fs.appendFile(paths.schema, "\nmodel DriftProbe {\n  id    String @id\n  label String\n}\n");

      const drift = await checkDrift(paths);
      expect(drift.drift).toBe(true);
      expect(drift.sql).toContain('CREATE TABLE "DriftProbe"');

      const dir = (await createMigration("drift_probe", {}, paths)) ?? "(none created)";
      const name = path.basename(dir);
      expect(name).toMatch(/^\d{14}_drift_probe$/);
      // Ordered after every existing migration, whatever the clock says.
      expect([...before.filter((d) => /^\d{14}_/.test(d)), name].sort().at(-1)).toBe(name);
      const sql = await fs.readFile(path.join(dir, "migration.sql"), "utf8");
      expect(sql).toContain('CREATE TABLE "DriftProbe"');
      const lock = await fs.readFile(path.join(paths.migrationsDir, "migration_lock.toml"), "utf8");
      expect(lock).toMatch(/^provider = "postgresql"$/m);

      // Nothing left to migrate: no new migration without `empty`, an empty one with it.
      expect(await createMigration("nothing", {}, paths)).toBeNull();
      const emptyDir = (await createMigration("hand_written", { empty: true }, paths)) ?? "(none created)";
      expect(path.basename(emptyDir) > name).toBe(true);
      expect(await fs.readFile(path.join(emptyDir, "migration.sql"), "utf8")).toBe("-- This is an empty migration.\n");
    } finally {
      await fs.rm(paths.root, { recursive: true, force: true });
    }
  });

  it("refuses a migration name that would make an odd directory", async () => {
    await expect(createMigration("../escape")).rejects.toThrow(/lowercase/);
  });
});
