// Backups proven by a restore: back up, damage the live database, restore over it, and the gateway
// answers as before; a damaged backup (flipped byte, truncated or missing file, a manifest that lies)
// is refused by verify and by restore, which then leaves the target as it was.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackup, MANIFEST, type Manifest, VERIFIED } from "../../src/ops/backup.ts";
import { verifyBackup } from "../../src/ops/backup-check.ts";
import { restoreBackup } from "../../src/ops/restore.ts";
import { answers, type BackupTarget, backupTarget, sealWithAnchors } from "../support/backups.ts";
import { databaseKinds } from "../support/db.ts";

const quiet = () => {};

/** A copy of a backup folder to damage, beside the original. */
function copyOf(backup: string, name: string): string {
  const copy = `${backup}-${name}`;
  fs.cpSync(backup, copy, { recursive: true });
  fs.rmSync(path.join(copy, VERIFIED), { force: true });
  return copy;
}

const failed = (report: { checks: Array<{ name: string; problems: string[] }> }) =>
  report.checks.filter((c) => c.problems.length).map((c) => `${c.name}: ${c.problems.join("; ")}`);

describe.each(databaseKinds())("backup and restore on %s", (kind) => {
  let target: BackupTarget;
  let backup: string;
  let before: unknown;
  let dump: string;

  beforeAll(async () => {
    target = await backupTarget(kind);
    before = await answers(target);
    backup = await createBackup(target.config, target.backupDir, quiet);
    dump = kind === "postgres" ? "database.dump" : "pgdata.tar.gz";
  });
  afterAll(async () => {
    await target?.cleanUp();
  });

  it("writes a manifest with checksums, row counts, migrations and the audit head", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(backup, MANIFEST), "utf8")) as Manifest;
    expect(manifest.engine).toBe(kind);
    expect(Object.keys(manifest.files)).toEqual([dump]);
    expect(manifest.files[dump]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.facts.rowCounts.Citizen).toBe(30);
    expect(manifest.facts.rowCounts.AuditEntry).toBe(3);
    expect(manifest.facts.audit.headSealId).not.toBeNull();
    expect(manifest.facts.migrations.length).toBeGreaterThan(0);
    expect(manifest.anchor?.sealId).toBe(manifest.facts.audit.headSealId);
    expect(manifest.anchor?.sealHash).toBe(manifest.facts.audit.headSealHash);
    // Backups hold personal data: only their owner may read them.
    expect(fs.statSync(backup).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(backup, dump)).mode & 0o077).toBe(0);
  });

  it("verifies a good backup by restoring it into a scratch database", async () => {
    const report = await verifyBackup(backup, target.config, quiet);
    expect(failed(report)).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(["files", "schema", "contents", "constraints", "audit chain"]);
    expect(fs.existsSync(path.join(backup, VERIFIED))).toBe(true);
  });

  it.each([
    ["a flipped byte", (dir: string, file: string) => flipByte(path.join(dir, file)), /SHA-256 differs/],
    ["a truncated file", (dir: string, file: string) => truncate(path.join(dir, file)), /bytes, the manifest says/],
    ["a missing file", (dir: string, file: string) => fs.rmSync(path.join(dir, file)), /missing/],
  ])("refuses a backup with %s, naming the file", async (name, damage, reason) => {
    const copy = copyOf(backup, name.replaceAll(" ", "-"));
    damage(copy, dump);
    const report = await verifyBackup(copy, target.config, quiet);
    expect(report.verified).toBe(false);
    expect(failed(report).join("\n")).toMatch(new RegExp(`files: ${dump}: .*${reason.source}`));
    expect(fs.existsSync(path.join(copy, VERIFIED))).toBe(false);
  });

  it("refuses a backup whose manifest lies about the row counts or the audit head", async () => {
    const copy = copyOf(backup, "lying");
    const file = path.join(copy, MANIFEST);
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    manifest.facts.rowCounts.Citizen = 31;
    manifest.facts.audit.lastSeq = "99";
    fs.writeFileSync(file, JSON.stringify(manifest));
    const report = await verifyBackup(copy, target.config, quiet);
    expect(report.verified).toBe(false);
    const problems = failed(report).join("\n");
    expect(problems).toMatch(/row count of Citizen: the manifest says 31, the database has 30/);
    expect(problems).toMatch(/audit lastSeq: the manifest says 99/);
  });

  it("refuses to restore over a non-empty database without --force", async () => {
    await expect(restoreBackup(backup, target.config, { force: false }, quiet)).rejects.toThrow(/not empty.*--force/);
  });

  it("leaves the target as it was when the backup is damaged", async () => {
    const copy = copyOf(backup, "restore-damaged");
    flipByte(path.join(copy, dump));
    const result = await restoreBackup(copy, target.config, { force: true }, quiet);
    expect(result.report.verified).toBe(false);
    expect(result.keptAside).toBeUndefined();
    expect(await answers(target)).toEqual(before);
  });

  it("after the live database is damaged, a restore brings back the same answers", async () => {
    const db = await target.open();
    try {
      await db.query(`DROP TABLE "ServiceRecord"`);
      await db.query(`UPDATE "Citizen" SET "occupation" = 'Rusak'`);
    } finally {
      await db.close();
    }
    expect(await answers(target)).not.toEqual(before);
    const result = await restoreBackup(backup, target.config, { force: true }, quiet);
    expect(failed(result.report)).toEqual([]);
    expect(result.report.verified).toBe(true);
    expect(result.keptAside).toBeDefined(); // the damaged one is set aside, never deleted
    expect(await answers(target)).toEqual(before);
    if (kind === "postgres") {
      // The runtime role has its rights on the restored database again (pg_restore leaves grants out).
      expect(result.report.checks.find((c) => c.name === "grants")?.note).toMatch(/^gerbang_runtime on \d+ tables$/);
      const db = await target.open();
      try {
        const [grant] = await db.query<{ ok: boolean }>(
          `SELECT has_table_privilege('gerbang_runtime', '"Citizen"', 'SELECT') AND NOT has_table_privilege('gerbang_runtime', '"AuditEntry"', 'DELETE') AS ok`,
        );
        expect(grant?.ok).toBe(true);
      } finally {
        await db.close();
      }
    }
    const db2 = await target.open();
    try {
      const [row] = await db2.query<{ n: number }>(`SELECT count(*)::int AS n FROM "ServiceRecord"`);
      expect(row?.n).toBeGreaterThan(0);
    } finally {
      await db2.close();
    }
  });
});

