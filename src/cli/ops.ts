// Operations commands: backup (and its verify drill), restore, doctor. The work is in src/ops/.
import path from "node:path";
import { loadConfig } from "../config.ts";
import { type Command, parse, positiveInt, UsageError } from "./args.ts";

const progress = (line: string) => process.stderr.write(`${line}...\n`);

export const backupCommand: Command = {
  help: `
Usage: gerbang backup [--to DIR] [--keep-daily N --keep-weekly M]
       gerbang backup verify BACKUP [--scratch-url URL] [--json]

backup writes a new folder under DIR (default BACKUP_DIR, ./backups): the database dump and
manifest.json (format version, time, Gerbang and migration versions, SHA-256 and size of every file,
row counts per table, the audit chain's head and newest entry, a digest of the archive documents'
checksums). PostgreSQL is dumped with pg_dump (custom format; Debian's postgresql-client of the
server's major version or newer); PGlite's data directory is dumped by PGlite itself, without the
local key files kept there (back keys up separately). Keys are never in a backup.

--keep-daily N --keep-weekly M   after the new backup has been verified (as by backup verify), keep
                                 the newest backup of each of the N newest days and of each of the M
                                 newest ISO weeks, and delete the other backups in DIR. Nothing is
                                 deleted when the new backup fails verification.

backup verify checks every file's size and SHA-256, restores the dump into a scratch database (an
in-memory PGlite, or a new database on DATABASE_URL's server, or on --scratch-url; dropped after),
and compares it with what the migrations expect and what the manifest recorded: schema, row counts,
foreign keys and CHECK constraints, archive checksums, audit head, and the audit chain (with
AUDIT_HMAC_KEY). It prints every problem and exits 1 unless all pass; on success it writes
verified.json into the backup (doctor reads it). Run it weekly: a backup is proven by a restore.`,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        to: { type: "string" },
        "keep-daily": { type: "string" },
        "keep-weekly": { type: "string" },
        "scratch-url": { type: "string" },
        json: { type: "boolean" },
      },
      this.help,
    );
    const config = loadConfig();
    const { formatReport, verifyBackup } = await import("../ops/backup-check.ts");
    if (positionals[0] === "verify") {
      const dir = positionals[1];
      if (!dir) throw new UsageError(`backup verify needs the backup folder.\n${this.help}`);
      const report = await verifyBackup(dir, config, progress, values["scratch-url"]);
      console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return report.verified ? 0 : 1;
    }
    if (positionals.length > 0) throw new UsageError(`Unknown backup action "${positionals[0]}".\n${this.help}`);
    const retention = values["keep-daily"] !== undefined || values["keep-weekly"] !== undefined;
    const keepDaily = positiveInt(values["keep-daily"], "--keep-daily", 7);
    const keepWeekly = positiveInt(values["keep-weekly"], "--keep-weekly", 4);
    const to = path.resolve(values.to ?? config.backup.dir);
    const { createBackup } = await import("../ops/backup.ts");
    const started = Date.now();
    const dir = await createBackup(config, to, progress);
    console.log(`backup written: ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (!retention) return 0;
    const report = await verifyBackup(dir, config, progress, values["scratch-url"]);
    console.log(formatReport(report));
    if (!report.verified) {
      console.error("gerbang: the new backup did not verify: no older backup was deleted.");
      return 1;
    }
    const { applyRetention } = await import("../ops/retention.ts");
    const deleted = applyRetention(to, keepDaily, keepWeekly);
    console.log(
      deleted.length
        ? `deleted ${deleted.length} older: ${deleted.map((d) => path.basename(d)).join(", ")}`
        : "no older backup to delete",
    );
    return 0;
  },
};

export const restoreCommand: Command = {
  help: `
Usage: gerbang restore BACKUP [--into URL|DIR] [--force] [--verify]

Restores a backup made by gerbang backup into --into (a postgres:// URL for a PostgreSQL backup, a
data directory for a PGlite one; default: the configured database, as its owner:
MIGRATION_DATABASE_URL, else DATABASE_URL). It always verifies: the files' checksums first, then
the dump is restored into a NEW database beside the target (named
<target>_restore_…, or <dir>.restoring-…) and every check of backup verify runs there; only when
all pass is it renamed into place. A failure leaves the target untouched and removes the copy.

A target that exists and is not empty is refused unless --force; with --force it is not deleted but
renamed (<name>_before_restore_<time>, or <dir>.before-restore-<time>), so it can be inspected or
dropped later. On PostgreSQL the account needs CREATEDB, and no gateway may be connected to the
target while it is swapped: stop them first. Stop the gateway before restoring over a PGlite data
directory. On PostgreSQL the runtime role (DATABASE_RUNTIME_ROLE) gets its rights on the restored
database before it is put in place. Afterwards run gerbang migrate (for a backup of an older version),
then gerbang doctor.`,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { into: { type: "string" }, force: { type: "boolean" }, verify: { type: "boolean" } },
      this.help,
    );
    const backup = positionals[0];
    if (!backup) throw new UsageError(`restore needs the backup folder.\n${this.help}`);
    const config = loadConfig();
    const { restoreBackup } = await import("../ops/restore.ts");
    const { formatReport } = await import("../ops/backup-check.ts");
    const result = await restoreBackup(backup, config, { into: values.into, force: values.force === true }, progress);
    console.log(formatReport(result.report));
    if (!result.report.verified) {
      console.error("gerbang: nothing was restored: the target is as it was.");
      return 1;
    }
    if (result.keptAside) console.log(`the previous database was kept as ${result.keptAside}`);
    console.log(`restored into ${result.target}. Next: gerbang migrate, then gerbang doctor.`);
    return 0;
  },
};

export const doctorCommand: Command = {
  help: `
Usage: gerbang doctor [--json]

Checks the live database (DATABASE_URL, or PGlite in DATA_DIR) and exits 0 only when all is well:
  migrations   none pending, none failed or edited
  schema       tables, columns, constraints, indexes and triggers as the migrations make them
               (a dropped or disabled audit trigger, a missing index, an extra column are named)
  data         no orphaned rows (foreign keys), no row that breaks a CHECK, no NIK twice
  privileges   the account is neither a superuser nor the owner of the audit tables (PostgreSQL;
               PGlite has only its superuser: noted, not a problem)
  audit chain  the audit trail verifies (as gerbang audit verify)
  archive      archive documents have well-formed checksums; how many were never verified
  backups      the newest verified backup in BACKUP_DIR is younger than BACKUP_MAX_AGE_HOURS (36)
--json prints the report for machines. Doctor only reads.`,
  async run(argv) {
    const { values } = parse(argv, { json: { type: "boolean" } }, this.help);
    const config = loadConfig();
    const { openDatabase } = await import("../db/database.ts");
    const { formatDoctor, runDoctor } = await import("../ops/doctor.ts");
    const { defaultVerifyWorkers } = await import("../audit/verify.ts");
    // It only reads: beside a running embedded gateway it goes through the gateway's socket.
    const db = await openDatabase(config.database, { joinRunningGateway: true });
    try {
      const report = await runDoctor(db, config, {
        backupDir: config.backup.dir,
        maxBackupAgeHours: config.backup.maxAgeHours,
        ...(config.database.kind === "postgres" && {
          parallel: { url: config.database.url, workers: defaultVerifyWorkers() },
        }),
      });
      console.log(values.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
      return report.healthy ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
