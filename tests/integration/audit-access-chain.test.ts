// Access entries (the log of clear reveals) join the sealed chain: each carries a keyed hash, the
// sealer seals it with the audit entries, verify checks it. A reveal forged in another officer's
// name (framing them) or a real one deleted shows; entries from before access entries were hashed
// still verify, and one without a hash slipped in later does not.
import { describe, expect, it } from "vitest";
import { type AccessContent, accessHash } from "../../src/audit/hash.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { createLogger } from "../../src/log.ts";
import { verifyEveryWay } from "../support/audit.ts";
import { KEY, tamperFixture } from "../support/audit-trail.ts";
import { databaseKinds } from "../support/db.ts";

/** A reveal in another officer's name, as a role that may only INSERT would write it. */
const FORGE = `INSERT INTO "AccessEntry" (actor, role, "agencyCode", "clientId", "citizenId", field, purpose, "caseRef", "requestId", hash)
  SELECT 'registry-framed', role, "agencyCode", "clientId", "citizenId", field, purpose, "caseRef", "requestId", $2
  FROM "AccessEntry" WHERE seq = $1::bigint RETURNING seq::text AS seq`;

describe.each(databaseKinds())("access entries in the chain on %s", (kind) => {
  const { trail, asSuperuser } = tamperFixture(kind);

  it("hashes every reveal with the audit key and seals it with the audit entries", async () => {
    const t = await trail({ reveals: true });
    try {
      const rows = await t.db.query<AccessContent & { seq: string; hash: string; sealId: number | null }>(
        `SELECT *, seq::text AS seq, kind::text AS kind, outcome::text AS outcome FROM "AccessEntry" ORDER BY "AccessEntry".seq`,
      );
      for (const r of rows) expect(accessHash(KEY, r)).toBe(r.hash);
      expect(rows.map((r) => r.sealId)).toEqual([t.seals[0]?.id, t.seals[1]?.id, null]);
      expect(await verifyEveryWay(t.db, KEY)).toMatchObject({
        intact: true,
        access: { entries: 3, sealed: 2, unsealed: 1, legacy: 0 },
      });
    } finally {
      await t.db.close();
    }
  });

  it("reports a forged reveal (wrong hash) and never seals it", async () => {
    const t = await trail({ reveals: true });
    try {
      const [forged] = await t.db.query<{ seq: string }>(FORGE, [t.a[0], "f".repeat(64)]);
      const lines: string[] = [];
      expect(await sealAll(t.db.prisma, KEY, { log: createLogger("info", (l) => lines.push(l)) })).toBe(3);
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ event: "audit.entry_hash_invalid", table: "AccessEntry", seq: forged?.seq }),
      ]);
      const report = await verifyEveryWay(t.db, KEY);
      expect(report).toMatchObject({ intact: false, access: { entries: 4, sealed: 3, unsealed: 1 } });
      expect(report.problems).toEqual([
        {
          accessSeq: forged?.seq,
          reason: `access entry ${forged?.seq} was altered or forged (its content does not match its hash)`,
        },
      ]);
    } finally {
      await t.db.close();
    }
  });

  it("refuses a reveal without a hash, and reports one slipped in past the rule", async () => {
    const t = await trail({ reveals: true });
    try {
      await expect(t.db.query(FORGE, [t.a[0], null])).rejects.toMatchObject({ code: "23514" });
      await asSuperuser(t.db, [
        [`ALTER TABLE "AccessEntry" DROP CONSTRAINT "AccessEntry_hash_required"`],
        [FORGE, [t.a[0], null]],
      ]);
      const report = await verifyEveryWay(t.db, KEY);
      expect(report.intact).toBe(false);
      expect(report.problems.map((p) => p.reason)).toEqual([
        expect.stringMatching(/^access entry \d+ has no hash but was written after access entries were hashed/),
      ]);
    } finally {
      await t.db.close();
    }
  });

  it("reports a deleted sealed reveal by its seal", async () => {
    const t = await trail({ reveals: true });
    try {
      await asSuperuser(t.db, [[`DELETE FROM "AccessEntry" WHERE seq = $1::bigint`, [t.a[1]]]]);
      const report = await verifyEveryWay(t.db, KEY);
      expect(report.intact).toBe(false);
      expect(report.problems).toEqual([
        {
          sealId: t.seals[1]?.id,
          reason: `seal ${t.seals[1]?.id} (access entries ${t.a[1]}..${t.a[1]}): 0 of 1 access entries match; one was deleted, inserted or renumbered`,
        },
      ]);
    } finally {
      await t.db.close();
    }
  });

  it("still verifies reveals written before access entries were hashed (no hash, never sealed)", async () => {
    const t = await trail();
    try {
      // As the migration left them: rows without a hash, older than every hashed one.
      await asSuperuser(t.db, [
        [`ALTER TABLE "AccessEntry" DROP CONSTRAINT "AccessEntry_hash_required"`],
        [
          `INSERT INTO "AccessEntry" (actor, role, "citizenId", field, purpose, "caseRef", "requestId")
           VALUES ('u-1', 'registry_officer', 'c-1', 'nik', 'court-order', 'PN-1', 'req-1'),
                  ('u-2', 'registry_officer', 'c-2', 'nik', 'court-order', 'PN-2', 'req-2')`,
        ],
        [`ALTER TABLE "AccessEntry" ADD CONSTRAINT "AccessEntry_hash_required" CHECK ("hash" IS NOT NULL) NOT VALID`],
      ]);
      expect(await sealAll(t.db.prisma, KEY)).toBe(2); // the two unsealed audit entries, not the old reveals
      expect(await verifyEveryWay(t.db, KEY)).toMatchObject({
        intact: true,
        access: { entries: 2, sealed: 0, unsealed: 0, legacy: 2 },
      });
    } finally {
      await t.db.close();
    }
  });
});
