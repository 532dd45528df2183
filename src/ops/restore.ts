// `gerbang restore`: the backup's files are checked first; then it is restored into a NEW database
// (PostgreSQL) or folder (PGlite) beside the target, every check of `backup verify` runs there, and
// only then is it put in place by a rename. A failure at any step leaves the target as it was and
// removes the new copy: there is never a half-restored target. A non-empty target is replaced only
// with --force, and even then it is kept under another name, never deleted.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import { type Database, openPostgres } from "../db/database.ts";
import { grantRuntimeRole } from "../db/runtime-role.ts";
import { BackupError, type Progress, readManifest } from "./backup.ts";
import {
  adminQuery,
  type BackupReport,
  type Check,
  checkFiles,
  checkRestored,
  createSiblingDatabase,
  withRestoredCopy,
} from "./backup-check.ts";
import { tableNames } from "./facts.ts";

export interface RestoreOptions {
  /** A postgres:// URL or a PGlite data directory; the configured database when absent. */
  into?: string | undefined;
  force: boolean;
}

export interface RestoreResult {
  report: BackupReport;
  /** Where the database that was there before went (with --force). */
  keptAside?: string | undefined;
  target: string;
}

const stamp = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");

export async function restoreBackup(
  backupDir: string,
  config: Config,
  options: RestoreOptions,
  progress: Progress,
): Promise<RestoreResult> {
  const manifest = readManifest(backupDir);
  // The tables' owner (MIGRATION_DATABASE_URL) restores: the gateway's runtime role may not create them.
  const target = config.migrationDatabase;
  const into = options.into ?? (target.kind === "postgres" ? target.url : target.dataDir);
  const intoPostgres = /^postgres(ql)?:\/\//.test(into);
  if (intoPostgres !== (manifest.engine === "postgres"))
    throw new BackupError(
      `this is a ${manifest.engine === "postgres" ? "PostgreSQL" : "PGlite"} backup; --into must be ${manifest.engine === "postgres" ? "a postgres:// URL" : "a PGlite data directory"} (got ${intoPostgres ? "a URL" : "a directory"})`,
    );
  const report: BackupReport = { backup: path.resolve(backupDir), verified: false, checks: [] };
  progress("checking file sizes and SHA-256");
  const files = await checkFiles(backupDir, manifest);
  report.checks.push(files);
  if (files.problems.length) return { report, target: into };
  return intoPostgres
    ? restorePostgres(backupDir, manifest, config, into, options.force, report, progress)
    : restorePglite(backupDir, manifest, config, path.resolve(into), options.force, report, progress);
}

