// Facts about a database that a backup's manifest records and a restore must reproduce: the applied
// migrations, the row count of every table, the audit chain's head, and a digest of the archive
// documents' checksums. Also the checks that rows which arrived without the database's own
// enforcement (a restored data directory, a trigger someone disabled) still obey the constraints.
import { createHash } from "node:crypto";
import type { Database } from "../db/database.ts";
import type { Catalog } from "./catalog.ts";

export interface DatabaseFacts {
  migrations: string[];
  rowCounts: Record<string, number>;
  audit: { lastSeq: string | null; headSealId: number | null; headSealHash: string | null };
  /** SHA-256 over every archive document's "id checksum" line, in id order. */
  archiveChecksums: { documents: number; digest: string };
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function tableNames(db: Database): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname`,
  );
  return rows.map((r) => r.name);
}

export async function readFacts(db: Database): Promise<DatabaseFacts> {
  const rowCounts: Record<string, number> = {};
  for (const table of await tableNames(db)) {
    const [row] = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${quote(table)}`);
    rowCounts[table] = Number(row?.n ?? 0);
  }
  const migrations = (
    await db.query<{ name: string }>(
      `SELECT migration_name AS name FROM "_prisma_migrations"
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY finished_at, migration_name`,
    )
  ).map((r) => r.name);
  const [last] = await db.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM "AuditEntry"`);
  const [head] = await db.query<{ sealId: number; sealHash: string }>(
    `SELECT "sealId", "sealHash" FROM "AuditHead" LIMIT 1`,
  );
  const hash = createHash("sha256");
  let documents = 0;
  for (const row of await db.queryRows(`SELECT id, "checksumSha256" FROM "ArchiveDocument" ORDER BY id`)) {
    hash.update(`${row[0]} ${row[1]}\n`);
    documents++;
  }
  return {
    migrations,
    rowCounts,
    audit: { lastSeq: last?.seq ?? null, headSealId: head?.sealId ?? null, headSealHash: head?.sealHash ?? null },
    archiveChecksums: { documents, digest: hash.digest("hex") },
  };
}

/** How `actual` differs from `expected` (the manifest's facts), one line each. */
export function compareFacts(expected: DatabaseFacts, actual: DatabaseFacts): string[] {
  const problems: string[] = [];
  if (expected.migrations.join(",") !== actual.migrations.join(","))
    problems.push(
      `migrations: the manifest lists ${expected.migrations.length}, the database has ${actual.migrations.length}`,
    );
  const tables = new Set([...Object.keys(expected.rowCounts), ...Object.keys(actual.rowCounts)]);
  for (const table of [...tables].sort()) {
    const want = expected.rowCounts[table];
    const got = actual.rowCounts[table];
    if (want !== got)
      problems.push(
        `row count of ${table}: the manifest says ${want ?? "(no such table)"}, the database has ${got ?? "(no such table)"}`,
      );
  }
  for (const key of ["lastSeq", "headSealId", "headSealHash"] as const) {
    if (expected.audit[key] !== actual.audit[key])
      problems.push(`audit ${key}: the manifest says ${expected.audit[key]}, the database has ${actual.audit[key]}`);
  }
  if (expected.archiveChecksums.digest !== actual.archiveChecksums.digest)
    problems.push(
      `archive document checksums: the manifest's digest over ${expected.archiveChecksums.documents} documents does not match the database's over ${actual.archiveChecksums.documents}`,
    );
  return problems;
}

/**
 * Rows that break a foreign key or CHECK of the expected schema, which PostgreSQL enforces only as
 * rows are written: rows restored from files or written with triggers off were never checked.
 */
export async function constraintViolations(db: Database, expected: Catalog): Promise<string[]> {
  const problems: string[] = [];
  for (const fk of expected.foreignKeys) {
    const join = fk.columns.map((c, i) => `p.${quote(fk.parentColumns[i] as string)} = c.${quote(c)}`).join(" AND ");
    const present = fk.columns.map((c) => `c.${quote(c)} IS NOT NULL`).join(" AND ");
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${quote(fk.table)} c
        WHERE ${present} AND NOT EXISTS (SELECT 1 FROM ${quote(fk.parent)} p WHERE ${join})`,
    );
    const n = Number(row?.n ?? 0);
    if (n > 0)
      problems.push(`${n} orphaned row(s) in ${fk.table}: ${fk.columns.join(", ")} names no ${fk.parent} (${fk.name})`);
  }
  for (const check of expected.checks) {
    const [row] = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${quote(check.table)} WHERE NOT (${check.expression})`,
    );
    const n = Number(row?.n ?? 0);
    if (n > 0) problems.push(`${n} row(s) of ${check.table} break ${check.name}`);
  }
  const [dup] = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM (SELECT nik FROM "Citizen" GROUP BY nik HAVING count(*) > 1) d`,
  );
  if (Number(dup?.n ?? 0) > 0) problems.push(`${dup?.n} NIK(s) registered more than once`);
  return problems;
}
