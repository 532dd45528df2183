// Least privilege on PostgreSQL. Migrations run as the owner of the tables; the gateway runs as a
// separate login role (DATABASE_RUNTIME_ROLE, default gerbang_runtime) that reads and writes what
// requests need and nothing that rewrites history: it owns nothing, so it cannot disable the audit
// triggers, drop or alter a table, or grant itself more; it has no DELETE, TRUNCATE or TRIGGER
// anywhere, and on the audit and access tables only SELECT, INSERT and UPDATE of the columns the
// sealer sets (whose values the append-only triggers police). `gerbang migrate` creates the role and
// sets exactly these grants after every run; `gerbang serve` checks what it is connected as.
//
// PGlite has no such thing: the embedded database runs every statement as its superuser in the
// gateway's own process, and its files belong to the gateway's OS account, so no role inside it
// could keep that account from rewriting the trail. Production belongs on PostgreSQL.
import { type Database, DatabaseUnavailableError } from "./database.ts";

type TableRight = "SELECT" | "INSERT" | "UPDATE";

interface TableGrant {
  /** Rights on the whole table. */
  table: TableRight[];
  /** Columns the role may UPDATE when the table is not updatable as a whole (only those that exist). */
  updatable?: string[];
}

const READ: TableGrant = { table: ["SELECT"] };
const WORK: TableGrant = { table: ["SELECT", "INSERT", "UPDATE"] };
/** Append-only: read and append; UPDATE only of the named columns, which the sealer sets. */
const appendOnly = (...updatable: string[]): TableGrant => ({ table: ["SELECT", "INSERT"], updatable });

/**
 * What the runtime role may do, per table. Deny by default: a table missing here gets nothing (and
 * `gerbang migrate` names it), and tests/integration/db-runtime-role.test.ts fails for a Prisma model
 * missing here. Nothing gets DELETE: the gateway never deletes a row.
 */
export const RUNTIME_GRANTS: Readonly<Record<string, TableGrant>> = {
  // Reference data and settings: written by migrations and the seed, only read by requests. The
  // back-dating window in Setting is a rule the database enforces: the gateway must not move it.
  Region: READ,
  Agency: READ,
  Setting: READ,
  // serve compares the applied migrations with its own before it starts.
  _prisma_migrations: READ,
  // Domain data that mutations create and update (versioned; never deleted).
  Citizen: WORK,
  TaxRecord: WORK,
  Permit: WORK,
  SocialAssistance: WORK,
  FinancialTransaction: WORK,
  ArchiveDocument: WORK,
  ServiceRecord: WORK,
  // Client applications and their tokens (issued and revoked by the gateway), raised security alerts.
  ApiClient: WORK,
  AccessToken: WORK,
  SecurityAlert: WORK,
  // Alert windows: one counter row per rule and key, reset in place when a new window starts.
  AlertWindow: WORK,
  // Breach incidents (gerbang incident open): written once, never changed.
  Incident: appendOnly(),
  // The trail. "sealId" of an access entry exists once access entries are sealed too.
  AuditEntry: appendOnly("sealId"),
  AuditSeal: appendOnly(),
  AuditHead: appendOnly("sealId", "sealHash", "mac"),
  AccessEntry: appendOnly("sealId"),
};

/** The tables whose rows are the audit trail: serve refuses an account that can rewrite them. */
export const AUDIT_TABLES = ["AuditEntry", "AuditSeal", "AuditHead", "AccessEntry"] as const;

/** A PostgreSQL identifier, quoted. Role and table names come from configuration and the catalog. */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The runtime role cannot be set up as asked; the message names the fix. */
export class RuntimeRoleError extends DatabaseUnavailableError {
  override name = "RuntimeRoleError";
}

export interface GrantResult {
  /** The role did not exist and was created now. */
  created: boolean;
  /** Tables granted to the role. */
  tables: string[];
  /** Tables in the schema that RUNTIME_GRANTS does not name: the role gets nothing on them. */
  undeclared: string[];
}

/**
 * Creates the runtime role when it is missing (a LOGIN role without a password: the operator sets one,
 * or authenticates it otherwise) and replaces its privileges in the current schema with exactly
 * RUNTIME_GRANTS, in one transaction. Idempotent; run after every migration, so new tables and
 * columns are covered. Needs the owner of the tables (and CREATEROLE, or a superuser, to create the role).
 */
