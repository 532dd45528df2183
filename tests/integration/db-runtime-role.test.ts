// Least privilege on PostgreSQL (issue 11): the tampering an insider tried with the gateway's
// database account, replayed with the runtime role that `gerbang migrate` creates: every attempt is
// refused by the database itself. The gateway still does all its work as that role (mutations,
// reveals, sealing, verify).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealAll } from "../../src/audit/seal.ts";
import { verifyAudit } from "../../src/audit/verify.ts";
import { testDatabaseUrl } from "../../src/config.ts";
import { type Database, openPostgres } from "../../src/db/database.ts";
import { AUDIT_TABLES, grantRuntimeRole, privilegeProblems, RUNTIME_GRANTS } from "../../src/db/runtime-role.ts";
import { seed } from "../../src/db/seed.ts";
import { OFFICERS } from "../fixtures/officers.ts";
import { type OwnedPostgres, openOwnedPostgres, TEST_OWNER_ROLE } from "../support/db.ts";
import { type TestGateway, testConfig, testGateway } from "../support/gateway.ts";

/** Runs one statement as the role of `url` on its own connection; the SQLSTATE it failed with, or "ok". */
async function attempt(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end();
  }
}

/** insufficient_privilege: "must be owner", "permission denied". */
const DENIED = "42501";

