// What the sealer does with an entry whose hash does not match (it leaves it unsealed and raises a
// security event, and seals the rest), and what verify reports: every problem, not only the first,
// and a wrong key told apart from an altered trail.
import { describe, expect, it } from "vitest";
import { ENTRY_HASH_INVALID, sealAll } from "../../src/audit/seal.ts";
import { describeReport, PROBLEMS_SHOWN, type VerifyReport } from "../../src/audit/verify.ts";
import { createLogger } from "../../src/log.ts";
import { verifyEveryWay } from "../support/audit.ts";
import { KEY, tamperFixture } from "../support/audit-trail.ts";
import { databaseKinds } from "../support/db.ts";

/** A copy of entry `seq` with another actor and the original's hash: what a DML-only role can insert. */
const FORGE = `INSERT INTO "AuditEntry" (at, actor, role, "agencyCode", "clientId", operation, mutation, event,
    "entityType", "entityId", "citizenId", outcome, changes, purpose, "caseRef", "requestId", "clientIp", hash, "hashVersion")
  SELECT at, 'registry-framed', role, "agencyCode", "clientId", operation, mutation, event, "entityType", "entityId",
    "citizenId", outcome, changes, purpose, "caseRef", "requestId", "clientIp", hash, "hashVersion"
  FROM "AuditEntry" WHERE seq = $1::bigint RETURNING seq::text AS seq`;

describe.each(databaseKinds())("audit problems on %s", (kind) => {
  const { trail, asSuperuser } = tamperFixture(kind);

  it("leaves a forged entry unsealed, logs audit.entry_hash_invalid once, and seals the entries around it", async () => {
    const t = await trail();
    try {
      const [forged] = await t.db.query<{ seq: string }>(FORGE, [t.s[7]]);
      // One more genuine entry after the forged one: the sealer must not stop at the bad one.
      const [after] = await t.db.query<{ seq: string }>(FORGE.replace("'registry-framed'", "actor"), [t.s[8]]);
      const lines: string[] = [];
      const log = createLogger("info", (line) => lines.push(line));
      expect(await sealAll(t.db.prisma, KEY, { log })).toBe(3); // s7, s8 and the genuine copy
      expect(await sealAll(t.db.prisma, KEY, { log })).toBe(0);
      const events = lines.map((l) => JSON.parse(l));
      expect(events).toEqual([
        expect.objectContaining({
          level: "error",
          msg: ENTRY_HASH_INVALID,
          event: "audit.entry_hash_invalid",
          table: "AuditEntry",
          seq: forged?.seq,
        }),
      ]);
      const rows = await t.db.query<{ seq: string; sealId: number | null }>(
        `SELECT seq::text AS seq, "sealId" FROM "AuditEntry" WHERE seq >= $1::bigint ORDER BY "AuditEntry".seq`,
        [t.s[7]],
      );
      expect(rows.map((r) => [r.seq, r.sealId === null])).toEqual([
        [t.s[7], false],
        [t.s[8], false],
        [forged?.seq, true],
        [after?.seq, false],
      ]);
      const report = await verifyEveryWay(t.db, KEY);
      expect(report).toMatchObject({ intact: false, entries: 11, sealed: 10, unsealed: 1, problemCount: 1 });
      expect(report.wrongKey).toBeUndefined();
      expect(report.problems).toEqual([
        {
          seq: forged?.seq,
          reason: `entry ${forged?.seq} was altered or forged (its content does not match its hash)`,
        },
      ]);
    } finally {
      await t.db.close();
    }
  });

  it("lists every problem in seq order, not only the first", async () => {
    const t = await trail();
    try {
      await asSuperuser(t.db, [
        [`UPDATE "AuditEntry" SET actor = 'x' WHERE seq = ANY($1::bigint[])`, [[t.s[1], t.s[4], t.s[8]]]],
        [`DELETE FROM "AuditEntry" WHERE seq = $1::bigint`, [t.s[6]]],
      ]);
      const report = await verifyEveryWay(t.db, KEY);
      expect(report.wrongKey).toBeUndefined();
      expect(report.problemCount).toBe(4);
      expect(report.problems.map((p) => p.seq ?? `seal ${p.sealId}`)).toEqual([
        t.s[1],
        t.s[4],
        `seal ${t.seals[2]?.id}`,
        t.s[8],
      ]);
      expect(report.firstProblem).toEqual(report.problems[0]);
    } finally {
      await t.db.close();
    }
  });

  it("calls every entry altered, not the key wrong, when the seals still verify", async () => {
    const t = await trail();
    try {
      await asSuperuser(t.db, [[`UPDATE "AuditEntry" SET actor = 'x'`]]);
      const report = await verifyEveryWay(t.db, KEY);
      expect(report.wrongKey).toBeUndefined();
      expect(report.problemCount).toBe(9);
    } finally {
      await t.db.close();
    }
  });

  it("says the key is probably wrong when nothing verifies with it", async () => {
    const t = await trail({ reveals: true });
    try {
      const report = await verifyEveryWay(t.db, "another-key-than-the-one-the-trail-was-written-with");
      expect(report).toMatchObject({ intact: false, wrongKey: true, problemCount: 1 });
      expect(report.firstProblem?.reason).toMatch(
        /^nothing verifies with this key: .*AUDIT_HMAC_KEY is probably not the key/,
      );
      expect(describeReport(report, { seconds: "0.1", anchorDir: "/anchors" })).toMatch(/^BROKEN or WRONG KEY: /);
    } finally {
      await t.db.close();
    }
  });
});

describe("the printed report", () => {
  it(`prints the first ${PROBLEMS_SHOWN} problems and how many more there are`, () => {
    const problems = Array.from({ length: 120 }, (_, i) => ({
      seq: String(i + 1),
      reason: `entry ${i + 1} was altered`,
    }));
    const report: VerifyReport = {
      intact: false,
      entries: 2000,
      sealed: 2000,
      unsealed: 0,
      seals: 1,
      access: { entries: 0, sealed: 0, unsealed: 0, legacy: 0 },
      problems,
      problemCount: 1500,
      firstProblem: problems[0] as VerifyReport["problems"][number],
    };
    const lines = describeReport(report, { seconds: "1.0", anchorDir: "/anchors" }).split("\n");
    expect(lines[0]).toBe("BROKEN at entry 1: 1500 problem(s)");
    expect(lines.slice(1, -2)).toEqual(problems.slice(0, PROBLEMS_SHOWN).map((p) => `  - entry ${p.seq}: ${p.reason}`));
    expect(lines.at(-2)).toBe(`  ... and ${1500 - PROBLEMS_SHOWN} more`);
  });
});
