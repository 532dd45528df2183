// Every mutation through HTTP, done right: the change lands in the database together with exactly
// one SUCCESS audit entry naming it.
import { describe, expect, it } from "vitest";
import type { AuditRow } from "../support/audit.ts";
import { databaseKinds } from "../support/db.ts";
import { type Json, type MutationName, mutationFixture, utcDate } from "../support/mutations.ts";

describe.each(databaseKinds())("mutations on %s", (kind) => {
  const fx = mutationFixture(kind);
  const { citizenInput, ok, lastSeq, oneEntrySince, newCitizen, one } = fx;

  describe("happy paths: the change and exactly one SUCCESS entry", () => {
    it("registerCitizen (registry officer)", async () => {
      const input = citizenInput();
      const seq = await lastSeq();
      const created = await ok("registryBogor", "registerCitizen", input);
      expect(created).toMatchObject({ fullName: input.fullName, status: "ALIVE", version: 1 });
      const row = await one<Json>(
        `SELECT "id", "nik", "familyCardNumber", "fullName", "birthDate"::text AS "birthDate", "sex"::text AS sex,
                "addressStreet", "addressRt", "addressRw", "domicileCode", "status"::text AS status, "version"
           FROM "Citizen" WHERE "nik" = $1`,
        [input.nik],
      );
      expect(row).toMatchObject({
        id: created.id,
        familyCardNumber: input.familyCardNumber,
        fullName: input.fullName,
        birthDate: input.birthDate,
        sex: "FEMALE",
        addressStreet: input.addressStreet,
        addressRt: "004",
        addressRw: "011",
        domicileCode: "32.01.02.2003",
        status: "ALIVE",
        version: 1,
      });
      const entry = await oneEntrySince(seq, {
        mutation: "registerCitizen",
        event: "CITIZEN_REGISTERED",
        operation: "RegisterCitizen",
        outcome: "SUCCESS",
        entityType: "Citizen",
        entityId: String(created.id),
        citizenId: String(created.id),
        actor: "registryBogor",
        role: "registry_officer",
        agencyCode: "DUKCAPIL-3201",
      });
      expect(entry.changes?.fullName).toEqual({ before: null, after: input.fullName });
      expect(entry.changes?.nik).toEqual({ before: null, after: expect.stringMatching(/^hmac:[0-9a-f]{32}$/) });
    });

    it("correctCitizen (registry officer)", async () => {
      const c = await newCitizen();
      const seq = await lastSeq();
      const res = await ok("registryBogor", "correctCitizen", {
        id: c.id,
        version: c.version,
        occupation: "Bidan",
        maritalStatus: "MARRIED",
      });
      expect(res).toMatchObject({ occupation: "Bidan", maritalStatus: "MARRIED", version: 2 });
      const row = await one(
        `SELECT "occupation", "maritalStatus"::text AS "maritalStatus", "version", "fullName" FROM "Citizen" WHERE "id" = $1`,
        [c.id],
      );
      expect(row).toEqual({ occupation: "Bidan", maritalStatus: "MARRIED", version: 2, fullName: c.input.fullName });
      const entry = await oneEntrySince(seq, {
        event: "CITIZEN_CORRECTED",
        outcome: "SUCCESS",
        entityType: "Citizen",
        entityId: c.id,
        citizenId: c.id,
      });
      expect(entry.changes).toEqual({
        occupation: { before: "Perawat", after: "Bidan" },
        maritalStatus: { before: "SINGLE", after: "MARRIED" },
      });
    });

    it("changeCitizenAddress (registry officer)", async () => {
      const c = await newCitizen();
      const seq = await lastSeq();
      const res = await ok("registryBogor", "changeCitizenAddress", {
        id: c.id,
        version: c.version,
        addressStreet: "Jl. Kenanga No. 3",
        addressRt: "002",
        addressRw: "005",
        domicileCode: "32.01.01.1002",
      });
      expect(res).toMatchObject({ domicileCode: "32.01.01.1002", version: 2 });
      expect(res.address).toContain("Jl. Kenanga No. 3, RT 002/RW 005");
      const row = await one(
        `SELECT "addressStreet", "addressRt", "addressRw", "domicileCode", "version", "nik" FROM "Citizen" WHERE "id" = $1`,
        [c.id],
      );
      expect(row).toEqual({
        addressStreet: "Jl. Kenanga No. 3",
        addressRt: "002",
        addressRw: "005",
        domicileCode: "32.01.01.1002",
        version: 2,
        nik: c.input.nik, // the NIK never changes when a person moves
      });
      const entry = await oneEntrySince(seq, {
        event: "CITIZEN_ADDRESS_CHANGED",
        outcome: "SUCCESS",
        entityType: "Citizen",
        entityId: c.id,
        citizenId: c.id,
      });
      expect(Object.keys(entry.changes ?? {}).sort()).toEqual([
        "addressRt",
        "addressRw",
        "addressStreet",
        "domicileCode",
      ]);
      expect(entry.changes?.domicileCode).toEqual({ before: "32.01.02.2003", after: "32.01.01.1002" });
    });

    it("recordCitizenDeath (registry officer)", async () => {
      const c = await newCitizen();
      const seq = await lastSeq();
      const res = await ok("registryBogor", "recordCitizenDeath", {
        id: c.id,
        version: c.version,
        dateOfDeath: utcDate(-2),
      });
      expect(res).toMatchObject({ status: "DECEASED", version: 2 });
      expect(await one(`SELECT "status"::text AS status, "version" FROM "Citizen" WHERE "id" = $1`, [c.id])).toEqual({
        status: "DECEASED",
        version: 2,
      });
      const entry = await oneEntrySince(seq, {
        event: "CITIZEN_DEATH_RECORDED",
        outcome: "SUCCESS",
        entityType: "Citizen",
        entityId: c.id,
        citizenId: c.id,
      });
      expect(entry.changes).toMatchObject({ status: { before: "ALIVE", after: "DECEASED" } });
    });

    it("assessTax and recordTaxPayment (tax officer of BAPENDA-3201)", async () => {
      const citizen = fx.bogor[0]?.id ?? "";
      let seq = await lastSeq();
      const assessed = await ok("taxBogor", "assessTax", {
        citizenId: citizen,
        taxType: "LAND_AND_BUILDING",
        taxObjectNumber: "32.01.020.001.005-0042.0",
        period: "2026",
        assessedAmount: "250000.00",
        dueDate: utcDate(60),
      });
      expect(assessed).toMatchObject({
        status: "ASSESSED",
        period: "2026",
        version: 1,
        citizen: { id: citizen },
        agency: { code: "BAPENDA-3201" },
      });
      const id = String(assessed.id);
      expect(
        await one(
          `SELECT t."assessedAmount"::text AS assessed, t."paidAmount"::text AS paid, t."status"::text AS status, a."code"
             FROM "TaxRecord" t JOIN "Agency" a ON a."id" = t."agencyId" WHERE t."id" = $1 AND t."citizenId" = $2`,
          [id, citizen],
        ),
      ).toEqual({ assessed: "250000.00", paid: "0.00", status: "ASSESSED", code: "BAPENDA-3201" });
      await oneEntrySince(seq, {
        event: "TAX_ASSESSED",
        outcome: "SUCCESS",
        entityType: "TaxRecord",
        entityId: id,
        citizenId: citizen,
        agencyCode: "BAPENDA-3201",
      });

      seq = await lastSeq();
      const partial = await ok("taxBogor", "recordTaxPayment", {
        id,
        version: 1,
        amount: "100000.00",
        paidAt: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(partial).toMatchObject({ status: "PARTIALLY_PAID", version: 2 });
      const entry = await oneEntrySince(seq, {
        event: "TAX_PAYMENT_RECORDED",
        outcome: "SUCCESS",
        entityType: "TaxRecord",
        entityId: id,
        citizenId: citizen,
      });
      expect(entry.changes).toMatchObject({ status: { before: "ASSESSED", after: "PARTIALLY_PAID" } });

      seq = await lastSeq();
      const full = await ok("taxBogor", "recordTaxPayment", {
        id,
        version: 2,
        amount: "150000.00",
        paidAt: new Date(Date.now() - 1_000).toISOString(),
      });
      expect(full).toMatchObject({ status: "PAID", version: 3 });
      expect(
        await one(`SELECT "paidAmount"::text AS paid, "status"::text AS status FROM "TaxRecord" WHERE "id" = $1`, [id]),
      ).toEqual({ paid: "250000.00", status: "PAID" });
      await oneEntrySince(seq, { event: "TAX_PAYMENT_RECORDED", outcome: "SUCCESS", entityId: id });
    });

    it("the permit workflow: submit, review, approve, revoke; and reject (licensing officer of DPMPTSP-3201)", async () => {
      const applicant = fx.bogor[1]?.id ?? "";
      const step = async (
        mutation: MutationName,
        input: Json,
        event: string,
        status: string,
      ): Promise<{ result: Json; entry: AuditRow }> => {
        const seq = await lastSeq();
        const result = await ok("licensingBogor", mutation, input);
        expect(result.status, mutation).toBe(status);
        const id = String(result.id);
        expect(await one(`SELECT "status"::text AS status FROM "Permit" WHERE "id" = $1`, [id])).toEqual({ status });
        const entry = await oneEntrySince(seq, {
          mutation,
          event,
          outcome: "SUCCESS",
          entityType: "Permit",
          entityId: id,
          citizenId: applicant,
          agencyCode: "DPMPTSP-3201",
        });
        return { result, entry };
      };

      const submitted = await step(
        "submitPermit",
        { applicantId: applicant, permitType: "PBG" },
        "PERMIT_SUBMITTED",
        "SUBMITTED",
      );
      expect(submitted.result).toMatchObject({ applicant: { id: applicant }, agency: { code: "DPMPTSP-3201" } });
      const id = String(submitted.result.id);
      await step("reviewPermit", { id, version: 1 }, "PERMIT_REVIEW_STARTED", "UNDER_REVIEW");
      const documentNumber = `IZN-PBG-${kind}-${Date.now()}`;
      const validUntil = utcDate(365);
      const approved = await step(
        "approvePermit",
        { id, version: 2, documentNumber, validUntil },
        "PERMIT_APPROVED",
        "APPROVED",
      );
      expect(approved.result).toMatchObject({ documentNumber, validUntil, decidedBy: "licensingBogor" });
      expect(approved.entry.changes).toMatchObject({
        status: { before: "UNDER_REVIEW", after: "APPROVED" },
        documentNumber: { before: null, after: documentNumber },
      });
      expect(await one(`SELECT "documentNumber", "decidedBy", "version" FROM "Permit" WHERE "id" = $1`, [id])).toEqual({
        documentNumber,
        decidedBy: "licensingBogor",
        version: 3,
      });
      await step("revokePermit", { id, version: 3 }, "PERMIT_REVOKED", "REVOKED");

      const second = await step(
        "submitPermit",
        { applicantId: applicant, permitType: "SIUP" },
        "PERMIT_SUBMITTED",
        "SUBMITTED",
      );
      const other = String(second.result.id);
      await step("reviewPermit", { id: other, version: 1 }, "PERMIT_REVIEW_STARTED", "UNDER_REVIEW");
      const rejected = await step("rejectPermit", { id: other, version: 2 }, "PERMIT_REJECTED", "REJECTED");
      expect(rejected.result.decidedBy).toBe("licensingBogor");
    });

    it("enrollSocialAssistance and endSocialAssistance (social officer)", async () => {
      const citizen = fx.bogor[2]?.id ?? "";
      let seq = await lastSeq();
      const enrolled = await ok("socialBogor", "enrollSocialAssistance", {
        citizenId: citizen,
        program: "PKH-TEST",
        period: "2026-03",
        amount: "750000.00",
      });
      expect(enrolled).toMatchObject({ status: "ACTIVE", program: "PKH-TEST", period: "2026-03", version: 1 });
      const id = String(enrolled.id);
      expect(
        await one(
          `SELECT "citizenId", "amount"::text AS amount, "status"::text AS status FROM "SocialAssistance" WHERE "id" = $1`,
          [id],
        ),
      ).toEqual({ citizenId: citizen, amount: "750000.00", status: "ACTIVE" });
      await oneEntrySince(seq, {
        event: "SOCIAL_ASSISTANCE_ENROLLED",
        outcome: "SUCCESS",
        entityType: "SocialAssistance",
        entityId: id,
        citizenId: citizen,
      });

      seq = await lastSeq();
      expect(await ok("socialBogor", "endSocialAssistance", { id, version: 1 })).toMatchObject({
        status: "ENDED",
        version: 2,
      });
      expect(await one(`SELECT "status"::text AS status FROM "SocialAssistance" WHERE "id" = $1`, [id])).toEqual({
        status: "ENDED",
      });
      const entry = await oneEntrySince(seq, {
        event: "SOCIAL_ASSISTANCE_ENDED",
        outcome: "SUCCESS",
        entityType: "SocialAssistance",
        entityId: id,
        citizenId: citizen,
      });
      expect(entry.changes).toEqual({ status: { before: "ACTIVE", after: "ENDED" } });
    });

    it("recordFinancialTransaction (finance officer of BPKAD-3201)", async () => {
      const seq = await lastSeq();
      const reference = `BKU-TEST-${kind}-0001`;
      const tx = await ok("financeBogor", "recordFinancialTransaction", {
        accountCode: "5.1.02.01",
        amount: "1250000.50",
        direction: "DEBIT",
        transactionDate: utcDate(-1),
        reference,
      });
      expect(tx).toMatchObject({ reference, direction: "DEBIT", agency: { code: "BPKAD-3201" } });
      const id = String(tx.id);
      expect(
        await one(
          `SELECT f."amount"::text AS amount, f."transactionDate"::text AS date, a."code"
             FROM "FinancialTransaction" f JOIN "Agency" a ON a."id" = f."agencyId" WHERE f."reference" = $1`,
          [reference],
        ),
      ).toEqual({ amount: "1250000.50", date: utcDate(-1), code: "BPKAD-3201" });
      const entry = await oneEntrySince(seq, {
        event: "FINANCIAL_TRANSACTION_RECORDED",
        outcome: "SUCCESS",
        entityType: "FinancialTransaction",
        entityId: id,
        citizenId: null,
        agencyCode: "BPKAD-3201",
      });
      expect(entry.changes).toMatchObject({ reference: { before: null, after: reference } });
    });

    it("registerArchiveDocument and verifyArchiveDocument, matching and not (archivist of DISARPUS-3201)", async () => {
      const citizen = fx.bogor[3]?.id ?? "";
      const checksum = "ab".repeat(32);
      let seq = await lastSeq();
      const doc = await ok("archivistBogor", "registerArchiveDocument", {
        title: "Akta Kematian 2026/0042",
        classification: "CONFIDENTIAL",
        retentionYears: 25,
        checksumSha256: checksum,
        sizeBytes: "20480",
        storageUri: "s3://arsip-bogor/akta/2026-0042.pdf",
        citizenId: citizen,
      });
      expect(doc).toMatchObject({
        checksumSha256: checksum,
        sizeBytes: "20480",
        lastVerifiedAt: null,
        citizen: { id: citizen },
        agency: { code: "DISARPUS-3201" },
      });
      const id = String(doc.id);
      expect(
        await one(
          `SELECT "checksumSha256", "sizeBytes"::text AS size, "citizenId" FROM "ArchiveDocument" WHERE "id" = $1`,
          [id],
        ),
      ).toEqual({ checksumSha256: checksum, size: "20480", citizenId: citizen });
      await oneEntrySince(seq, {
        event: "ARCHIVE_DOCUMENT_REGISTERED",
        outcome: "SUCCESS",
        entityType: "ArchiveDocument",
        entityId: id,
        citizenId: citizen,
      });

      // A file that no longer matches: reported, audited, lastVerifiedAt untouched.
      seq = await lastSeq();
      const mismatch = await ok("archivistBogor", "verifyArchiveDocument", { id, checksumSha256: "cd".repeat(32) });
      expect(mismatch).toEqual({ matches: false, document: { id, lastVerifiedAt: null } });
      expect(await one(`SELECT "lastVerifiedAt" FROM "ArchiveDocument" WHERE "id" = $1`, [id])).toEqual({
        lastVerifiedAt: null,
      });
      const missed = await oneEntrySince(seq, {
        event: "ARCHIVE_DOCUMENT_VERIFIED",
        outcome: "SUCCESS",
        entityType: "ArchiveDocument",
        entityId: id,
        citizenId: citizen,
      });
      expect(missed.changes).toEqual({ checksumMatches: { before: null, after: false } });

      // The intact file: lastVerifiedAt set.
      seq = await lastSeq();
      const match = await ok("archivistBogor", "verifyArchiveDocument", { id, checksumSha256: checksum });
      expect(match.matches).toBe(true);
      const verifiedAt = (match.document as { lastVerifiedAt: string | null }).lastVerifiedAt;
      expect(verifiedAt).toEqual(expect.any(String));
      const row = await one<{ lastVerifiedAt: Date | string }>(
        `SELECT "lastVerifiedAt" FROM "ArchiveDocument" WHERE "id" = $1`,
        [id],
      );
      expect(new Date(row.lastVerifiedAt).toISOString()).toBe(verifiedAt);
      const matched = await oneEntrySince(seq, {
        event: "ARCHIVE_DOCUMENT_VERIFIED",
        outcome: "SUCCESS",
        entityId: id,
      });
      expect(matched.changes).toEqual({
        checksumMatches: { before: null, after: true },
        lastVerifiedAt: { before: null, after: verifiedAt },
      });
    });

    it("recordService (front office)", async () => {
      const citizen = fx.bogor[4]?.id ?? "";
      const seq = await lastSeq();
      const rec = await ok("frontOfficeBogor", "recordService", {
        citizenId: citizen,
        serviceType: "Legalisir KK",
        channel: "COUNTER",
        outcome: "COMPLETED",
      });
      expect(rec).toMatchObject({
        servedBy: "frontOfficeBogor",
        citizen: { id: citizen },
        agency: { code: "DUKCAPIL-3201" },
      });
      const id = String(rec.id);
      expect(
        await one(`SELECT "citizenId", "serviceType", "servedBy" FROM "ServiceRecord" WHERE "id" = $1`, [id]),
      ).toEqual({ citizenId: citizen, serviceType: "Legalisir KK", servedBy: "frontOfficeBogor" });
      await oneEntrySince(seq, {
        event: "SERVICE_RECORDED",
        outcome: "SUCCESS",
        entityType: "ServiceRecord",
        entityId: id,
        citizenId: citizen,
        actor: "frontOfficeBogor",
        role: "front_office",
      });
    });
  });
});
