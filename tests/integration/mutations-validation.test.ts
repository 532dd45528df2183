// Mutations refused for their input: BAD_USER_INPUT with the field path and the rule (or CONFLICT for a
// duplicate or a stale version), nothing changed, and exactly one entry recording the refusal.
import { describe, expect, it } from "vitest";
import { buildNik } from "../../src/domain/nik.ts";
import { databaseKinds } from "../support/db.ts";
import { type Json, mutationFixture, utcDate } from "../support/mutations.ts";

describe.each(databaseKinds())("mutations on %s", (kind) => {
  const fx = mutationFixture(kind);
  const { citizenInput, call, ok, snapshot, expectRefused, newCitizen, one } = fx;

  describe("validation: BAD_USER_INPUT with field path and rule, nothing changed, one INVALID entry", () => {
    const BAD = { code: "BAD_USER_INPUT" };

    it.each([
      ["a NIK of 15 digits", (i: Json) => ({ nik: String(i.nik).slice(0, 15) }), "input.nik", "nik_structure"],
      ["a NIK with a letter", (i: Json) => ({ nik: `${String(i.nik).slice(0, 15)}A` }), "input.nik", "nik_structure"],
      [
        "a NIK with serial 0000",
        (i: Json) => ({ nik: `${String(i.nik).slice(0, 12)}0000` }),
        "input.nik",
        "nik_structure",
      ],
      // 32.99.01 has the shape of a district code but names no district.
      [
        "a NIK of a district that does not exist",
        (i: Json) => ({ nik: `329901${String(i.nik).slice(6)}` }),
        "input.nik",
        "nik_region",
      ],
      [
        "a NIK whose digits 7–12 are another birth date",
        () => ({
          nik: buildNik({
            districtCode: "32.01.02",
            birthDate: new Date("1991-07-24T00:00:00Z"),
            sex: "FEMALE",
            serial: 4999,
          }),
        }),
        "input.nik",
        "nik_birth_date",
      ],
      [
        "a man's NIK (day without +40) for a woman",
        () => ({
          nik: buildNik({
            districtCode: "32.01.02",
            birthDate: new Date("1991-07-23T00:00:00Z"),
            sex: "MALE",
            serial: 4999,
          }),
        }),
        "input.nik",
        "nik_sex",
      ],
      ["a woman's NIK (day + 40) for a man", () => ({ sex: "MALE" }), "input.nik", "nik_sex"],
      [
        "a family-card number of 15 digits",
        (i: Json) => ({ familyCardNumber: String(i.familyCardNumber).slice(1) }),
        "input.familyCardNumber",
        "family_card_structure",
      ],
      [
        "a family-card number of an unknown region",
        (i: Json) => ({ familyCardNumber: `329901${String(i.familyCardNumber).slice(6)}` }),
        "input.familyCardNumber",
        "family_card_region",
      ],
      ["a birth date in the future", () => ({ birthDate: utcDate(2) }), "input.birthDate", "not_in_future"],
      ["an RT of two digits", () => ({ addressRt: "04" }), "input.addressRt", "rt_rw_format"],
      ["an RW with a letter", () => ({ addressRw: "01a" }), "input.addressRw", "rt_rw_format"],
      [
        "a domicile that is not a village",
        () => ({ domicileCode: "32.01.02" }),
        "input.domicileCode",
        "domicile_village",
      ],
      ["a blank name", () => ({ fullName: "   " }), "input.fullName", "required"],
    ] as const)("registerCitizen refuses %s", async (_label, change, field, rule) => {
      const input = citizenInput();
      await expectRefused(
        "registryBogor",
        "registerCitizen",
        { ...input, ...change(input) },
        { ...BAD, field, rule },
        "INVALID",
        { entityType: "Citizen", entityId: null },
      );
      expect(await fx.db.query(`SELECT 1 FROM "Citizen" WHERE "nik" = $1`, [input.nik])).toHaveLength(0);
    });

    it("registerCitizen refers a taken NIK to the registry, naming neither the holder nor where they live", async () => {
      const existing = await one<{
        id: string;
        nik: string;
        fullName: string;
        familyCardNumber: string;
        birthDate: string;
      }>(
        `SELECT "id", "nik", "fullName", "familyCardNumber", "birthDate"::text AS "birthDate", "sex"::text AS sex
           FROM "Citizen" WHERE "domicileCode" LIKE '33.74.%' ORDER BY "id" LIMIT 1`,
      );
      const theirs = await one<{ sex: string }>(`SELECT "sex"::text AS sex FROM "Citizen" WHERE "id" = $1`, [
        existing.id,
      ]);
      const input = citizenInput({
        nik: existing.nik,
        birthDate: existing.birthDate,
        sex: theirs.sex,
        fullName: "Budi Santoso",
      });
      const res = await expectRefused(
        "registryBogor",
        "registerCitizen",
        input,
        { code: "CONFLICT", field: "input.nik", rule: "contact_registry", finding: "nik_registered_out_of_scope" },
        "CONFLICT",
        // The entry, for auditors only, names the holder.
        { entityType: "Citizen", entityId: null, citizenId: existing.id },
      );
      const error = res.errors?.[0];
      expect(error?.message).toMatch(/NIK/);
      // Nothing about the citizen who holds the number: not their id, name, NIK or family card.
      for (const secret of [existing.id, existing.fullName, existing.nik, existing.familyCardNumber]) {
        expect(res.text).not.toContain(secret);
      }
    });

    it("correctCitizen refuses a birth date or sex that no longer matches the NIK", async () => {
      const c = await newCitizen();
      const wrongDate = { id: c.id, version: c.version, birthDate: "1991-07-24" };
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        wrongDate,
        { ...BAD, field: "input.birthDate", rule: "nik_birth_date" },
        "INVALID",
        {
          entityType: "Citizen",
          entityId: c.id,
          citizenId: c.id,
        },
      );
      const wrongSex = { id: c.id, version: c.version, sex: "MALE" };
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        wrongSex,
        { ...BAD, field: "input.birthDate", rule: "nik_sex" },
        "INVALID",
        {
          entityId: c.id,
        },
      );
      const future = { id: c.id, version: c.version, birthDate: utcDate(3) };
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        future,
        { ...BAD, field: "input.birthDate", rule: "not_in_future" },
        "INVALID",
      );
      const badCard = { id: c.id, version: c.version, familyCardNumber: "12345" };
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        badCard,
        { ...BAD, field: "input.familyCardNumber", rule: "family_card_structure" },
        "INVALID",
      );
    });

    it("recordCitizenDeath refuses a future date, a date before birth and a second death", async () => {
      const c = await newCitizen();
      await expectRefused(
        "registryBogor",
        "recordCitizenDeath",
        { id: c.id, version: 1, dateOfDeath: utcDate(1) },
        { ...BAD, field: "input.dateOfDeath", rule: "not_in_future" },
        "INVALID",
      );
      await expectRefused(
        "registryBogor",
        "recordCitizenDeath",
        { id: c.id, version: 1, dateOfDeath: "1990-01-01" },
        { ...BAD, field: "input.dateOfDeath", rule: "after_birth" },
        "INVALID",
      );
      await ok("registryBogor", "recordCitizenDeath", { id: c.id, version: 1, dateOfDeath: utcDate(-1) });
      await expectRefused(
        "registryBogor",
        "recordCitizenDeath",
        { id: c.id, version: 2, dateOfDeath: utcDate(-1) },
        { ...BAD, field: "input.id", rule: "status_transition" },
        "INVALID",
      );
    });

    it("a stale version is a CONFLICT and changes nothing", async () => {
      const c = await newCitizen();
      await ok("registryBogor", "correctCitizen", { id: c.id, version: 1, occupation: "Dosen" });
      // Someone else changed the citizen; this officer still holds version 1.
      for (const [mutation, input] of [
        ["correctCitizen", { id: c.id, version: 1, occupation: "Guru" }],
        [
          "changeCitizenAddress",
          {
            id: c.id,
            version: 1,
            addressStreet: "Jl. Lama 1",
            addressRt: "001",
            addressRw: "001",
            domicileCode: "32.01.01.1001",
          },
        ],
        ["recordCitizenDeath", { id: c.id, version: 1, dateOfDeath: utcDate(-1) }],
      ] as const) {
        await expectRefused(
          "registryBogor",
          mutation,
          input,
          { code: "CONFLICT", field: "input.version" },
          "CONFLICT",
          {
            entityType: "Citizen",
            entityId: c.id,
          },
        );
      }
      expect(
        await one(`SELECT "occupation", "version", "status"::text AS status FROM "Citizen" WHERE "id" = $1`, [c.id]),
      ).toEqual({
        occupation: "Dosen",
        version: 2,
        status: "ALIVE",
      });
    });

    it("amounts must be positive", async () => {
      const citizen = fx.bogor[0]?.id ?? "";
      const tax = {
        citizenId: citizen,
        taxType: "VEHICLE",
        taxObjectNumber: "F-1234-AB",
        period: "2026",
        dueDate: utcDate(30),
      };
      for (const amount of ["0", "0.00", "-5.00"]) {
        await expectRefused(
          "taxBogor",
          "assessTax",
          { ...tax, assessedAmount: amount },
          { ...BAD, field: "input.assessedAmount", rule: "positive_amount" },
          "INVALID",
          {
            entityType: "TaxRecord",
            citizenId: citizen,
          },
        );
      }
      await expectRefused(
        "socialBogor",
        "enrollSocialAssistance",
        { citizenId: citizen, program: "BLT", period: "2026", amount: "0" },
        { ...BAD, field: "input.amount", rule: "positive_amount" },
        "INVALID",
      );
      await expectRefused(
        "financeBogor",
        "recordFinancialTransaction",
        {
          accountCode: "5.1.02",
          amount: "-100.00",
          direction: "CREDIT",
          transactionDate: utcDate(-1),
          reference: "BKU-NEG-1",
        },
        { ...BAD, field: "input.amount", rule: "positive_amount" },
        "INVALID",
      );
    });

    it("a tax payment may not exceed what is owed", async () => {
      const assessed = await ok("taxBogor", "assessTax", {
        citizenId: fx.bogor[0]?.id,
        taxType: "HOTEL",
        taxObjectNumber: "HTL-0007",
        period: "2026-02",
        assessedAmount: "1000.00",
        dueDate: utcDate(10),
      });
      await expectRefused(
        "taxBogor",
        "recordTaxPayment",
        { id: assessed.id, version: 1, amount: "1000.01", paidAt: new Date(Date.now() - 5_000).toISOString() },
        { ...BAD, field: "input.amount", rule: "overpayment" },
        "INVALID",
        { entityType: "TaxRecord", entityId: String(assessed.id) },
      );
    });

    it("financial transactions: not in the future, not back-dated beyond the Setting's window", async () => {
      const base = { accountCode: "5.1.02.01", amount: "100.00", direction: "CREDIT" };
      await expectRefused(
        "financeBogor",
        "recordFinancialTransaction",
        { ...base, transactionDate: utcDate(1), reference: `BKU-FUT-${kind}` },
        { ...BAD, field: "input.transactionDate", rule: "not_in_future" },
        "INVALID",
      );
      await expectRefused(
        "financeBogor",
        "recordFinancialTransaction",
        { ...base, transactionDate: utcDate(-32), reference: `BKU-OLD-${kind}` },
        { ...BAD, field: "input.transactionDate", rule: "backdate_window" },
        "INVALID",
      );
      // The window comes from Setting finance.backdate_window_days, in the gateway as in the database.
      try {
        await fx.db.query(`UPDATE "Setting" SET "value" = '60' WHERE "key" = 'finance.backdate_window_days'`);
        await ok("financeBogor", "recordFinancialTransaction", {
          ...base,
          transactionDate: utcDate(-45),
          reference: `BKU-45-${kind}`,
        });
        await expectRefused(
          "financeBogor",
          "recordFinancialTransaction",
          { ...base, transactionDate: utcDate(-62), reference: `BKU-62-${kind}` },
          { ...BAD, field: "input.transactionDate", rule: "backdate_window" },
          "INVALID",
        );
      } finally {
        await fx.db.query(`UPDATE "Setting" SET "value" = '30' WHERE "key" = 'finance.backdate_window_days'`);
      }
      await expectRefused(
        "financeBogor",
        "recordFinancialTransaction",
        { ...base, transactionDate: utcDate(-45), reference: `BKU-45b-${kind}` },
        { ...BAD, field: "input.transactionDate", rule: "backdate_window" },
        "INVALID",
      );
      // A reference already used is a CONFLICT.
      await expectRefused(
        "financeBogor",
        "recordFinancialTransaction",
        { ...base, transactionDate: utcDate(-1), reference: `BKU-45-${kind}` },
        { code: "CONFLICT", field: "input.reference" },
        "CONFLICT",
      );
    });

    it("permits follow their workflow", async () => {
      const applicant = fx.bogor[1]?.id ?? "";
      const submitted = await ok("licensingBogor", "submitPermit", { applicantId: applicant, permitType: "IMB" });
      const id = String(submitted.id);
      const transition = { ...BAD, field: "input.id", rule: "permit_status_transition" };
      const entry = { entityType: "Permit", entityId: id };
      await expectRefused(
        "licensingBogor",
        "approvePermit",
        { id, version: 1, documentNumber: `IZN-X-${kind}`, validUntil: utcDate(100) },
        transition,
        "INVALID",
        entry,
      );
      await expectRefused("licensingBogor", "rejectPermit", { id, version: 1 }, transition, "INVALID", entry);
      await expectRefused("licensingBogor", "revokePermit", { id, version: 1 }, transition, "INVALID", entry);
      await ok("licensingBogor", "reviewPermit", { id, version: 1 });
      await expectRefused("licensingBogor", "reviewPermit", { id, version: 2 }, transition, "INVALID", entry);
      await expectRefused("licensingBogor", "revokePermit", { id, version: 2 }, transition, "INVALID", entry);
      await expectRefused(
        "licensingBogor",
        "approvePermit",
        { id, version: 2, documentNumber: `IZN-Y-${kind}`, validUntil: utcDate(-1) },
        { ...BAD, field: "input.validUntil", rule: "future_date" },
        "INVALID",
        entry,
      );
      await ok("licensingBogor", "rejectPermit", { id, version: 2 });
      await expectRefused(
        "licensingBogor",
        "approvePermit",
        { id, version: 3, documentNumber: `IZN-Z-${kind}`, validUntil: utcDate(100) },
        transition,
        "INVALID",
        entry,
      );
      await expectRefused("licensingBogor", "revokePermit", { id, version: 3 }, transition, "INVALID", entry);
    });

    it("social assistance: living citizens only, once per program and period", async () => {
      const c = await newCitizen();
      const input = { citizenId: c.id, program: "BPNT", period: "2026-04", amount: "200000.00" };
      await ok("socialBogor", "enrollSocialAssistance", input);
      await expectRefused(
        "socialBogor",
        "enrollSocialAssistance",
        input,
        { code: "CONFLICT", field: "input.period" },
        "CONFLICT",
        {
          entityType: "SocialAssistance",
          citizenId: c.id,
        },
      );
      await expectRefused(
        "socialBogor",
        "enrollSocialAssistance",
        { ...input, period: "2026-13" },
        { ...BAD, field: "input.period", rule: "period_format" },
        "INVALID",
      );
      await ok("registryBogor", "recordCitizenDeath", { id: c.id, version: 1, dateOfDeath: utcDate(-1) });
      await expectRefused(
        "socialBogor",
        "enrollSocialAssistance",
        { ...input, period: "2026-05" },
        { ...BAD, field: "input.citizenId", rule: "living_citizen" },
        "INVALID",
      );
    });

    it("malformed amounts, dates and sizes are BAD_USER_INPUT naming the field and the rule", async () => {
      // These are refused while the variables are coerced, before any resolver runs; the answer
      // must still say which input broke which rule, like every other rejected input.
      const tx = {
        accountCode: "5.1",
        amount: "1.00",
        direction: "DEBIT",
        transactionDate: utcDate(-1),
        reference: "BKU-M",
      };
      const doc = {
        title: "SK",
        classification: "PUBLIC",
        retentionYears: 5,
        checksumSha256: "ab".repeat(32),
        sizeBytes: "1",
        storageUri: "s3://a/b",
      };
      for (const [officer, mutation, input, field] of [
        ["financeBogor", "recordFinancialTransaction", { ...tx, amount: "12,50" }, "input.amount"],
        ["financeBogor", "recordFinancialTransaction", { ...tx, amount: "1.005" }, "input.amount"],
        [
          "financeBogor",
          "recordFinancialTransaction",
          { ...tx, transactionDate: "2026-02-30" },
          "input.transactionDate",
        ],
        ["registryBogor", "registerCitizen", citizenInput({ birthDate: "23-07-1991" }), "input.birthDate"],
        ["archivistBogor", "registerArchiveDocument", { ...doc, sizeBytes: "12kB" }, "input.sizeBytes"],
      ] as const) {
        const before = await snapshot();
        const res = await call(officer, mutation, input);
        const label = `${mutation} ${field}`;
        expect(res.data?.[mutation] ?? null, label).toBeNull();
        expect(res.errors?.[0]?.extensions?.code, label).toBe("BAD_USER_INPUT");
        expect(res.errors?.[0]?.message, label).toContain(field);
        expect.soft(res.errors?.[0]?.extensions?.field, `${label}: ${res.errors?.[0]?.message}`).toBe(field);
        expect
          .soft(res.errors?.[0]?.extensions?.rule, `${label}: ${res.errors?.[0]?.message}`)
          .toEqual(expect.any(String));
        expect(await snapshot(), label).toEqual(before);
      }
    });

    it("archive documents: checksum format", async () => {
      await expectRefused(
        "archivistBogor",
        "registerArchiveDocument",
        {
          title: "SK",
          classification: "PUBLIC",
          retentionYears: 5,
          checksumSha256: "AB".repeat(32),
          sizeBytes: "1",
          storageUri: "s3://a/b",
        },
        { ...BAD, field: "input.checksumSha256", rule: "checksum_format" },
        "INVALID",
        { entityType: "ArchiveDocument" },
      );
    });
  });
});