async function restorePostgres(
  backupDir: string,
  manifest: ReturnType<typeof readManifest>,
  config: Config,
  url: string,
  force: boolean,
  report: BackupReport,
  progress: Progress,
): Promise<RestoreResult> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[\w-]+$/.test(name))
    throw new BackupError(`cannot restore into a database named "${name}": use letters, digits, _ and -`);
  // The maintenance database of the same server: the target may not exist yet, and cannot be renamed
  // over a connection to itself.
  const server = new URL(url);
  server.pathname = "/postgres";
  const exists =
    (await adminQuery(server.toString(), "SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  if (exists && !force && !(await isEmptyPostgres(url)))
    throw new BackupError(
      `the database "${name}" is not empty: restore into a new one, or add --force (it is kept, renamed)`,
    );
  const fresh = await createSiblingDatabase(server.toString(), `${name}_restore_${randomBytes(4).toString("hex")}`);
  try {
    report.checks.push(
      ...(await withRestoredCopy(backupDir, manifest, { pgUrl: fresh.url }, progress, async (db) => {
        const checks = await checkRestored(db, manifest, config, progress);
        if (checks.every((c) => c.problems.length === 0)) checks.push(await grantRuntime(db, config, progress));
        return checks;
      })),
    );
  } catch (error) {
    report.checks.push({ name: "restore", problems: [(error as Error).message] });
  }
  report.verified = report.checks.every((c) => c.problems.length === 0);
  if (!report.verified) {
    await fresh.drop();
    return { report, target: url };
  }
  progress(`putting the restored database in place as "${name}"`);
  let keptAside: string | undefined;
  const freshName = new URL(fresh.url).pathname.slice(1);
  if (exists) {
    keptAside = `${name}_before_restore_${stamp()}`.toLowerCase();
    await adminQuery(server.toString(), `ALTER DATABASE "${name}" RENAME TO "${keptAside}"`).catch((error: Error) => {
      throw new BackupError(
        `cannot set "${name}" aside (${error.message}): stop the gateways connected to it. The restored copy is "${freshName}".`,
      );
    });
  }
  await adminQuery(server.toString(), `ALTER DATABASE "${freshName}" RENAME TO "${name}"`);
  return { report, target: url, keptAside };
}

/**
 * pg_restore leaves grants out (the target server's roles may differ), so the gateway's runtime role
 * gets its rights again here, as `migrate` gives them: the gateway can start on the restored database.
 */
async function grantRuntime(db: Database, config: Config, progress: Progress): Promise<Check> {
  progress(`granting the runtime role ${config.runtimeRole} its rights`);
  try {
    const granted = await grantRuntimeRole(db, config.runtimeRole);
    return { name: "grants", problems: [], note: `${config.runtimeRole} on ${granted.tables.length} tables` };
  } catch (error) {
    return { name: "grants", problems: [`${(error as Error).message} (nothing was put in place)`] };
  }
}

async function isEmptyPostgres(url: string): Promise<boolean> {
  const db = await openPostgres(url, 1);
  try {
    return (await tableNames(db)).length === 0;
  } finally {
    await db.close();
  }
}

/** Files PostgreSQL does not own in a data directory (local key files): they stay with the installation. */
const POSTGRES_ENTRY =
  /^(PG_VERSION|base|global|pg_[a-z_]+|pg_(hba|ident)\.conf|postgresql(\.auto)?\.conf|postmaster\.pid|gerbang\.lock)$/;

async function restorePglite(
  backupDir: string,
  manifest: ReturnType<typeof readManifest>,
  config: Config,
  dir: string,
  force: boolean,
  report: BackupReport,
  progress: Progress,
): Promise<RestoreResult> {
  const existing = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  if (existing.includes("gerbang.lock"))
    throw new BackupError(`${dir} is held by a running gateway (gerbang.lock): stop it before restoring over its data`);
  if (existing.length > 0 && !force)
    throw new BackupError(`${dir} is not empty: restore into a new folder, or add --force (it is kept, renamed)`);
  const fresh = `${dir}.restoring-${randomBytes(4).toString("hex")}`;
  try {
    report.checks.push(
      ...(await withRestoredCopy(backupDir, manifest, { pgliteDir: fresh }, progress, (db) =>
        checkRestored(db, manifest, config, progress),
      )),
    );
  } catch (error) {
    report.checks.push({ name: "restore", problems: [(error as Error).message] });
  }
  report.verified = report.checks.every((c) => c.problems.length === 0);
  if (!report.verified) {
    fs.rmSync(fresh, { recursive: true, force: true });
    return { report, target: dir };
  }
  progress(`putting the restored data directory in place at ${dir}`);
  let keptAside: string | undefined;
  if (fs.existsSync(dir) && existing.length === 0) fs.rmdirSync(dir);
  else if (fs.existsSync(dir)) {
    // Local key files belong to this installation, not to the data: the restored folder keeps them.
    for (const name of existing.filter((n) => !POSTGRES_ENTRY.test(n)))
      fs.cpSync(path.join(dir, name), path.join(fresh, name), { recursive: true, preserveTimestamps: true });
    keptAside = `${dir}.before-restore-${stamp()}`;
    fs.renameSync(dir, keptAside);
  }
  fs.renameSync(fresh, dir);
  return { report, target: dir, keptAside };
}
