// What a database's schema is made of, as plain comparable facts: tables and columns, constraints,
// indexes and triggers (with whether each trigger is enabled). `doctor` and `backup verify` compare a
// live or restored database with one freshly built from prisma/migrations, so every migration's
// expectations are checked without a hand-kept list that could fall behind.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type Database, fromPglite } from "../db/database.ts";
import { createMigratedPglite } from "../db/migrator.ts";
import { copyPgliteTemplate } from "../db/pglite-template.ts";

export interface Catalog {
  /** `table.column` → `type not null|null default …` */
  columns: Map<string, string>;
  /** `table.constraint` → its definition */
  constraints: Map<string, string>;
  /** `table.index` → its definition */
  indexes: Map<string, string>;
  /** `table.trigger` → `enabled|disabled: definition` */
  triggers: Map<string, string>;
  /** Foreign keys, for orphan checks: child table and columns → parent table and columns. */
  foreignKeys: ForeignKey[];
  /** CHECK constraints, for re-checking rows that arrived without them (a restore, a disabled trigger). */
  checks: Array<{ table: string; name: string; expression: string }>;
}

export interface ForeignKey {
  name: string;
  table: string;
  columns: string[];
  parent: string;
  parentColumns: string[];
}

export async function readCatalog(db: Database): Promise<Catalog> {
  const columns = await db.query<{ t: string; c: string; type: string; notnull: boolean; def: string | null }>(
    `SELECT cl.relname AS t, a.attname AS c, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
       FROM pg_attribute a
       JOIN pg_class cl ON cl.oid = a.attrelid AND cl.relkind IN ('r', 'p')
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attnum > 0 AND NOT a.attisdropped`,
  );
  const constraints = await db.query<{ t: string; name: string; type: string; def: string; cols: string[] | null }>(
    `SELECT cl.relname AS t, co.conname AS name, co.contype AS type, pg_get_constraintdef(co.oid) AS def
       FROM pg_constraint co
       JOIN pg_class cl ON cl.oid = co.conrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
      WHERE co.contype IN ('p', 'u', 'f', 'c', 'x')`,
  );
  const foreignKeys = await db.query<{ name: string; t: string; cols: string[]; parent: string; pcols: string[] }>(
    `SELECT co.conname AS name, cl.relname AS t, p.relname AS parent,
            ARRAY(SELECT attname FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute ON attrelid = co.conrelid AND attnum = k.n ORDER BY k.i)::text[] AS cols,
            ARRAY(SELECT attname FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute ON attrelid = co.confrelid AND attnum = k.n ORDER BY k.i)::text[] AS pcols
       FROM pg_constraint co
       JOIN pg_class cl ON cl.oid = co.conrelid
       JOIN pg_class p ON p.oid = co.confrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
      WHERE co.contype = 'f'`,
  );
  const indexes = await db.query<{ t: string; name: string; def: string }>(
    `SELECT tablename AS t, indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema()`,
  );
  const triggers = await db.query<{ t: string; name: string; enabled: string; def: string }>(
    `SELECT cl.relname AS t, tg.tgname AS name, tg.tgenabled AS enabled, pg_get_triggerdef(tg.oid) AS def
       FROM pg_trigger tg
       JOIN pg_class cl ON cl.oid = tg.tgrelid
       JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
      WHERE NOT tg.tgisinternal`,
  );
  return {
    columns: new Map(
      columns.map((r) => [
        `${r.t}.${r.c}`,
        `${r.type} ${r.notnull ? "not null" : "null"}${r.def ? ` default ${r.def}` : ""}`,
      ]),
    ),
    constraints: new Map(constraints.map((r) => [`${r.t}.${r.name}`, normalise(r.def)])),
    indexes: new Map(indexes.map((r) => [`${r.t}.${r.name}`, normalise(r.def)])),
    // 'D' = disabled; O/A/R = enabled (origin, always, replica).
    triggers: new Map(
      triggers.map((r) => [`${r.t}.${r.name}`, `${r.enabled === "D" ? "disabled" : "enabled"}: ${normalise(r.def)}`]),
    ),
    foreignKeys: foreignKeys.map((r) => ({
      name: r.name,
      table: r.t,
      columns: r.cols,
      parent: r.parent,
      parentColumns: r.pcols,
    })),
    checks: constraints
      .filter((r) => r.type === "c")
      .map((r) => ({
        table: r.t,
        name: r.name,
        expression: r.def.replace(/^CHECK\s*/, "").replace(/\s+NOT VALID$/, ""),
      })),
  };
}

/** Whitespace and the schema qualifier differ between servers and versions; the meaning does not. */
function normalise(def: string): string {
  return def
    .replace(/\bpublic\./g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Every way `live` differs from `expected`, one readable line each (empty when they agree). */
export function compareCatalogs(expected: Catalog, live: Catalog): string[] {
  const problems: string[] = [];
  const kinds = [
    ["column", "columns"],
    ["constraint", "constraints"],
    ["index", "indexes"],
    ["trigger", "triggers"],
  ] as const;
  for (const [what, key] of kinds) {
    for (const [name, def] of expected[key]) {
      const found = live[key].get(name);
      if (found === undefined) problems.push(`missing ${what} ${name}`);
      else if (found !== def) problems.push(`${what} ${name} differs: expected "${def}", found "${found}"`);
    }
    for (const name of live[key].keys()) if (!expected[key].has(name)) problems.push(`unexpected ${what} ${name}`);
  }
  return problems;
}

/**
 * A throwaway PGlite database built from prisma/migrations (the build's template when it is current):
 * what every migration expects, to compare a live or restored database with.
 */
export function expectedCatalog(): Promise<Catalog> {
  // The migrations do not change while a process runs: build the reference once.
  expected ??= buildExpectedCatalog();
  expected.catch(() => {
    expected = undefined;
  });
  return expected;
}

let expected: Promise<Catalog> | undefined;

async function buildExpectedCatalog(): Promise<Catalog> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-expected-"));
  try {
    if (!(await copyPgliteTemplate(dir))) {
      fs.rmSync(dir, { recursive: true, force: true });
      await createMigratedPglite(dir);
    }
    const db = fromPglite(await PGlite.create(dir));
    try {
      return await readCatalog(db);
    } finally {
      await db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
