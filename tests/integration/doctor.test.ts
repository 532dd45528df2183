// `gerbang doctor` against a live database that was tampered with as an operator or an attacker with
// the owner's account would: a trigger disabled or dropped, an index dropped, a foreign key dropped and
// an orphaned row written, a CHECK broken, the gateway connected as a superuser; and the age of the
// newest verified backup. Plus the retention rule of `backup --keep-daily/--keep-weekly`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../src/config.ts";
import { openPostgres } from "../../src/db/database.ts";
import { createBackup, MANIFEST, VERIFIED } from "../../src/ops/backup.ts";
import { adminQuery } from "../../src/ops/backup-check.ts";
import { type DoctorReport, runDoctor } from "../../src/ops/doctor.ts";
import { applyRetention, backupsToKeep, isoWeek } from "../../src/ops/retention.ts";
import { type BackupTarget, backupTarget } from "../support/backups.ts";
import { databaseKinds } from "../support/db.ts";

const problemsOf = (report: DoctorReport, check: string) => report.checks.find((c) => c.name === check)?.problems ?? [];

describe.each(databaseKinds())("doctor on %s", (kind) => {
  let target: BackupTarget;
  const doctor = async (options: { now?: Date } = {}) => {
    const db = await target.open();
    try {
      return await runDoctor(db, target.config, { backupDir: target.backupDir, maxBackupAgeHours: 36, ...options });
    } finally {
      await db.close();
    }
  };
  /** Runs SQL as the owner, and undoes it after the test. */
  let undo: string[] = [];
  const tamper = async (sql: string, revert: string) => {
    const db = await target.open();
    try {
      await db.query(sql);
    } finally {
      await db.close();
    }
    undo.unshift(revert);
  };

  beforeAll(async () => {
    target = await backupTarget(kind, 20);
  });
  afterEach(async () => {
    const db = await target.open();
    try {
      for (const sql of undo) await db.query(sql);
    } finally {
      await db.close();
      undo = [];
    }
  });
  afterAll(async () => {
    await target?.cleanUp();
  });

  it("finds schema, data and audit chain as the migrations made them", async () => {
    const report = await doctor();
    for (const check of ["migrations", "schema", "data", "audit chain", "archive"])
      expect(problemsOf(report, check), check).toEqual([]);
    // No backup yet: reported.
    expect(problemsOf(report, "backups").join()).toMatch(/no verified backup/);
    expect(report.healthy).toBe(false);
  });

  it("catches a disabled and a dropped audit trigger", async () => {
    await tamper(
      `ALTER TABLE "AuditEntry" DISABLE TRIGGER "AuditEntry_append_only"`,
      `ALTER TABLE "AuditEntry" ENABLE TRIGGER "AuditEntry_append_only"`,
    );
    await tamper(
      `DROP TRIGGER "AuditSeal_no_truncate" ON "AuditSeal"`,
      `CREATE TRIGGER "AuditSeal_no_truncate" BEFORE TRUNCATE ON "AuditSeal" FOR EACH STATEMENT EXECUTE FUNCTION "append_only"()`,
    );
    const problems = problemsOf(await doctor(), "schema").join("\n");
    expect(problems).toMatch(
      /trigger AuditEntry\.AuditEntry_append_only differs: expected "enabled: .*", found "disabled: /,
    );
    expect(problems).toMatch(/missing trigger AuditSeal\.AuditSeal_no_truncate/);
  });

  it("catches a missing index and an unexpected column", async () => {
    await tamper(
      `DROP INDEX "Citizen_domicileCode_idx"`,
      `CREATE INDEX "Citizen_domicileCode_idx" ON "Citizen"("domicileCode")`,
    );
    await tamper(`ALTER TABLE "Citizen" ADD COLUMN "nikCopy" text`, `ALTER TABLE "Citizen" DROP COLUMN "nikCopy"`);
    const problems = problemsOf(await doctor(), "schema");
    expect(problems).toContain("missing index Citizen.Citizen_domicileCode_idx");
    expect(problems).toContain("unexpected column Citizen.nikCopy");
  });

  it("catches an orphaned row and a row that breaks a CHECK, written with the constraints gone", async () => {
    await tamper(
      `ALTER TABLE "TaxRecord" DROP CONSTRAINT "TaxRecord_citizenId_fkey"`,
      `ALTER TABLE "TaxRecord" ADD CONSTRAINT "TaxRecord_citizenId_fkey" FOREIGN KEY ("citizenId") REFERENCES "Citizen"("id") ON DELETE RESTRICT ON UPDATE CASCADE`,
    );
    const db = await target.open();
    const [tax] = await db.query<{ id: string; citizenId: string }>(`SELECT id, "citizenId" FROM "TaxRecord" LIMIT 1`);
    await db.close();
    await tamper(
      `UPDATE "TaxRecord" SET "citizenId" = 'no-such-citizen' WHERE id = '${tax?.id}'`,
      `UPDATE "TaxRecord" SET "citizenId" = '${tax?.citizenId}' WHERE id = '${tax?.id}'`,
    );
    await tamper(
      `ALTER TABLE "Citizen" DROP CONSTRAINT "Citizen_addressRt_format"`,
      `ALTER TABLE "Citizen" ADD CONSTRAINT "Citizen_addressRt_format" CHECK ("addressRt" ~ '^[0-9]{3}$')`,
    );
    await tamper(
      `UPDATE "Citizen" SET "addressRt" = 'X1' WHERE id = '${tax?.citizenId}'`,
      `UPDATE "Citizen" SET "addressRt" = '001' WHERE id = '${tax?.citizenId}'`,
    );
    const report = await doctor();
    expect(problemsOf(report, "data")).toEqual([
      "1 orphaned row(s) in TaxRecord: citizenId names no Citizen (TaxRecord_citizenId_fkey)",
      "1 row(s) of Citizen break Citizen_addressRt_format",
    ]);
    expect(problemsOf(report, "schema")).toContain("missing constraint TaxRecord.TaxRecord_citizenId_fkey");
  });

  it.runIf(kind === "postgres")("reports a gateway connected as a superuser", async () => {
    const privileges = problemsOf(await doctor(), "privileges").join("\n");
    expect(privileges).toMatch(/connected as \w+, a superuser/);
  });

  it("reports the age of the newest verified backup", async () => {
    const backup = await createBackup(target.config, target.backupDir, () => {});
    // Not verified yet: it does not count.
    expect(problemsOf(await doctor(), "backups").join()).toMatch(/no verified backup/);
    fs.writeFileSync(path.join(backup, VERIFIED), JSON.stringify({ verifiedAt: new Date().toISOString() }));
    const fresh = await doctor();
    expect(problemsOf(fresh, "backups")).toEqual([]);
    expect(fresh.checks.find((c) => c.name === "backups")?.note).toMatch(/hours old/);
    const later = await doctor({ now: new Date(Date.now() + 3 * 86_400_000) });
    expect(problemsOf(later, "backups").join()).toMatch(/3\.0 days old \(more than 36 hours\)/);
  });
});

