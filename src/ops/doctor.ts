// `gerbang doctor`: is the live database what the migrations made, are its rows whole, does the
// gateway run with no more rights than it needs, does the audit chain verify, and is there a recent
// backup that was proven by a restore. Each check reports every problem it finds; doctor only reads.
import fs from "node:fs";
import path from "node:path";
import { verifyAudit } from "../audit/verify.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { migrationStatus } from "../db/migrator.ts";
import { privilegeProblems } from "../db/runtime-role.ts";
import { VERIFIED } from "./backup.ts";
import { auditProblems, type Check } from "./backup-check.ts";
import { compareCatalogs, expectedCatalog, readCatalog } from "./catalog.ts";
import { constraintViolations } from "./facts.ts";
import { listBackups } from "./retention.ts";

export interface DoctorReport {
  healthy: boolean;
  checks: Check[];
}

export interface DoctorOptions {
  /** Where `gerbang backup` writes (BACKUP_DIR). */
  backupDir: string;
  /** A verified backup older than this is a problem. */
  maxBackupAgeHours: number;
  /** Audit verify on worker threads (PostgreSQL). */
  parallel?: { url: string; workers: number };
  now?: Date;
}

export async function runDoctor(db: Database, config: Config, options: DoctorOptions): Promise<DoctorReport> {
  const checks: Check[] = [];
  const status = await migrationStatus(db);
  checks.push({
    name: "migrations",
    problems: [...status.pending.map((m) => `pending migration ${m} (run gerbang migrate)`), ...status.problems],
    note: `${status.applied.length} applied`,
  });
  const expected = await expectedCatalog();
  checks.push({ name: "schema", problems: compareCatalogs(expected, await readCatalog(db)) });
  checks.push({ name: "data", problems: await constraintViolations(db, expected) });
  checks.push(await privileges(db, config));
  const audit = await verifyAudit(db, config.auditKey, {
    anchorDir: config.anchors.dir,
    ...(options.parallel && { parallel: options.parallel }),
  });
  checks.push({
    name: "audit chain",
    problems: auditProblems(audit),
    note: `${audit.entries} entries, ${audit.seals} seals, ${audit.unsealed} not yet sealed`,
  });
  checks.push(await archive(db));
  checks.push(backups(options));
  return { healthy: checks.every((c) => c.problems.length === 0), checks };
}

async function privileges(db: Database, config: Config): Promise<Check> {
  // PGlite (in this process, or a running gateway's through its socket) has no other account.
  if (config.database.kind === "pglite")
    return {
      name: "privileges",
      problems: [],
      note: "PGlite has one account, a superuser, and no other to run as: in production use PostgreSQL with the runtime role",
    };
  // The same judgement as serve's at start-up (src/db/runtime-role.ts).
  const [me] = await db.query<{ name: string }>("SELECT current_user AS name");
  return { name: "privileges", problems: await privilegeProblems(db), note: `connected as ${me?.name}` };
}

/** Checksums are kept as 64 hex digits of a real SHA-256; the files themselves live in the archive's storage. */
async function archive(db: Database): Promise<Check> {
  const [row] = await db.query<{ total: string; bad: string; never: string }>(
    `SELECT count(*)::text AS total,
            count(*) FILTER (WHERE "checksumSha256" !~ '^[0-9a-f]{64}$' OR "sizeBytes" < 0)::text AS bad,
            count(*) FILTER (WHERE "lastVerifiedAt" IS NULL)::text AS never
       FROM "ArchiveDocument"`,
  );
  const bad = Number(row?.bad ?? 0);
  return {
    name: "archive",
    problems: bad ? [`${bad} archive document(s) with a malformed checksum or size`] : [],
    note: `${row?.total} documents, ${row?.never} never verified against storage (verifyArchiveDocument)`,
  };
}

function backups(options: DoctorOptions): Check {
  const now = options.now ?? new Date();
  const verified = listBackups(options.backupDir)
    .map((b) => {
      try {
        const stamp = JSON.parse(fs.readFileSync(path.join(b.dir, VERIFIED), "utf8")) as { verifiedAt: string };
        return { ...b, verifiedAt: new Date(stamp.verifiedAt) };
      } catch {
        return undefined;
      }
    })
    .filter((b) => b !== undefined)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const newest = verified[0];
  if (!newest)
    return {
      name: "backups",
      problems: [
        `no verified backup in ${options.backupDir} (gerbang backup --to ${options.backupDir}, then backup verify)`,
      ],
    };
  const hours = (now.getTime() - newest.createdAt.getTime()) / 3_600_000;
  const age = hours < 48 ? `${hours.toFixed(1)} hours` : `${(hours / 24).toFixed(1)} days`;
  return {
    name: "backups",
    problems:
      hours > options.maxBackupAgeHours
        ? [`the newest verified backup is ${age} old (more than ${options.maxBackupAgeHours} hours)`]
        : [],
    note: `newest verified backup ${path.basename(newest.dir)}, ${age} old`,
  };
}

export function formatDoctor(report: DoctorReport): string {
  const lines = report.checks.map((c) => {
    const head = `  ${c.name.padEnd(12)} ${c.problems.length ? "PROBLEM" : "ok"}${c.note ? ` (${c.note})` : ""}`;
    return [head, ...c.problems.map((p) => `      - ${p}`)].join("\n");
  });
  lines.push(report.healthy ? "healthy" : "NOT healthy: see the problems above");
  return lines.join("\n");
}
