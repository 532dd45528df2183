// Test databases: a fresh, fully migrated database per call, on PGlite always and on PostgreSQL when
// TEST_DATABASE_URL is set (so the same tests prove the same rules on the production engine too).
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { testDatabaseUrl } from "../../src/config.ts";
import { type Database, fromPglite, openPostgres } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrator.ts";
import { AUDIT_TABLES } from "../../src/db/runtime-role.ts";

export type DatabaseKind = "pglite" | "postgres";

/** ['pglite'], plus 'postgres' when TEST_DATABASE_URL is set: for `describe.each(databaseKinds())`. */
export function databaseKinds(): DatabaseKind[] {
  return testDatabaseUrl() ? ["pglite", "postgres"] : ["pglite"];
}

export async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  return kind === "pglite" ? openPgliteClone() : openPostgresScratch(true);
}

/** A database without any migration applied (for the migrator's own tests). */
export async function openEmptyTestDatabase(kind: DatabaseKind): Promise<Database> {
  return kind === "pglite" ? fromPglite(new PGlite("memory://")) : openPostgresScratch(false);
}

/** An empty scratch PostgreSQL database and its URL, for tests that need a second connection to it. */
export async function openEmptyPostgres(): Promise<Database & { url: string }> {
  return openPostgresScratch(false);
}

// A new PGlite database costs ~3 s and migrating it more; cloning a migrated one costs well under a
// second. So each worker process migrates one template and hands out clones of it.
let template: Promise<PGlite> | undefined;

function migratedTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const pglite = new PGlite("memory://");
    // close() is a no-op: the template lives as long as the worker, and closing a Database built on
    // it must not close the PGlite instance itself.
    await applyMigrations(fromPglite(pglite, async () => {}));
    return pglite;
  })();
  template.catch(() => {
    template = undefined; // let the next test retry (and report) instead of caching the failure
  });
  return template;
}

async function openPgliteClone(): Promise<Database> {
  const clone = await (await migratedTemplate()).clone();
  // clone() is typed as the PGliteInterface but returns a PGlite instance (what fromPglite wraps).
  return fromPglite(clone as PGlite);
}

/** A uniquely named, migrated PostgreSQL database that close() drops again. */
async function openPostgresScratch(migrate: boolean): Promise<Database & { url: string }> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) throw new Error("openTestDatabase('postgres') needs TEST_DATABASE_URL");
  const name = `gerbang_test_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let db: Database | undefined;
  try {
    db = await openPostgres(url.toString(), 4);
    if (migrate) await applyMigrations(db);
  } catch (error) {
    await db?.close().catch(() => {});
    await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  const close = db.close.bind(db);
  return {
    ...db,
    url: url.toString(),
    async close() {
      try {
        await close();
      } finally {
        // FORCE: a connection a failed test left behind must not keep the database alive.
        await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    },
  };
}

// CREATE/DROP DATABASE cannot run inside the test database, so each goes over its own short connection.
async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The login role that owns the databases of openOwnedPostgres: no superuser, as production's owner should be. */
export const TEST_OWNER_ROLE = "gerbang_test_owner";
/** The test roles' password: ignored where the server trusts local connections, used where it does not. */
const TEST_ROLE_PASSWORD = "gerbang-test-password";

/**
 * Makes sure the login roles exist, with the test password (as an operator would create them once,
 * as a superuser). Roles belong to the whole server: tolerates another test file doing the same.
 */
export async function ensureTestRoles(roles: string[]): Promise<void> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) throw new Error("ensureTestRoles needs TEST_DATABASE_URL");
  for (const role of roles) {
    // One file at a time (two concurrent ALTER ROLEs of one role fail with "tuple concurrently updated").
    await admin(
      adminUrl,
      `BEGIN; SELECT pg_advisory_xact_lock(hashtext('gerbang test roles'));
       DO $$ BEGIN CREATE ROLE "${role}" LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
       ALTER ROLE "${role}" LOGIN PASSWORD '${TEST_ROLE_PASSWORD}'; COMMIT`,
    );
  }
}

/** `url` with another login role (and the test password). */
export function urlAs(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = TEST_ROLE_PASSWORD;
  return u.toString();
}

export interface OwnedPostgres {
  /** Connected as the owner of the tables (not a superuser). */
  owner: Database;
  ownerUrl: string;
  /** The same database as the runtime role `runtimeRole`. */
  runtimeUrl: string;
  runtimeRole: string;
  /** The same database as the server's superuser (TEST_DATABASE_URL's user). */
  superUrl: string;
  close(): Promise<void>;
}

/**
 * A scratch PostgreSQL database as production lays it out: owned by a role that is no superuser,
 * migrated by it, with the runtime role granted by the same code as `gerbang migrate`. Roles belong
 * to the whole server, so the owner role and gerbang_runtime are shared by every such database (and
 * created here as the superuser when missing, as an operator would once).
 */
export async function openOwnedPostgres(runtimeRole = "gerbang_runtime"): Promise<OwnedPostgres> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) throw new Error("openOwnedPostgres needs TEST_DATABASE_URL");
  const { grantRuntimeRole } = await import("../../src/db/runtime-role.ts");
  await ensureTestRoles([TEST_OWNER_ROLE, runtimeRole]);
  const name = `gerbang_test_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `CREATE DATABASE "${name}" OWNER "${TEST_OWNER_ROLE}"`);
  const superUrl = new URL(adminUrl);
  superUrl.pathname = `/${name}`;
  let owner: Database | undefined;
  try {
    owner = await openPostgres(urlAs(superUrl.toString(), TEST_OWNER_ROLE), 4);
    await applyMigrations(owner);
    await grantRuntimeRole(owner, runtimeRole);
  } catch (error) {
    await owner?.close().catch(() => {});
    await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  const db = owner;
  return {
    owner: db,
    ownerUrl: urlAs(superUrl.toString(), TEST_OWNER_ROLE),
    runtimeUrl: urlAs(superUrl.toString(), runtimeRole),
    runtimeRole,
    superUrl: superUrl.toString(),
    async close() {
      try {
        await db.close();
      } finally {
        await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    },
  };
}

/** The tables of the sealed chain: what an owner of the audit tables can reach. */
export { AUDIT_TABLES };

/**
 * A connection to a PostgreSQL test database as a fresh non-superuser role that owns the audit
 * tables (the issue-11 insider: the gateway's account when it owns its tables). drop() removes the
 * role; call it after the database is closed (dropped).
 */
export async function auditTableOwner(db: Database & { url?: string }): Promise<{
  db: Database;
  role: string;
  drop(): Promise<void>;
}> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl || !db.url) throw new Error("auditTableOwner needs a PostgreSQL test database");
  const role = `gerbang_owner_${randomBytes(4).toString("hex")}`;
  await admin(
    adminUrl,
    `CREATE ROLE "${role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '${TEST_ROLE_PASSWORD}'`,
  );
  for (const t of AUDIT_TABLES) await db.query(`ALTER TABLE "${t}" OWNER TO "${role}"`);
  const owner = await openPostgres(urlAs(db.url, role), 1);
  return {
    db: owner,
    role,
    async drop() {
      await owner.close().catch(() => {});
      await admin(adminUrl, `DROP ROLE IF EXISTS "${role}"`);
    },
  };
}
