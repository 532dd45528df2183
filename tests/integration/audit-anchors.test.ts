// Issue 11: the owner of the audit tables (not a superuser) rewrites the trail so that the database
// alone is consistent again: it clears the seals and the head, deletes an entry and lets the running
// sealer re-seal what is left; or it deletes the newest entries and seals and puts an older head
// back. Only the anchors outside the database still know what was sealed: verify compares the
// database with them, reports BROKEN and names the last seal that still matches.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileAnchorSink, readAnchors } from "../../src/audit/anchor.ts";
import { headMac } from "../../src/audit/hash.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { type VerifyReport, verifyAudit } from "../../src/audit/verify.ts";
import type { Database } from "../../src/db/database.ts";
import { verifyEveryWay } from "../support/audit.ts";
import { KEY, type Trail, tamperFixture } from "../support/audit-trail.ts";
import { AUDIT_TABLES, auditTableOwner, databaseKinds } from "../support/db.ts";

type Statements = Array<[string, unknown[]?]>;

describe.each(databaseKinds())("audit anchors on %s", (kind) => {
  const { trail } = tamperFixture(kind);
  let dir: string;
  let t: Trail | undefined;
  let owner: Awaited<ReturnType<typeof auditTableOwner>> | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-anchors-"));
  });
  afterEach(async () => {
    await t?.db.close();
    await owner?.drop();
    t = undefined;
    owner = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** An anchored trail: 9 entries (7 sealed in 3 seals) and 3 access entries (2 sealed). */
  async function anchoredTrail(): Promise<Trail> {
    t = await trail({ anchors: fileAnchorSink(dir, "test"), reveals: true });
    return t;
  }

  /**
   * Runs the statements in one transaction as the owner of the audit tables with their triggers off:
   * on PostgreSQL as a non-superuser role that owns them, on PGlite (one superuser) as that user.
   */
  async function asOwner(target: Trail, statements: Statements): Promise<void> {
    let db: Database = target.db;
    if (kind === "postgres") {
      owner = await auditTableOwner(target.db);
      db = owner.db;
    }
    await db.query("BEGIN");
    for (const table of AUDIT_TABLES) await db.query(`ALTER TABLE "${table}" DISABLE TRIGGER USER`);
    for (const [sql, params] of statements) await db.query(sql, params ?? []);
    for (const table of AUDIT_TABLES) await db.query(`ALTER TABLE "${table}" ENABLE TRIGGER USER`);
    await db.query("COMMIT");
  }

  const verify = (db: Database) => verifyAudit(db, KEY, { anchorDir: dir });
  const reasons = (r: VerifyReport) => r.problems.map((p) => p.reason);

  it("verifies an untouched anchored trail as intact, every seal anchored once and fsynced to its file", async () => {
    const trail = await anchoredTrail();
    const anchors = readAnchors(dir);
    expect(anchors.files).toEqual(["anchors-test.jsonl"]);
    expect(anchors.records.map((r) => [r.sealId, r.sealHash])).toEqual(trail.seals.map((s) => [s.id, s.hash]));
    expect(anchors.records[0]).toMatchObject({ firstSeq: trail.s[0], lastSeq: trail.s[2], accessCount: 1 });
    const report = await verify(trail.db);
    expect(report, JSON.stringify(report)).toMatchObject({
      intact: true,
      entries: 9,
      sealed: 7,
      access: { entries: 3, sealed: 2, unsealed: 1, legacy: 0 },
      anchors: { files: 1, records: 3, lastMatchingSeal: { id: trail.seals[2]?.id }, unanchoredSeals: 0 },
    });
  });

  it("catches the owner clearing the seals and the head, deleting an entry and letting the sealer re-seal the rest", async () => {
    const trail = await anchoredTrail();
    await asOwner(trail, [
      [`UPDATE "AuditEntry" SET "sealId" = NULL`],
      [`UPDATE "AccessEntry" SET "sealId" = NULL`],
      [`DELETE FROM "AuditHead"`],
      [`DELETE FROM "AuditSeal"`],
      [`DELETE FROM "AuditEntry" WHERE "seq" = $1`, [trail.s[1]]],
    ]);
    // The running gateway's sealer takes in what is left, anchoring its new seals too.
    expect(await sealAll(trail.db.prisma, KEY, { anchors: fileAnchorSink(dir, "test"), instance: "test" })).toBe(11);
    // The database alone is consistent again: this is what the anchors are for.
    expect(await verifyEveryWay(trail.db, KEY)).toMatchObject({ intact: true, entries: 8, sealed: 8 });

    const report = await verify(trail.db);
    expect(report.intact).toBe(false);
    expect(report.anchors?.lastMatchingSeal).toBeNull();
    expect(reasons(report)).toEqual(
      trail.seals.map((s) =>
        expect.stringMatching(
          new RegExp(
            `^seal ${s.id} \\(anchored at .*\\) is missing from the database: the trail was truncated or rolled back; no anchored seal still matches$`,
          ),
        ),
      ),
    );
  });

  it("catches the same when the owner also resets the seal ids, so the new seals take the old ids", async () => {
    const trail = await anchoredTrail();
    await asOwner(trail, [
      [`UPDATE "AuditEntry" SET "sealId" = NULL`],
      [`UPDATE "AccessEntry" SET "sealId" = NULL`],
      [`DELETE FROM "AuditHead"`],
      [`DELETE FROM "AuditSeal"`],
      [`DELETE FROM "AuditEntry" WHERE "seq" = $1`, [trail.s[1]]],
      [`SELECT setval(pg_get_serial_sequence('"AuditSeal"', 'id'), $1::int, false)`, [trail.seals[0]?.id]],
    ]);
    await sealAll(trail.db.prisma, KEY, { anchors: fileAnchorSink(dir, "test"), instance: "test" });
    const report = await verify(trail.db);
    expect(report.intact).toBe(false);
    expect(report.firstProblem?.reason).toMatch(
      new RegExp(`^seal ${trail.seals[0]?.id} was anchored twice with different hashes: the trail was re-sealed`),
    );
    expect(report.anchors?.lastMatchingSeal).toBeNull();
  });

  it("catches the owner deleting the newest entries and seal and putting the saved older head back", async () => {
    const trail = await anchoredTrail();
    const [kept, dropped] = [trail.seals[1], trail.seals[2]];
    if (!kept || !dropped) throw new Error("the fixture has three seals");
    // The head row as the owner saved it while seal 2 was the newest (its MAC is the one written then).
    const savedHead = [kept.id, kept.hash, headMac(KEY, kept.id, kept.hash)];
    await asOwner(trail, [
      [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [trail.s[6]]],
      [`DELETE FROM "AccessEntry" WHERE "sealId" IS NULL OR "sealId" = $1`, [dropped.id]],
      [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [dropped.id]],
      [`UPDATE "AuditHead" SET "sealId" = $1, "sealHash" = $2, "mac" = $3`, savedHead],
    ]);
    expect(await verifyEveryWay(trail.db, KEY)).toMatchObject({ intact: true, entries: 6, seals: 2 });

    const report = await verify(trail.db);
    expect(report.intact).toBe(false);
    expect(report.anchors?.lastMatchingSeal?.id).toBe(kept.id);
    expect(reasons(report)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^seal ${dropped.id} .* is missing from the database: .*last seal that still matches its anchor is seal ${kept.id} `,
        ),
      ),
    ]);
  });

  it.runIf(kind === "postgres")(
    "gerbang audit verify exits 1, prints BROKEN and names the last seal that still matches",
    async () => {
      const trail = await anchoredTrail();
      const [kept, dropped] = [trail.seals[0], trail.seals[1]];
      if (!kept || !dropped) throw new Error("the fixture has three seals");
      await asOwner(trail, [
        [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [trail.s[3]]],
        [`DELETE FROM "AccessEntry" WHERE "sealId" IS DISTINCT FROM $1`, [kept.id]],
        [`DELETE FROM "AuditSeal" WHERE "id" > $1`, [kept.id]],
        [
          `UPDATE "AuditHead" SET "sealId" = $1, "sealHash" = $2, "mac" = $3`,
          [kept.id, kept.hash, headMac(KEY, kept.id, kept.hash)],
        ],
      ]);
      const cli = spawnSync(process.execPath, ["bin/gerbang.js", "audit", "verify"], {
        env: {
          PATH: process.env.PATH ?? "",
          NODE_ENV: "test",
          LOG_LEVEL: "silent",
          DATABASE_URL: (trail.db as Database & { url: string }).url,
          AUDIT_HMAC_KEY: KEY,
          AUDIT_ANCHOR_DIR: dir,
        },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(cli.stderr).toBe("");
      expect(cli.status).toBe(1);
      expect(cli.stdout).toMatch(
        new RegExp(
          `^BROKEN at seal ${dropped.id}: 2 problem\\(s\\); the last seal that still matches its anchor is seal ${kept.id} `,
        ),
      );
      expect(cli.stdout).toContain(`  - seal ${trail.seals[2]?.id}: seal ${trail.seals[2]?.id} (anchored at`);
    },
  );
});
