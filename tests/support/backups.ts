// A database to back up: on disk (PGlite in a temp data directory) or a scratch PostgreSQL database,
// seeded, with audit entries written through the gateway and sealed; and the config that names it.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileAnchorSink } from "../../src/audit/anchor.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { type Config, loadConfig, testDatabaseUrl } from "../../src/config.ts";
import { type Database, openDatabase, openPostgres } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrator.ts";
import { seed } from "../../src/db/seed.ts";
import { tokenFor } from "../fixtures/officers.ts";
import type { DatabaseKind } from "./db.ts";
import { testGateway } from "./gateway.ts";

export interface BackupTarget {
  config: Config;
  /** The backups folder and the temp files of this target. */
  backupDir: string;
  open(): Promise<Database>;
  /** Drops the scratch database (and any set aside by a restore) and removes the temp folders. */
  cleanUp(): Promise<void>;
}

export async function backupTarget(kind: DatabaseKind, citizens = 30): Promise<BackupTarget> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-backup-test-"));
  const backupDir = path.join(tmp, "backups");
  if (kind === "pglite") {
    const config = loadConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATA_DIR: path.join(tmp, "data"),
      BACKUP_DIR: backupDir,
      AUDIT_ANCHOR_DIR: path.join(tmp, "anchors"),
      AUDIT_HMAC_KEY: AUDIT_KEY,
    });
    const target: BackupTarget = {
      config,
      backupDir,
      open: () => openDatabase(config.database),
      cleanUp: async () => fs.rmSync(tmp, { recursive: true, force: true }),
    };
    await fill(target, citizens);
    return target;
  }
  const { createSiblingDatabase } = await import("../../src/ops/backup-check.ts");
  const scratch = await createSiblingDatabase(
    testDatabaseUrl() as string,
    `gerbang_test_${randomBytes(6).toString("hex")}`,
  );
  const migrating = await openPostgres(scratch.url, 2);
  await applyMigrations(migrating);
  await migrating.close();
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    DATABASE_URL: scratch.url,
    BACKUP_DIR: backupDir,
    AUDIT_ANCHOR_DIR: path.join(tmp, "anchors"),
    AUDIT_HMAC_KEY: AUDIT_KEY,
  });
  const name = new URL(scratch.url).pathname.slice(1);
  const target: BackupTarget = {
    config,
    backupDir,
    open: () => openPostgres(scratch.url, 4),
    async cleanUp() {
      const { adminQuery } = await import("../../src/ops/backup-check.ts");
      const server = new URL(scratch.url);
      server.pathname = "/postgres";
      const leftovers = await adminQuery(server.toString(), "SELECT datname FROM pg_database WHERE datname LIKE $1", [
        `${name}%`,
      ]);
      for (const row of leftovers.rows as Array<{ datname: string }>)
        await adminQuery(server.toString(), `DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  await fill(target, citizens);
  return target;
}

/** Seeds, corrects a few citizens through the gateway (audit entries), and seals them. */
async function fill(target: BackupTarget, citizens: number): Promise<void> {
  const db = await target.open();
  try {
    await seed(db.prisma, { citizens });
    const gw = testGateway(db, target.config);
    const token = await tokenFor(gw, "registryJawaBarat");
    const some = await db.query<{ id: string; version: number }>(
      `SELECT id, version FROM "Citizen" WHERE "domicileCode" LIKE '32.%' ORDER BY id LIMIT 3`,
    );
    for (const c of some) {
      const res = await gw.query(
        `mutation($input: CorrectCitizenInput!) { correctCitizen(input: $input) { id version } }`,
        { token, variables: { input: { id: c.id, version: c.version, occupation: "Guru" } } },
      );
      if (res.errors) throw new Error(`fixture mutation failed: ${JSON.stringify(res.errors)}`);
    }
    await sealWithAnchors(db, target.config);
  } finally {
    await db.close();
  }
}

/** Seals pending entries as a gateway does: each seal also appended to the anchor directory. */
export async function sealWithAnchors(db: Database, config: Config): Promise<number> {
  return sealAll(db.prisma, config.auditKey, {
    anchors: fileAnchorSink(config.anchors.dir, config.anchors.instance),
    instance: config.anchors.instance,
  });
}

/** One key for every target: a test may open a target's data with a config of its own. */
const AUDIT_KEY = "gerbang-backup-tests-audit-key-0000000000000000";

/** What the gateway answers to a registry officer and an auditor: compared before and after a restore. */
export async function answers(target: BackupTarget): Promise<unknown> {
  const db = await target.open();
  try {
    const gw = testGateway(db, target.config);
    const officer = await tokenFor(gw, "registryJawaBarat");
    const auditor = await tokenFor(gw, "auditor");
    const citizens = await gw.query(
      "{ citizens(first: 100) { edges { node { id fullName occupation birthDate domicileCode version } } } }",
      { token: officer },
    );
    const trail = await gw.query("{ auditEntries(first: 50) { edges { node { seq actor mutation outcome } } } }", {
      token: auditor,
    });
    return { citizens: citizens.data ?? citizens.errors, trail: trail.data ?? trail.errors };
  } finally {
    await db.close();
  }
}
