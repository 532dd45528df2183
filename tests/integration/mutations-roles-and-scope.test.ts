// Mutations refused for who asks: a role that lacks the mutation gets FORBIDDEN, a citizen outside the
// officer's region is NOT_FOUND, and each refusal changes nothing and is recorded.
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../support/db.ts";
import { mutationFixture, utcDate } from "../support/mutations.ts";

describe.each(databaseKinds())("mutations on %s", (kind) => {
  const fx = mutationFixture(kind);
  const { citizenInput, ok, expectRefused, newCitizen } = fx;

  describe("roles and row scope", () => {
    it("a role that lacks the mutation gets FORBIDDEN, a DENIED entry, and no change", async () => {
      const citizen = fx.bogor[0]?.id ?? "";
      await expectRefused("frontOfficeBogor", "registerCitizen", citizenInput(), { code: "FORBIDDEN" }, "DENIED", {
        entityType: "Citizen",
        entityId: null,
      });
      await expectRefused(
        "frontOfficeBogor",
        "changeCitizenAddress",
        {
          id: citizen,
          version: 1,
          addressStreet: "Jl. X",
          addressRt: "001",
          addressRw: "001",
          domicileCode: "32.01.01.1001",
        },
        { code: "FORBIDDEN" },
        "DENIED",
        { entityType: "Citizen", entityId: citizen },
      );
      await expectRefused(
        "taxBogor",
        "enrollSocialAssistance",
        { citizenId: citizen, program: "PKH", period: "2026", amount: "10.00" },
        { code: "FORBIDDEN" },
        "DENIED",
        { entityType: "SocialAssistance" },
      );
      await expectRefused(
        "registryBogor",
        "recordFinancialTransaction",
        {
          accountCode: "5.1",
          amount: "1.00",
          direction: "DEBIT",
          transactionDate: utcDate(-1),
          reference: "BKU-DENIED",
        },
        { code: "FORBIDDEN" },
        "DENIED",
        { entityType: "FinancialTransaction" },
      );
      await expectRefused(
        "auditor",
        "recordService",
        { citizenId: citizen, serviceType: "x", channel: "ONLINE", outcome: "COMPLETED" },
        { code: "FORBIDDEN" },
        "DENIED",
        {
          role: "auditor",
          agencyCode: null,
        },
      );
    });

    it("a Bogor officer cannot change a Semarang citizen: NOT_FOUND, nothing changed", async () => {
      const [row] = await fx.db.query<{ version: number }>(`SELECT "version" FROM "Citizen" WHERE "id" = $1`, [
        fx.semarangId,
      ]);
      const version = row?.version ?? 1;
      const notFound = { code: "NOT_FOUND" };
      const entry = { entityType: "Citizen", entityId: fx.semarangId };
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        { id: fx.semarangId, version, occupation: "Nelayan" },
        notFound,
        "INVALID",
        entry,
      );
      await expectRefused(
        "registryBogor",
        "changeCitizenAddress",
        {
          id: fx.semarangId,
          version,
          addressStreet: "Jl. Y",
          addressRt: "001",
          addressRw: "001",
          domicileCode: "32.01.01.1001",
        },
        notFound,
        "INVALID",
        entry,
      );
      await expectRefused(
        "registryBogor",
        "recordCitizenDeath",
        { id: fx.semarangId, version, dateOfDeath: utcDate(-1) },
        notFound,
        "INVALID",
        entry,
      );
      await expectRefused(
        "taxBogor",
        "assessTax",
        {
          citizenId: fx.semarangId,
          taxType: "VEHICLE",
          taxObjectNumber: "H-1-XY",
          period: "2026",
          assessedAmount: "5.00",
          dueDate: utcDate(5),
        },
        notFound,
        "INVALID",
        { entityType: "TaxRecord", citizenId: fx.semarangId },
      );
      await expectRefused(
        "frontOfficeBogor",
        "recordService",
        { citizenId: fx.semarangId, serviceType: "Cetak KTP", channel: "COUNTER", outcome: "COMPLETED" },
        notFound,
        "INVALID",
      );
      // The out-of-scope citizen is not named in the error beyond the id the caller sent.
      const [after] = await fx.db.query<{ version: number }>(`SELECT "version" FROM "Citizen" WHERE "id" = $1`, [
        fx.semarangId,
      ]);
      expect(after?.version).toBe(version);
    });

    it("a Semarang officer cannot register a citizen into a Bogor village: FORBIDDEN, DENIED entry", async () => {
      await expectRefused("registrySemarang", "registerCitizen", citizenInput(), { code: "FORBIDDEN" }, "DENIED", {
        entityType: "Citizen",
        agencyCode: "DUKCAPIL-3374",
      });
    });

    it("a Bogor officer cannot move a citizen into a village outside Bogor: FORBIDDEN, DENIED entry", async () => {
      const c = await newCitizen();
      const move = { id: c.id, version: 1, addressStreet: "Jl. Pandanaran 1", addressRt: "001", addressRw: "001" };
      await expectRefused(
        "registryBogor",
        "changeCitizenAddress",
        { ...move, domicileCode: "33.74.01.1001" },
        { code: "FORBIDDEN" },
        "DENIED",
        { entityType: "Citizen", entityId: c.id },
      );
      // A move inside the officer's region is fine.
      await ok("registryBogor", "changeCitizenAddress", { ...move, domicileCode: "32.01.02.2001" });
    });
  });
});