describe.skipIf(!testDatabaseUrl())("doctor on postgres as a least-privileged role", () => {
  it("has no privilege problem for a role that neither is a superuser nor owns the audit tables", async () => {
    const target = await backupTarget("postgres", 5);
    const url = (target.config.database as { url: string }).url;
    const role = `gerbang_doctor_${Date.now()}`;
    try {
      await adminQuery(url, `CREATE ROLE ${role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      const roleUrl = new URL(url);
      roleUrl.username = role;
      const db = await openPostgres(roleUrl.toString(), 2);
      try {
        const report = await runDoctor(db, target.config, { backupDir: target.backupDir, maxBackupAgeHours: 36 });
        expect(problemsOf(report, "privileges")).toEqual([]);
        expect(problemsOf(report, "schema")).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      await target.cleanUp();
      await adminQuery(testDatabaseUrl() as string, `DROP ROLE IF EXISTS ${role}`);
    }
  });
});

describe("backup retention", () => {
  const at = (iso: string) => ({ dir: iso, createdAt: new Date(iso) });

  it("keeps the newest backup of each of the N newest days and M newest ISO weeks", () => {
    const backups = [
      at("2026-12-02T02:00:00Z"),
      at("2026-12-02T01:00:00Z"), // same day, older: dropped
      at("2026-12-01T02:00:00Z"),
      at("2026-11-30T02:00:00Z"), // Monday of week 49
      at("2026-11-29T02:00:00Z"), // Sunday: newest of week 48
      at("2026-11-25T02:00:00Z"),
      at("2026-11-20T02:00:00Z"), // newest of week 47
      at("2026-11-10T02:00:00Z"), // week 46: beyond 3 weeks
    ];
    expect(isoWeek(new Date("2026-11-29T02:00:00Z"))).toBe("2026-W48");
    expect(isoWeek(new Date("2026-11-30T02:00:00Z"))).toBe("2026-W49");
    expect(isoWeek(new Date("2027-01-01T00:00:00Z"))).toBe("2026-W53");
    const kept = [...backupsToKeep(backups, 3, 3)].sort();
    expect(kept).toEqual(
      [
        "2026-12-02T02:00:00Z",
        "2026-12-01T02:00:00Z",
        "2026-11-30T02:00:00Z",
        "2026-11-29T02:00:00Z",
        "2026-11-20T02:00:00Z",
      ].sort(),
    );
  });

  it("deletes only backups (folders with a manifest), never unfinished or foreign folders", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-retention-"));
    try {
      const make = (name: string, createdAt?: string) => {
        fs.mkdirSync(path.join(dir, name));
        if (createdAt)
          fs.writeFileSync(
            path.join(dir, name, MANIFEST),
            JSON.stringify({ format: "gerbang-backup", formatVersion: 1, createdAt }),
          );
      };
      make("gerbang-new", "2026-12-02T02:00:00Z");
      make("gerbang-old", "2026-10-01T02:00:00Z");
      make("gerbang-running.partial");
      make("photos");
      const deleted = applyRetention(dir, 1, 1);
      expect(deleted.map((d) => path.basename(d))).toEqual(["gerbang-old"]);
      expect(fs.readdirSync(dir).sort()).toEqual(["gerbang-new", "gerbang-running.partial", "photos"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