function flipByte(file: string): void {
  const bytes = fs.readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  fs.writeFileSync(file, bytes);
}

function truncate(file: string): void {
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
}

describe.each(databaseKinds())("a backup of a trail its owner rewrote, on %s", (kind) => {
  let target: BackupTarget;
  afterAll(async () => {
    await target?.cleanUp();
  });

  it("is refused: its seals do not match the anchors written outside the database", async () => {
    target = await backupTarget(kind, 10);
    const db = await target.open();
    try {
      // Issue 11's insider, as the tables' owner: triggers off, seals and head gone, one entry
      // deleted, triggers on; then the sealer seals what is left (and anchors the new seal too).
      for (const statement of `
        ALTER TABLE "AuditEntry" DISABLE TRIGGER USER; ALTER TABLE "AuditSeal" DISABLE TRIGGER USER;
        ALTER TABLE "AuditHead" DISABLE TRIGGER USER; ALTER TABLE "AccessEntry" DISABLE TRIGGER USER;
        UPDATE "AuditEntry" SET "sealId" = NULL; UPDATE "AccessEntry" SET "sealId" = NULL;
        DELETE FROM "AuditHead"; DELETE FROM "AuditSeal";
        DELETE FROM "AuditEntry" WHERE seq = (SELECT min(seq) FROM "AuditEntry");
        ALTER TABLE "AuditEntry" ENABLE TRIGGER USER; ALTER TABLE "AuditSeal" ENABLE TRIGGER USER;
        ALTER TABLE "AuditHead" ENABLE TRIGGER USER; ALTER TABLE "AccessEntry" ENABLE TRIGGER USER;`.split(";"))
        if (statement.trim()) await db.query(statement);
      expect(await sealWithAnchors(db, target.config)).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
    const backup = await createBackup(target.config, target.backupDir, quiet);
    const report = await verifyBackup(backup, target.config, quiet);
    expect(report.verified).toBe(false);
    expect(failed(report).join("\n")).toMatch(/^audit chain: audit chain broken: .*anchor/);
  });
});
