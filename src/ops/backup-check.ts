// What proves a backup: its files are the ones written (sizes and SHA-256), and a restore of it is a
// database that the migrations expect, holds the rows and audit head the manifest recorded, breaks no
// constraint, and whose audit chain verifies. `backup verify` restores into a scratch database and
// throws it away; `restore` runs the same checks on the database it is about to put in place.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { readAnchors } from "../audit/anchor.ts";
import { type VerifyReport, verifyAudit } from "../audit/verify.ts";
import type { Config } from "../config.ts";
import { type Database, openPostgres } from "../db/database.ts";
import { migrationChecksums } from "../db/migrator.ts";
import {
  BackupError,
  loadPgliteDump,
  type Manifest,
  PG_DUMP_FILE,
  PGLITE_DUMP_FILE,
  type Progress,
  readManifest,
  sha256File,
  VERIFIED,
  writeDurably,
} from "./backup.ts";
import { compareCatalogs, expectedCatalog } from "./catalog.ts";
import { compareFacts, constraintViolations, readFacts } from "./facts.ts";
import { pgRestore } from "./pg-tools.ts";

export interface Check {
  name: string;
  problems: string[];
  /** Said when the check passed but something is worth knowing. */
  note?: string;
}

export interface BackupReport {
  backup: string;
  verified: boolean;
  checks: Check[];
}

export const dumpFileOf = (manifest: Manifest) => (manifest.engine === "postgres" ? PG_DUMP_FILE : PGLITE_DUMP_FILE);

/** Sizes and checksums of every file the manifest lists; a missing, truncated or altered file is named. */
export async function checkFiles(backupDir: string, manifest: Manifest): Promise<Check> {
  const problems: string[] = [];
  const dump = dumpFileOf(manifest);
  if (!manifest.files[dump]) problems.push(`the manifest lists no ${dump}`);
  for (const [name, want] of Object.entries(manifest.files)) {
    const file = path.join(backupDir, name);
    if (!fs.existsSync(file)) {
      problems.push(`${name}: missing`);
      continue;
    }
    const bytes = fs.statSync(file).size;
    if (bytes !== want.bytes)
      problems.push(`${name}: ${bytes} bytes, the manifest says ${want.bytes} (truncated or replaced)`);
    else if ((await sha256File(file)) !== want.sha256)
      problems.push(`${name}: SHA-256 differs from the manifest (altered)`);
  }
  return { name: "files", problems };
}

/** The checks a restored database must pass, against the manifest. */
export async function checkRestored(
  db: Database,
  manifest: Manifest,
  config: Config,
  progress: Progress,
): Promise<Check[]> {
  const checks: Check[] = [];
  progress("comparing the schema with what the migrations expect");
  const expected = await expectedCatalog();
  const ours = (await migrationChecksums()).map(([name]) => name);
  const facts = await readFacts(db);
  if (facts.migrations.join(",") === ours.join(",")) {
    const { readCatalog } = await import("./catalog.ts");
    checks.push({ name: "schema", problems: compareCatalogs(expected, await readCatalog(db)) });
  } else {
    // A backup of another version: its schema is what its own migrations made; `migrate` after the
    // restore brings it to this version.
    checks.push({
      name: "schema",
      problems: facts.migrations
        .filter((m) => !ours.includes(m))
        .map((m) => `migration ${m} is unknown to this Gerbang`),
      note: `taken with ${facts.migrations.length} migrations, this Gerbang has ${ours.length}: run \`gerbang migrate\` after restoring`,
    });
  }
  progress("comparing row counts, audit head and archive checksums with the manifest");
  checks.push({ name: "contents", problems: compareFacts(manifest.facts, facts) });
  progress("checking foreign keys and constraints");
  checks.push({ name: "constraints", problems: await constraintViolations(db, expected) });
  progress("verifying the audit chain against its anchors");
  const audit = await withAnchorsUpTo(config.anchors.dir, facts.audit.headSealId, (anchorDir) =>
    verifyAudit(db, config.auditKey, anchorDir ? { anchorDir } : {}),
  );
  checks.push({
    name: "audit chain",
    problems: auditProblems(audit),
    note: `${audit.entries} entries, ${audit.seals} seals`,
  });
  return checks;
}

/** What `audit verify` found, as a check's problems: every one up to 20, then how many more. */
export function auditProblems(audit: VerifyReport): string[] {
  if (audit.intact) return [];
  if (audit.problems.length === 0) return ["audit chain broken"];
  const shown = audit.problems.slice(0, 20).map((p) => `audit chain broken: ${p.reason}`);
  return audit.problems.length > 20 ? [...shown, `… and ${audit.problems.length - 20} more problems`] : shown;
}