describe.skipIf(!testDatabaseUrl())("the runtime role on PostgreSQL", () => {
  let pgdb: OwnedPostgres;
  let runtime: Database;
  let gw: TestGateway;
  /** Row counts and the sealed-entry count of the trail, to show an attempt changed nothing. */
  const trail = async () =>
    pgdb.owner.query(
      `SELECT (SELECT count(*) FROM "AuditEntry")::int AS entries,
              (SELECT count(*) FROM "AuditEntry" WHERE "sealId" IS NOT NULL)::int AS sealed,
              (SELECT count(*) FROM "AuditSeal")::int AS seals, (SELECT count(*) FROM "AuditHead")::int AS heads,
              (SELECT count(*) FROM "AccessEntry")::int AS reveals,
              (SELECT string_agg(hash, ',' ORDER BY seq) FROM "AuditEntry") AS hashes`,
    );

  beforeAll(async () => {
    pgdb = await openOwnedPostgres();
    await seed(pgdb.owner.prisma, { citizens: 30 });
    runtime = await openPostgres(pgdb.runtimeUrl, 4);
    gw = testGateway(runtime);
  });
  afterAll(async () => {
    await runtime?.close();
    await pgdb?.close();
  });

  it("is enough for the gateway: a mutation, a clear reveal, sealing and verify all run as the runtime role", async () => {
    const front = OFFICERS.frontOfficeBogor;
    const registry = OFFICERS.registryBogor;
    const [citizen] = await runtime.query<{ id: string }>(
      `SELECT id FROM "Citizen" WHERE "domicileCode" LIKE '32.01.%' AND status = 'ALIVE' ORDER BY id LIMIT 1`,
    );
    const served = await gw.query(
      `mutation { recordService(input: { citizenId: "${citizen?.id}", serviceType: "Legalisir KK", channel: COUNTER, outcome: COMPLETED }) { id } }`,
      { token: await gw.token(front.role, { region: front.region, agency: front.agency }) },
    );
    expect(served.errors).toBeUndefined();
    const revealed = await gw.query(`{ citizen(id: "${citizen?.id}") { nik } }`, {
      token: await gw.token(registry.role, { region: registry.region, agency: registry.agency }),
      headers: { "x-purpose": "court-order", "x-case-ref": "PN-BGR-2026-001" },
    });
    expect(revealed.errors).toBeUndefined();
    expect((revealed.data as { citizen: { nik: string } }).citizen.nik).toMatch(/^\d{16}$/);
    expect(await sealAll(runtime.prisma, testConfig.auditKey)).toBeGreaterThanOrEqual(1);
    const report = await verifyAudit(runtime, testConfig.auditKey);
    expect(report.intact).toBe(true);
    expect(await trail()).toEqual([expect.objectContaining({ entries: 1, sealed: 1, seals: 1, heads: 1, reveals: 1 })]);
    expect(await privilegeProblems(runtime)).toEqual([]);
  });

  it("the owner of the tables can do what the issue describes (why the gateway must not run as it)", async () => {
    const before = await trail();
    // Rolled back, so the trail stays whole for the tests that follow.
    const rewrite = `BEGIN;
      ALTER TABLE "AuditEntry" DISABLE TRIGGER USER; ALTER TABLE "AuditSeal" DISABLE TRIGGER USER;
      ALTER TABLE "AuditHead" DISABLE TRIGGER USER; ALTER TABLE "AccessEntry" DISABLE TRIGGER USER;
      UPDATE "AuditEntry" SET "sealId" = NULL; UPDATE "AccessEntry" SET "sealId" = NULL;
      DELETE FROM "AuditHead"; DELETE FROM "AuditSeal";
      DELETE FROM "AuditEntry"; DELETE FROM "AccessEntry";
      ROLLBACK`;
    expect(await attempt(pgdb.ownerUrl, rewrite)).toBe("ok");
    expect(await attempt(pgdb.runtimeUrl, rewrite)).toBe(DENIED);
    expect(await trail()).toEqual(before);
  });

  it.each(AUDIT_TABLES)("cannot switch off the triggers, empty, delete from or drop %s", async (table) => {
    const before = await trail();
    for (const sql of [
      `ALTER TABLE "${table}" DISABLE TRIGGER USER`,
      `ALTER TABLE "${table}" DISABLE TRIGGER ALL`,
      `DELETE FROM "${table}"`,
      `TRUNCATE "${table}"`,
      `DROP TABLE "${table}"`,
      `CREATE TRIGGER forged BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION append_only()`,
    ]) {
      expect(await attempt(pgdb.runtimeUrl, sql), sql).toBe(DENIED);
    }
    expect(await trail()).toEqual(before);
  });

  it("cannot unseal entries, edit an entry, a seal or a reveal, or move the head back", async () => {
    const before = await trail();
    // "sealId" may be set by the sealer (column privilege); unsealing is the trigger's to refuse.
    expect(await attempt(pgdb.runtimeUrl, `UPDATE "AuditEntry" SET "sealId" = NULL`)).toBe("23514");
    expect(await attempt(pgdb.runtimeUrl, `UPDATE "AuditHead" SET "sealId" = "sealId" - 1`)).toBe("23514");
    for (const sql of [
      `UPDATE "AuditEntry" SET actor = 'someone-else'`,
      `UPDATE "AuditEntry" SET hash = repeat('0', 64)`,
      `UPDATE "AuditSeal" SET digest = repeat('0', 64)`,
      `UPDATE "AuditSeal" SET "sealedAt" = now()`,
      `UPDATE "AccessEntry" SET actor = 'someone-else'`,
      `UPDATE "Setting" SET value = '3650'`,
      `DELETE FROM "Citizen"`,
    ]) {
      expect(await attempt(pgdb.runtimeUrl, sql), sql).toBe(DENIED);
    }
    expect(await trail()).toEqual(before);
  });

  it("cannot switch triggers off for its session, become the owner, or grant itself more", async () => {
    for (const sql of [
      `SET session_replication_role = replica`,
      `SET LOCAL session_replication_role = replica`,
      `SET ROLE "${TEST_OWNER_ROLE}"`,
      `ALTER ROLE "${pgdb.runtimeRole}" SUPERUSER`,
      `ALTER TABLE "AuditEntry" OWNER TO "${pgdb.runtimeRole}"`,
      `CREATE TABLE "AuditEntry2" (x int)`,
    ]) {
      expect(await attempt(pgdb.runtimeUrl, sql), sql).toBe(DENIED);
    }
    // GRANT by a role without the grant option only warns; it grants nothing.
    await attempt(pgdb.runtimeUrl, `GRANT DELETE, TRUNCATE, TRIGGER ON "AuditEntry" TO "${pgdb.runtimeRole}"`);
    expect(await privilegeProblems(runtime)).toEqual([]);
  });

  it("has exactly the declared rights on the trail: read, append, and UPDATE of the sealer's columns only", async () => {
    const rights = await pgdb.owner.query<{ table: string; right: string }>(
      `SELECT t AS "table", p AS "right"
         FROM unnest($2::text[]) AS t,
              unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p
        WHERE has_table_privilege($1, quote_ident(t), p)
       UNION ALL
       SELECT c.relname, 'UPDATE ' || a.attname
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relname = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped
          AND has_column_privilege($1, a.attrelid, a.attnum, 'UPDATE')
        ORDER BY 1, 2`,
      [pgdb.runtimeRole, AUDIT_TABLES],
    );
    // A forged reveal can still be appended: the gateway writes reveals as this role. That forgery is
    // for the sealed chain of access entries to expose, not for privileges to prevent.
    const columns = await pgdb.owner.query<{ table: string; column: string }>(
      `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
      [AUDIT_TABLES],
    );
    const expected = AUDIT_TABLES.flatMap((t) => [
      { table: t, right: "INSERT" },
      { table: t, right: "SELECT" },
      ...(RUNTIME_GRANTS[t]?.updatable ?? [])
        .filter((c) => columns.some((x) => x.table === t && x.column === c))
        .map((c) => ({ table: t, right: `UPDATE ${c}` })),
    ]);
    const order = (a: { table: string; right: string }, b: { table: string; right: string }) =>
      `${a.table} ${a.right}`.localeCompare(`${b.table} ${b.right}`);
    expect([...rights].sort(order)).toEqual(expected.sort(order));
  });

  it("names a right granted by hand that could rewrite the trail; migrate takes it away again", async () => {
    await pgdb.owner.query(`GRANT DELETE ON "AuditSeal" TO "${pgdb.runtimeRole}"`);
    await pgdb.owner.query(`GRANT UPDATE (actor) ON "AccessEntry" TO "${pgdb.runtimeRole}"`);
    expect(await privilegeProblems(runtime)).toEqual([
      expect.stringMatching(
        /^may (?=.*DELETE on "AuditSeal")(?=.*UPDATE of "actor" on "AccessEntry").*rewrite the audit trail/,
      ),
    ]);
    await grantRuntimeRole(pgdb.owner, pgdb.runtimeRole);
    expect(await privilegeProblems(runtime)).toEqual([]);
  });

  it("covers every table: migrate names none it grants nothing on, and runs again without change", async () => {
    const again = await grantRuntimeRole(pgdb.owner, pgdb.runtimeRole);
    expect(again).toMatchObject({ created: false, undeclared: [] });
    expect(again.tables).toEqual(expect.arrayContaining([...AUDIT_TABLES, "Citizen", "_prisma_migrations"]));
  });

  it("names what makes the owner and a superuser privileged, and refuses to make them the runtime role", async () => {
    expect(await privilegeProblems(pgdb.owner)).toEqual([
      expect.stringMatching(/owner of "AccessEntry", "AuditEntry"/),
    ]);
    const superuser = await openPostgres(pgdb.superUrl, 1);
    try {
      expect(await privilegeProblems(superuser)).toEqual([expect.stringMatching(/a superuser/)]);
    } finally {
      await superuser.close();
    }
    await expect(grantRuntimeRole(pgdb.owner, TEST_OWNER_ROLE)).rejects.toThrow(/runtime role .* itself/);
    // An owner without CREATEROLE cannot create a missing role: the message says how to create it once.
    await expect(grantRuntimeRole(pgdb.owner, `gerbang_rt_${Date.now()}`)).rejects.toThrow(
      /cannot create the runtime role .*CREATE ROLE/,
    );
  });
});