export async function grantRuntimeRole(db: Database, role: string): Promise<GrantResult> {
  const [me] = await db.query<{ user: string }>(`SELECT current_user AS "user"`);
  if (me?.user === role) {
    throw new RuntimeRoleError(
      `connected as the runtime role "${role}" itself: run gerbang migrate as the owner of the tables (MIGRATION_DATABASE_URL)`,
    );
  }
  const created = await ensureRole(db, role);
  const [found] = await db.query<{ super: boolean; member: boolean }>(
    `SELECT rolsuper AS super, pg_has_role($1, current_user, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1`,
    [role],
  );
  if (found?.super || found?.member) {
    throw new RuntimeRoleError(
      `the runtime role "${role}" is ${found.super ? "a superuser" : `a member of the owner "${me?.user}"`}: ` +
        "it could rewrite the audit trail. Give DATABASE_RUNTIME_ROLE a role of its own",
    );
  }
  const columns = await db.query<{ table: string; columns: string[] }>(
    `SELECT c.relname AS "table", array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      GROUP BY c.relname ORDER BY c.relname`,
  );
  const r = ident(role);
  const [schema] = await db.query<{ name: string }>(`SELECT current_schema() AS name`);
  const s = ident(schema?.name ?? "public");
  const script = [
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${r}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${r}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    // nextval for the serial keys the gateway inserts with (audit and access entries, seals).
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`,
  ];
  const tables: string[] = [];
  const undeclared: string[] = [];
  for (const { table, columns: existing } of columns) {
    const grant = RUNTIME_GRANTS[table];
    if (!grant) {
      undeclared.push(table);
      continue;
    }
    tables.push(table);
    script.push(`GRANT ${grant.table.join(", ")} ON ${s}.${ident(table)} TO ${r}`);
    const updatable = (grant.updatable ?? []).filter((c) => existing.includes(c));
    if (updatable.length)
      script.push(`GRANT UPDATE (${updatable.map(ident).join(", ")}) ON ${s}.${ident(table)} TO ${r}`);
  }
  // One simple-protocol round trip: PostgreSQL runs it as one transaction, so no request ever sees
  // the role half granted.
  await db.query(`${script.join(";\n")};`);
  return { created, tables, undeclared };
}

async function ensureRole(db: Database, role: string): Promise<boolean> {
  const exists = async () => (await db.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])).length > 0;
  if (await exists()) return false;
  try {
    await db.query(`CREATE ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT`);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Another migrate created it at the same moment (roles are shared by the whole server).
    if ((code === "42710" || code === "23505") && (await exists())) return false;
    if (code === "42501") {
      throw new RuntimeRoleError(
        `cannot create the runtime role "${role}" (${(error as Error).message}). Create it once as a superuser: ` +
          `CREATE ROLE ${ident(role)} LOGIN PASSWORD '...'; then run gerbang migrate again`,
      );
    }
    throw error;
  }
}

/**
 * Why the account this connection runs as could rewrite the audit trail; empty when it cannot
 * (the runtime role as granted above). Superuser (of the login or the current role), owner of an audit
 * table or a member of its owner, DELETE, TRUNCATE, TRIGGER or UPDATE beyond the sealer's columns on
 * an audit table, or the right to set session_replication_role (which switches triggers off).
 */
export async function privilegeProblems(db: Database): Promise<string[]> {
  if (db.kind === "pglite") {
    return [
      "the embedded database (PGlite) runs every statement as its superuser, and its files belong to the gateway's account: nothing in it can keep that account from rewriting the audit trail",
    ];
  }
  const problems: string[] = [];
  const [who] = await db.query<{ user: string; session: string; super: boolean; sessionSuper: boolean; v: number }>(
    `SELECT current_user AS "user", session_user AS "session",
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super,
            (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS "sessionSuper",
            current_setting('server_version_num')::int AS v`,
  );
  if (!who) return ["could not tell which role this connection runs as"];
  if (who.super || who.sessionSuper) {
    // A superuser may do everything below too; naming that once is enough.
    const name = who.sessionSuper ? who.session : who.user;
    return [
      `connected as ${name}, a superuser: it can switch the audit triggers off (session_replication_role) and rewrite the trail`,
    ];
  }
  const owned = await db.query<{ table: string; owner: string }>(
    `SELECT c.relname AS "table", pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[])
        AND (pg_has_role(current_user, c.relowner, 'MEMBER') OR pg_has_role(session_user, c.relowner, 'MEMBER'))
      ORDER BY c.relname`,
    [AUDIT_TABLES],
  );
  if (owned.length) {
    const owners = [...new Set(owned.map((o) => o.owner))].map((o) => `"${o}"`).join(", ");
    problems.push(
      `connected as the owner of ${owned.map((o) => `"${o.table}"`).join(", ")} (${owners}) or a member of it: it can disable the audit triggers and delete the trail`,
    );
  }
  const rights = await db.query<{ table: string; right: string }>(
    `SELECT quote_ident(t) AS "table", p AS "right"
       FROM unnest($1::text[]) AS t, unnest(ARRAY['DELETE', 'TRUNCATE', 'TRIGGER']) AS p
      WHERE to_regclass(quote_ident(t)) IS NOT NULL AND has_table_privilege(quote_ident(t), p)
     UNION ALL
     SELECT a.attrelid::regclass::text, 'UPDATE of "' || a.attname || '"'
       FROM pg_attribute a
      WHERE a.attrelid = ANY(SELECT to_regclass(quote_ident(t)) FROM unnest($1::text[]) AS t)
        AND a.attnum > 0 AND NOT a.attisdropped
        AND NOT (a.attrelid::regclass::text, a.attname::text) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        AND has_column_privilege(a.attrelid, a.attnum, 'UPDATE')`,
    [AUDIT_TABLES, ...sealColumns()],
  );
  if (owned.length === 0 && rights.length) {
    problems.push(`may ${rights.map((r) => `${r.right} on ${r.table}`).join(", ")}: it can rewrite the audit trail`);
  }
  if (who.v >= 150000) {
    const [param] = await db.query<{ may: boolean }>(
      `SELECT has_parameter_privilege('session_replication_role', 'SET') AS may`,
    );
    if (param?.may) problems.push("may SET session_replication_role, which switches the audit triggers off");
  }
  return problems;
}

/** The (table, column) pairs of the audit tables the runtime role may update, as two parallel arrays. */
function sealColumns(): [string[], string[]] {
  const pairs = AUDIT_TABLES.flatMap((t) => (RUNTIME_GRANTS[t]?.updatable ?? []).map((c) => [`"${t}"`, c] as const));
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
}