/**
 * The anchors written outside the database up to the backup's newest seal: a backup is a trail cut
 * short by design, so later seals' anchors are left out; every earlier one must match. A trail its
 * owner rewrote and had re-sealed before the backup verifies by itself, and fails here.
 */
async function withAnchorsUpTo<T>(
  anchorDir: string,
  headSealId: number | null,
  use: (dir: string | undefined) => Promise<T>,
): Promise<T> {
  const records = readAnchors(anchorDir).records.filter((r) => headSealId !== null && r.sealId <= headSealId);
  if (records.length === 0) return use(undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-anchors-"));
  try {
    fs.writeFileSync(
      path.join(dir, "anchors-backup-check.jsonl"),
      records.map((r) => `${JSON.stringify(r)}\n`).join(""),
    );
    return await use(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A new, empty PostgreSQL database beside the one `url` names (same server and credentials), and a
 * way to drop it. The account needs CREATEDB.
 */
export async function createSiblingDatabase(
  url: string,
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  await adminQuery(url, `CREATE DATABASE "${name}"`);
  const sibling = new URL(url);
  sibling.pathname = `/${name}`;
  return {
    url: sibling.toString(),
    drop: async () => {
      await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** CREATE/DROP/ALTER DATABASE run over a connection to the database the URL names (any will do). */
export async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/**
 * Restores the backup's dump into a fresh database (PostgreSQL: `pgUrl`'s server; PGlite: memory or
 * `pgliteDir`) and hands it to `use`. Returns what `use` returned; the database is closed after.
 */
export async function withRestoredCopy<T>(
  backupDir: string,
  manifest: Manifest,
  target: { pgUrl?: string | undefined; pgliteDir?: string | undefined },
  progress: Progress,
  use: (db: Database) => Promise<T>,
): Promise<T> {
  const dump = path.join(backupDir, dumpFileOf(manifest));
  if (manifest.engine === "pglite") {
    progress("loading the PGlite dump");
    const db = await loadPgliteDump(fs.readFileSync(dump), target.pgliteDir);
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  }
  if (!target.pgUrl)
    throw new BackupError(
      "a PostgreSQL backup is checked by restoring it into a scratch PostgreSQL database: set DATABASE_URL (or --scratch-url) to a server where this account may CREATE DATABASE",
    );
  const db = await openPostgres(target.pgUrl, 2);
  try {
    progress("running pg_restore");
    await pgRestore(db, target.pgUrl, dump);
    return await use(db);
  } finally {
    await db.close();
  }
}

/** `gerbang backup verify`: checksums, then a restore into a scratch database that is dropped after. */
export async function verifyBackup(
  backupDir: string,
  config: Config,
  progress: Progress,
  scratchUrl?: string,
): Promise<BackupReport> {
  const report: BackupReport = { backup: path.resolve(backupDir), verified: false, checks: [] };
  let manifest: Manifest;
  try {
    manifest = readManifest(backupDir);
  } catch (error) {
    report.checks.push({ name: "manifest", problems: [(error as Error).message] });
    return report;
  }
  progress("checking file sizes and SHA-256");
  const files = await checkFiles(backupDir, manifest);
  report.checks.push(files);
  if (files.problems.length) return report; // a damaged dump is not restored
  const serverUrl = scratchUrl ?? (config.database.kind === "postgres" ? config.database.url : undefined);
  const scratch =
    manifest.engine === "postgres" && serverUrl
      ? await createSiblingDatabase(serverUrl, `gerbang_verify_${randomBytes(6).toString("hex")}`)
      : undefined;
  try {
    const checks: Check[] = await withRestoredCopy(backupDir, manifest, { pgUrl: scratch?.url }, progress, (db) =>
      checkRestored(db, manifest, config, progress),
    );
    report.checks.push(...checks);
  } catch (error) {
    report.checks.push({ name: "restore", problems: [(error as Error).message] });
  } finally {
    await scratch?.drop();
  }
  report.verified = report.checks.every((c) => c.problems.length === 0);
  if (report.verified)
    writeDurably(
      path.join(backupDir, VERIFIED),
      `${JSON.stringify({ verifiedAt: new Date().toISOString(), checks: report.checks }, null, 2)}\n`,
    );
  return report;
}

/** The report as an operator reads it: one line per check, every problem under its check. */
export function formatReport(report: BackupReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    const state = check.problems.length ? "FAILED" : "ok";
    lines.push(`  ${check.name.padEnd(12)} ${state}${check.note ? ` (${check.note})` : ""}`);
    for (const problem of check.problems) lines.push(`      - ${problem}`);
  }
  lines.push(report.verified ? `verified: ${report.backup}` : `NOT verified: ${report.backup}`);
  return lines.join("\n");
}
