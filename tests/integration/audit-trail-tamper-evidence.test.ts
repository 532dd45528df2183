// The audit trail, 3: tamper evidence. Any tampering a superuser could do with raw SQL (edits, deletions,
// swaps, truncation, with or without recomputed hashes) is detected by verifyAudit, which names the first
// broken entry or seal; without the superuser's bypass the triggers refuse the tampering outright.
import { describe, expect, it } from "vitest";
import { sealAll } from "../../src/audit/seal.ts";
import { seed } from "../../src/db/seed.ts";
import { verifyEveryWay } from "../support/audit.ts";
import { citizenInput, expectOk, KEY, REGISTER, tamperFixture } from "../support/audit-trail.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { testGateway } from "../support/gateway.ts";

describe.each(databaseKinds())("audit trail on %s", (kind) => {
  describe("tamper evidence", () => {
    const { trail, tampered } = tamperFixture(kind);

    const at = (list: string[], i: number) => list[i] as string;

    it("verifies an untouched trail as intact when a seal spans seq 9 to 10", async () => {
      const fresh = await openTestDatabase(kind);
      try {
        await seed(fresh.prisma, { citizens: 0 });
        const g = testGateway(fresh);
        const token = await g.token("registry_officer", {
          region: "32.01",
          agency: "DUKCAPIL-3201",
          subject: "registry-v",
        });
        for (let i = 0; i < 12; i++) {
          expectOk(await g.query(REGISTER, { token, variables: { input: citizenInput() } }), "register");
        }
        expect(await sealAll(fresh.prisma, KEY)).toBe(12);
        const [range] = await fresh.query<{ first: string; last: string }>(
          `SELECT min("seq")::text AS first, max("seq")::text AS last FROM "AuditEntry"`,
        );
        expect(range).toEqual({ first: "1", last: "12" });
        const report = await verifyEveryWay(fresh, KEY);
        expect(report, JSON.stringify(report)).toMatchObject({
          intact: true,
          entries: 12,
          sealed: 12,
          unsealed: 0,
          seals: 1,
        });
      } finally {
        await fresh.close();
      }
    });

    it("refuses the tampering without the bypass: the triggers stand", async () => {
      const t = await trail();
      try {
        await expect(
          t.db.query(`UPDATE "AuditEntry" SET "actor" = 'x' WHERE "seq" = $1`, [at(t.s, 1)]),
        ).rejects.toMatchObject({
          code: "23514",
        });
        await expect(t.db.query(`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id])).rejects.toMatchObject({
          code: "23514",
        });
        expect((await verifyEveryWay(t.db, KEY)).intact).toBe(true);
      } finally {
        await t.db.close();
      }
    });

    it("detects an edited sealed entry and names it", async () => {
      await tampered(
        (t) => [[`UPDATE "AuditEntry" SET "actor" = 'someone-else' WHERE "seq" = $1`, [at(t.s, 1)]]],
        (r, t) => {
          expect(r.firstProblem?.seq).toBe(at(t.s, 1));
          expect(r.firstProblem?.sealId).toBeUndefined();
          expect(r.firstProblem?.reason).toMatch(/altered/);
        },
      );
    });

    it("detects an edited sealed entry whose hash was recomputed without the key", async () => {
      await tampered(
        (t) => {
          return [
            [`UPDATE "AuditEntry" SET "outcome" = 'DENIED' WHERE "seq" = $1`, [at(t.s, 4)]],
            // The forger recomputes the row hash with a key of their own: it is not a hash made with ours.
            [
              `UPDATE "AuditEntry" SET "hash" = encode(sha256(convert_to("requestId" || 'DENIED', 'UTF8')), 'hex') WHERE "seq" = $1`,
              [at(t.s, 4)],
            ],
          ];
        },
        (r, t) => {
          // Its seal's digest broke too (it covers content and hash); verify names the entry that explains it.
          expect(r.problems, JSON.stringify(r.problems)).toEqual([
            {
              seq: at(t.s, 4),
              reason: `entry ${at(t.s, 4)} was altered or forged (its content does not match its hash)`,
            },
          ]);
        },
      );
    });

    it("detects a deleted sealed entry and names its seal", async () => {
      await tampered(
        (t) => [[`DELETE FROM "AuditEntry" WHERE "seq" = $1`, [at(t.s, 4)]]],
        (r, t) => {
          expect(r.entries).toBe(8);
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toContain(`entries ${at(t.s, 3)}..${at(t.s, 5)}`);
          expect(r.firstProblem?.reason).toMatch(/2 of 3 entries match/);
        },
      );
    });

    it("detects two sealed entries swapped (reordered)", async () => {
      await tampered(
        (t) => [
          [`UPDATE "AuditEntry" SET "seq" = -1 WHERE "seq" = $1`, [at(t.s, 3)]],
          [`UPDATE "AuditEntry" SET "seq" = $1 WHERE "seq" = $2`, [at(t.s, 3), at(t.s, 4)]],
          [`UPDATE "AuditEntry" SET "seq" = $1 WHERE "seq" = -1`, [at(t.s, 4)]],
        ],
        (r, t) => {
          expect(r.entries).toBe(9);
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toMatch(/renumbered/);
        },
      );
    });

    it("detects truncation: newest entries, their seal deleted and the head moved back", async () => {
      await tampered(
        (t) => [
          [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [at(t.s, 6)]],
          [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id]],
          [`UPDATE "AuditHead" SET "sealId" = $1, "sealHash" = $2 WHERE "id" = 1`, [t.seals[1]?.id, t.seals[1]?.hash]],
        ],
        (r) => {
          expect(r).toMatchObject({ entries: 6, seals: 2 });
          expect(r.firstProblem?.reason).toMatch(/truncated/);
        },
      );
    });

    it("detects truncation: newest entries and their seal deleted, head left behind", async () => {
      await tampered(
        (t) => [
          [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [at(t.s, 6)]],
          [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id]],
        ],
        (r, t) => {
          expect(r.firstProblem?.reason).toMatch(/truncated/);
          expect(r.firstProblem?.reason).toContain(
            `head names seal ${t.seals[2]?.id}, newest seal is ${t.seals[1]?.id}`,
          );
        },
      );
    });

    it("detects truncation: newest entries, their seal and the head deleted", async () => {
      await tampered(
        (t) => [
          [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [at(t.s, 6)]],
          [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id]],
          [`DELETE FROM "AuditHead" WHERE "id" = 1`],
        ],
        (r, t) => {
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toMatch(/head is missing/);
        },
      );
    });

    it("detects an edited seal and names it", async () => {
      await tampered(
        (t) => [[`UPDATE "AuditSeal" SET "entryCount" = 2 WHERE "id" = $1`, [t.seals[1]?.id]]],
        (r, t) => {
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toContain(`seal ${t.seals[1]?.id}`);
        },
      );
      await tampered(
        (t) => [[`UPDATE "AuditSeal" SET "digest" = repeat('0', 64) WHERE "id" = $1`, [t.seals[0]?.id]]],
        (r, t) => {
          expect(r.firstProblem?.sealId).toBe(t.seals[0]?.id);
          expect(r.firstProblem?.reason).toBe(`seal ${t.seals[0]?.id} was altered`);
        },
      );
    });

    it("detects an edited unsealed entry and names it", async () => {
      await tampered(
        (t) => [
          [
            `UPDATE "AuditEntry" SET "changes" = '{"fullName":{"before":null,"after":"X"}}' WHERE "seq" = $1`,
            [at(t.s, 8)],
          ],
        ],
        (r, t) => {
          expect(r.firstProblem?.seq).toBe(at(t.s, 8));
          expect(r.firstProblem?.reason).toMatch(/altered/);
        },
      );
    });

    it("names the first of several problems", async () => {
      await tampered(
        (t) => [
          [`UPDATE "AuditEntry" SET "clientIp" = '10.9.9.9' WHERE "seq" = $1`, [at(t.s, 7)]],
          [`UPDATE "AuditEntry" SET "at" = "at" - interval '1 day' WHERE "seq" = $1`, [at(t.s, 2)]],
        ],
        (r, t) => {
          expect(r.firstProblem?.seq).toBe(at(t.s, 2));
        },
      );
    });
  });
});
