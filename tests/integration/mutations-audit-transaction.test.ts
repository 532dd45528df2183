// The audit entry is part of the change's transaction: proved by making the audit write, and the
// commit, fail on purpose.
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../support/db.ts";
import { mutationFixture } from "../support/mutations.ts";

describe.each(databaseKinds())("mutations on %s", (kind) => {
  const fx = mutationFixture(kind);
  const { citizenInput, call, ok, lastSeq, entriesSince, oneEntrySince, snapshot, newCitizen, one } = fx;

  describe("the audit entry is part of the change's transaction", () => {
    it("if the audit entry cannot be written, the change is rolled back and the failure is recorded", async () => {
      const c = await newCitizen();
      await fx.db.query(`CREATE FUNCTION test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW."outcome" = 'SUCCESS' THEN RAISE EXCEPTION 'test_audit_fault: the audit store refuses this entry'; END IF;
          RETURN NEW;
        END $$`);
      await fx.db.query(`CREATE TRIGGER "AuditEntry_test_fault" BEFORE INSERT ON "AuditEntry"
        FOR EACH ROW EXECUTE FUNCTION test_audit_fault()`);
      try {
        // A create.
        const input = citizenInput();
        let before = await snapshot();
        let seq = await lastSeq();
        const created = await call("registryBogor", "registerCitizen", input);
        expect(created.data?.registerCitizen ?? null).toBeNull();
        expect(created.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
        expect(created.errors?.[0]?.message).toMatch(/could not be audited/);
        expect(await snapshot()).toEqual(before);
        expect(await fx.db.query(`SELECT 1 FROM "Citizen" WHERE "nik" = $1`, [input.nik])).toHaveLength(0);
        await oneEntrySince(seq, {
          mutation: "registerCitizen",
          outcome: "ERROR",
          changes: { refused: { code: "SERVICE_UNAVAILABLE" } },
        });

        // An update.
        before = await snapshot();
        seq = await lastSeq();
        const moved = await call("registryBogor", "changeCitizenAddress", {
          id: c.id,
          version: c.version,
          addressStreet: "Jl. Tidak Tercatat 9",
          addressRt: "009",
          addressRw: "009",
          domicileCode: "32.01.03.2001",
        });
        expect(moved.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
        expect(await snapshot()).toEqual(before);
        expect(
          await one(`SELECT "addressStreet", "domicileCode", "version" FROM "Citizen" WHERE "id" = $1`, [c.id]),
        ).toEqual({ addressStreet: c.input.addressStreet, domicileCode: c.input.domicileCode, version: 1 });
        await oneEntrySince(seq, { mutation: "changeCitizenAddress", outcome: "ERROR", entityId: c.id });

        // When no entry at all can be written, still nothing changes.
        await fx.db.query(`CREATE OR REPLACE FUNCTION test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'test_audit_fault: the audit store is down'; END $$`);
        before = await snapshot();
        seq = await lastSeq();
        const none = await call("registryBogor", "registerCitizen", citizenInput());
        expect(none.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
        expect(await snapshot()).toEqual(before);
        expect(await entriesSince(seq)).toEqual([]);
      } finally {
        await fx.db.query(`DROP TRIGGER IF EXISTS "AuditEntry_test_fault" ON "AuditEntry"`);
        await fx.db.query(`DROP FUNCTION IF EXISTS test_audit_fault()`);
      }
      // With the audit store back, the same change goes through.
      await ok("registryBogor", "changeCitizenAddress", {
        id: c.id,
        version: c.version,
        addressStreet: "Jl. Tercatat 9",
        addressRt: "009",
        addressRw: "009",
        domicileCode: "32.01.03.2001",
      });
    });

    it("a change never commits without its entry: a failure at commit leaves no change and no SUCCESS entry", async () => {
      const c = await newCitizen();
      // Fires at COMMIT, after the resolver and the SUCCESS entry were written inside the transaction.
      await fx.db.query(`CREATE FUNCTION test_commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'test_commit_fault: could not write to disk' USING ERRCODE = '53100'; END $$`);
      await fx.db.query(`CREATE CONSTRAINT TRIGGER "Citizen_test_commit_fault" AFTER INSERT OR UPDATE ON "Citizen"
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_commit_fault()`);
      try {
        for (const [mutation, input] of [
          ["registerCitizen", citizenInput()],
          ["correctCitizen", { id: c.id, version: c.version, occupation: "Pilot" }],
        ] as const) {
          const before = await snapshot();
          const seq = await lastSeq();
          const requestId = `commit-fault-${mutation}`;
          const res = await call("registryBogor", mutation, input, { "x-request-id": requestId });
          expect.soft(res.data?.[mutation] ?? null, mutation).toBeNull();
          expect.soft(res.errors?.[0]?.extensions?.code, res.errors?.[0]?.message).toBe("INTERNAL_SERVER_ERROR");
          expect(res.text).not.toMatch(/test_commit_fault|53100/); // no internals leak to the client
          expect(await snapshot(), mutation).toEqual(before);
          const rows = await entriesSince(seq);
          expect(
            rows.filter((r) => r.outcome === "SUCCESS"),
            mutation,
          ).toEqual([]);
          expect.soft(rows, mutation).toHaveLength(1);
          // The caller's id beside the gateway's own.
          expect.soft(rows[0]).toMatchObject({
            mutation,
            outcome: "ERROR",
            requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
            clientRequestId: requestId,
          });
        }
      } finally {
        await fx.db.query(`DROP TRIGGER IF EXISTS "Citizen_test_commit_fault" ON "Citizen"`);
        await fx.db.query(`DROP FUNCTION IF EXISTS test_commit_fault()`);
      }
      expect(await one(`SELECT "occupation", "version" FROM "Citizen" WHERE "id" = $1`, [c.id])).toEqual({
        occupation: "Perawat",
        version: 1,
      });
    });
  });
});
