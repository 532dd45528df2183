// Every mutation through HTTP: the change lands in the database together with exactly one audit
// entry, or nothing lands and the refusal is recorded. Validation rules answer BAD_USER_INPUT with
// the field path and the rule; conflicts answer CONFLICT; roles and row scope are enforced; and the
// audit entry is part of the change's transaction (proved by making the audit write, and the
// commit, fail on purpose). The concurrent-duplicate race runs for real on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { buildFamilyCardNumber, buildNik } from "../../src/domain/nik.ts";
import { OFFICERS, type OfficerName, tokenFor } from "../fixtures/officers.ts";
import type { AuditRow } from "../support/audit.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type GraphQLResponse, type TestGateway, testGateway } from "../support/gateway.ts";

const CITIZENS = 60;
const DAY_MS = 86_400_000;

/** Tables a mutation may change: "nothing changed" means none of their rows differs. */
const DOMAIN_TABLES = [
  "Citizen",
  "TaxRecord",
  "Permit",
  "SocialAssistance",
  "FinancialTransaction",
  "ArchiveDocument",
  "ServiceRecord",
] as const;

/** UTC calendar date `days` from today, YYYY-MM-DD (the gateway's own notion of today). */
const utcDate = (days = 0) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

const M = {
  registerCitizen: `mutation RegisterCitizen($input: RegisterCitizenInput!) {
    registerCitizen(input: $input) { id fullName status version domicileCode } }`,
  correctCitizen: `mutation CorrectCitizen($input: CorrectCitizenInput!) {
    correctCitizen(input: $input) { id fullName occupation maritalStatus birthDate sex version } }`,
  changeCitizenAddress: `mutation ChangeCitizenAddress($input: ChangeCitizenAddressInput!) {
    changeCitizenAddress(input: $input) { id address domicileCode version } }`,
  recordCitizenDeath: `mutation RecordCitizenDeath($input: RecordCitizenDeathInput!) {
    recordCitizenDeath(input: $input) { id status version } }`,
  assessTax: `mutation AssessTax($input: AssessTaxInput!) {
    assessTax(input: $input) { id status assessedAmount paidAmount period version citizen { id } agency { code } } }`,
  recordTaxPayment: `mutation RecordTaxPayment($input: RecordTaxPaymentInput!) {
    recordTaxPayment(input: $input) { id status paidAmount paidAt version } }`,
  submitPermit: `mutation SubmitPermit($input: SubmitPermitInput!) {
    submitPermit(input: $input) { id status permitType version applicant { id } agency { code } } }`,
  reviewPermit: `mutation ReviewPermit($input: PermitDecisionInput!) {
    reviewPermit(input: $input) { id status version decidedBy } }`,
  approvePermit: `mutation ApprovePermit($input: ApprovePermitInput!) {
    approvePermit(input: $input) { id status version decidedBy decidedAt documentNumber validUntil } }`,
  rejectPermit: `mutation RejectPermit($input: PermitDecisionInput!) {
    rejectPermit(input: $input) { id status version decidedBy decidedAt } }`,
  revokePermit: `mutation RevokePermit($input: PermitDecisionInput!) {
    revokePermit(input: $input) { id status version decidedBy } }`,
  enrollSocialAssistance: `mutation EnrollSocialAssistance($input: EnrollSocialAssistanceInput!) {
    enrollSocialAssistance(input: $input) { id program period amount status version citizen { id } } }`,
  endSocialAssistance: `mutation EndSocialAssistance($input: EndSocialAssistanceInput!) {
    endSocialAssistance(input: $input) { id status version } }`,
  recordFinancialTransaction: `mutation RecordFinancialTransaction($input: RecordFinancialTransactionInput!) {
    recordFinancialTransaction(input: $input) { id reference accountCode amount direction transactionDate agency { code } } }`,
  registerArchiveDocument: `mutation RegisterArchiveDocument($input: RegisterArchiveDocumentInput!) {
    registerArchiveDocument(input: $input) { id title checksumSha256 sizeBytes lastVerifiedAt citizen { id } agency { code } } }`,
  verifyArchiveDocument: `mutation VerifyArchiveDocument($input: VerifyArchiveDocumentInput!) {
    verifyArchiveDocument(input: $input) { matches document { id lastVerifiedAt } } }`,
  recordService: `mutation RecordService($input: RecordServiceInput!) {
    recordService(input: $input) { id serviceType channel outcome servedBy citizen { id } agency { code } } }`,
} as const;

type MutationName = keyof typeof M;
type Json = Record<string, unknown>;

interface Refusal {
  code: string;
  field?: string;
  rule?: string;
}

describe.each(databaseKinds())("mutations on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  const tokens = {} as Record<OfficerName, string>;
  /** Seeded citizens: living ones in Kabupaten Bogor (32.01), one in Kota Semarang (33.74). */
  let bogor: Array<{ id: string; version: number }>;
  let semarangId: string;
  let serial = 5000;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: CITIZENS });
    gw = testGateway(db);
    for (const name of Object.keys(OFFICERS) as OfficerName[]) tokens[name] = await tokenFor(gw, name);
    bogor = await db.query<{ id: string; version: number }>(
      `SELECT "id", "version" FROM "Citizen" WHERE "domicileCode" LIKE '32.01.%' AND "status" = 'ALIVE' ORDER BY "id"`,
    );
    const [semarang] = await db.query<{ id: string }>(
      `SELECT "id" FROM "Citizen" WHERE "domicileCode" LIKE '33.74.%' ORDER BY "id" LIMIT 1`,
    );
    expect(bogor.length).toBeGreaterThanOrEqual(5);
    expect(semarang).toBeDefined();
    semarangId = semarang?.id ?? "";
  });
  afterAll(async () => {
    await db?.close();
  });

  // -------------------------------------------------------------------------------------------
  // Helpers

  /** A valid registration: a woman born 1991-07-23, first registered in Gunung Putri (32.01.02). */
  function citizenInput(over: Json = {}): Json & { nik: string; familyCardNumber: string } {
    serial++;
    const birthDate = "1991-07-23";
    return {
      nik: buildNik({ districtCode: "32.01.02", birthDate: new Date(`${birthDate}T00:00:00Z`), sex: "FEMALE", serial }),
      familyCardNumber: buildFamilyCardNumber({
        districtCode: "32.01.02",
        issueDate: new Date("2018-04-09T00:00:00Z"),
        serial,
      }),
      fullName: `Dewi Lestari ${serial}`,
      birthPlace: "Bogor",
      birthDate,
      sex: "FEMALE",
      religion: "ISLAM",
      maritalStatus: "SINGLE",
      occupation: "Perawat",
      addressStreet: `Jl. Mawar No. ${serial}`,
      addressRt: "004",
      addressRw: "011",
      domicileCode: "32.01.02.2003",
      ...over,
    } as Json & { nik: string; familyCardNumber: string };
  }

  function call(
    officer: OfficerName,
    mutation: MutationName,
    input: Json,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<Record<string, Json | null>>> {
    return gw.query<Record<string, Json | null>>(M[mutation], {
      token: tokens[officer],
      variables: { input },
      ...(headers ? { headers } : {}),
    });
  }

  /** Calls a mutation that must succeed and returns its result. */
  async function ok(officer: OfficerName, mutation: MutationName, input: Json): Promise<Json> {
    const res = await call(officer, mutation, input);
    expect(res.errors, `${mutation}: ${JSON.stringify(res.errors)}`).toBeUndefined();
    const data = res.data?.[mutation];
    expect(data, mutation).toBeTruthy();
    return data as Json;
  }

  async function lastSeq(): Promise<string> {
    const [row] = await db.query<{ seq: string }>(`SELECT coalesce(max("seq"), 0)::text AS seq FROM "AuditEntry"`);
    return row?.seq ?? "0";
  }

  async function entriesSince(seq: string): Promise<AuditRow[]> {
    const rows = await db.query<AuditRow>(
      `SELECT "seq"::text AS seq, "at", "actor", "role", "agencyCode", "clientId", "operation", "mutation", "event",
              "entityType", "entityId", "citizenId", "outcome"::text AS outcome, "changes", "purpose", "caseRef",
              "requestId", "clientIp"
         FROM "AuditEntry" WHERE "seq" > $1::bigint ORDER BY "AuditEntry"."seq"`,
      [seq],
    );
    return rows.map((r) => ({ ...r, changes: typeof r.changes === "string" ? JSON.parse(r.changes) : r.changes }));
  }

  /** Exactly one audit entry was written since `seq`, matching `expected`. */
  async function oneEntrySince(seq: string, expected: Partial<AuditRow>): Promise<AuditRow> {
    const rows = await entriesSince(seq);
    expect(rows, JSON.stringify(rows)).toHaveLength(1);
    const entry = rows[0] as AuditRow;
    expect(entry).toMatchObject(expected);
    return entry;
  }

  /** md5 of every row of every domain table: equal snapshots mean nothing changed. */
  async function snapshot(): Promise<Record<string, string>> {
    const parts = DOMAIN_TABLES.map(
      (t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x."id"), '')) FROM "${t}" x) AS "${t}"`,
    );
    const [row] = await db.query<Record<string, string>>(`SELECT ${parts.join(", ")}`);
    return row ?? {};
  }

  /**
   * Runs a mutation that must be refused: the error carries `refusal` (code, field path, rule),
   * no domain row changes, and exactly one entry records the refusal with `outcome`.
   */
  async function expectRefused(
    officer: OfficerName,
    mutation: MutationName,
    input: Json,
    refusal: Refusal,
    outcome: "INVALID" | "CONFLICT" | "DENIED",
    entry: Partial<AuditRow> = {},
  ): Promise<GraphQLResponse<Record<string, Json | null>>> {
    const before = await snapshot();
    const seq = await lastSeq();
    const res = await call(officer, mutation, input);
    expect(res.data?.[mutation] ?? null, mutation).toBeNull();
    expect(res.errors, mutation).toHaveLength(1);
    const error = res.errors?.[0];
    expect(error?.path).toEqual([mutation]);
    expect(error?.extensions?.code, error?.message).toBe(refusal.code);
    if (refusal.field !== undefined) expect.soft(error?.extensions?.field, error?.message).toBe(refusal.field);
    if (refusal.rule !== undefined) expect(error?.extensions?.rule, error?.message).toBe(refusal.rule);
    expect(await snapshot(), `${mutation} changed a row although it was refused`).toEqual(before);
    const logged = await oneEntrySince(seq, {
      mutation,
      operation: mutation.charAt(0).toUpperCase() + mutation.slice(1),
      outcome,
      actor: officer,
      role: OFFICERS[officer].role,
      ...entry,
    });
    expect.soft(logged.changes).toEqual({
      refused: {
        code: refusal.code,
        ...(refusal.field !== undefined ? { field: refusal.field } : {}),
        ...(refusal.rule !== undefined ? { rule: refusal.rule } : {}),
      },
    });
    return res;
  }

  async function newCitizen(over: Json = {}): Promise<{ id: string; version: number; input: Json }> {
    const input = citizenInput(over);
    const created = await ok("registryBogor", "registerCitizen", input);
    return { id: String(created.id), version: Number(created.version), input };
  }

  const one = async <T = Json>(sql: string, params: unknown[] = []): Promise<T> => {
    const rows = await db.query<T>(sql, params);
    expect(rows, sql).toHaveLength(1);
    return rows[0] as T;
  };

  // -------------------------------------------------------------------------------------------

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
      const citizen = bogor[0]?.id ?? "";
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
      const applicant = bogor[1]?.id ?? "";
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
      const citizen = bogor[2]?.id ?? "";
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
      const citizen = bogor[3]?.id ?? "";
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
      const citizen = bogor[4]?.id ?? "";
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

  // -------------------------------------------------------------------------------------------

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
      expect(await db.query(`SELECT 1 FROM "Citizen" WHERE "nik" = $1`, [input.nik])).toHaveLength(0);
    });

    it("registerCitizen refuses a duplicate NIK with CONFLICT naming the field, not the other citizen", async () => {
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
        { code: "CONFLICT", field: "input.nik" },
        "CONFLICT",
        { entityType: "Citizen", entityId: null },
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
      const citizen = bogor[0]?.id ?? "";
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
        citizenId: bogor[0]?.id,
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
        await db.query(`UPDATE "Setting" SET "value" = '60' WHERE "key" = 'finance.backdate_window_days'`);
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
        await db.query(`UPDATE "Setting" SET "value" = '30' WHERE "key" = 'finance.backdate_window_days'`);
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
      const applicant = bogor[1]?.id ?? "";
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

  // -------------------------------------------------------------------------------------------

  describe("roles and row scope", () => {
    it("a role that lacks the mutation gets FORBIDDEN, a DENIED entry, and no change", async () => {
      const citizen = bogor[0]?.id ?? "";
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
      const [row] = await db.query<{ version: number }>(`SELECT "version" FROM "Citizen" WHERE "id" = $1`, [
        semarangId,
      ]);
      const version = row?.version ?? 1;
      const notFound = { code: "NOT_FOUND" };
      const entry = { entityType: "Citizen", entityId: semarangId };
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        { id: semarangId, version, occupation: "Nelayan" },
        notFound,
        "INVALID",
        entry,
      );
      await expectRefused(
        "registryBogor",
        "changeCitizenAddress",
        {
          id: semarangId,
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
        { id: semarangId, version, dateOfDeath: utcDate(-1) },
        notFound,
        "INVALID",
        entry,
      );
      await expectRefused(
        "taxBogor",
        "assessTax",
        {
          citizenId: semarangId,
          taxType: "VEHICLE",
          taxObjectNumber: "H-1-XY",
          period: "2026",
          assessedAmount: "5.00",
          dueDate: utcDate(5),
        },
        notFound,
        "INVALID",
        { entityType: "TaxRecord", citizenId: semarangId },
      );
      await expectRefused(
        "frontOfficeBogor",
        "recordService",
        { citizenId: semarangId, serviceType: "Cetak KTP", channel: "COUNTER", outcome: "COMPLETED" },
        notFound,
        "INVALID",
      );
      // The out-of-scope citizen is not named in the error beyond the id the caller sent.
      const [after] = await db.query<{ version: number }>(`SELECT "version" FROM "Citizen" WHERE "id" = $1`, [
        semarangId,
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

  // -------------------------------------------------------------------------------------------

  describe("the audit entry is part of the change's transaction", () => {
    it("if the audit entry cannot be written, the change is rolled back and the failure is recorded", async () => {
      const c = await newCitizen();
      await db.query(`CREATE FUNCTION test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW."outcome" = 'SUCCESS' THEN RAISE EXCEPTION 'test_audit_fault: the audit store refuses this entry'; END IF;
          RETURN NEW;
        END $$`);
      await db.query(`CREATE TRIGGER "AuditEntry_test_fault" BEFORE INSERT ON "AuditEntry"
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
        expect(await db.query(`SELECT 1 FROM "Citizen" WHERE "nik" = $1`, [input.nik])).toHaveLength(0);
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
        await db.query(`CREATE OR REPLACE FUNCTION test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'test_audit_fault: the audit store is down'; END $$`);
        before = await snapshot();
        seq = await lastSeq();
        const none = await call("registryBogor", "registerCitizen", citizenInput());
        expect(none.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
        expect(await snapshot()).toEqual(before);
        expect(await entriesSince(seq)).toEqual([]);
      } finally {
        await db.query(`DROP TRIGGER IF EXISTS "AuditEntry_test_fault" ON "AuditEntry"`);
        await db.query(`DROP FUNCTION IF EXISTS test_audit_fault()`);
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
      await db.query(`CREATE FUNCTION test_commit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'test_commit_fault: could not write to disk' USING ERRCODE = '53100'; END $$`);
      await db.query(`CREATE CONSTRAINT TRIGGER "Citizen_test_commit_fault" AFTER INSERT OR UPDATE ON "Citizen"
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
          expect.soft(rows[0]).toMatchObject({ mutation, outcome: "ERROR", requestId });
        }
      } finally {
        await db.query(`DROP TRIGGER IF EXISTS "Citizen_test_commit_fault" ON "Citizen"`);
        await db.query(`DROP FUNCTION IF EXISTS test_commit_fault()`);
      }
      expect(await one(`SELECT "occupation", "version" FROM "Citizen" WHERE "id" = $1`, [c.id])).toEqual({
        occupation: "Perawat",
        version: 1,
      });
    });
  });

  // -------------------------------------------------------------------------------------------

  describe("the database is the last line", () => {
    it.skipIf(kind !== "postgres")(
      "concurrent registrations of one new NIK: exactly one SUCCESS, the others a clean CONFLICT",
      async () => {
        const ROUNDS = 5;
        const CONCURRENT = 8;
        for (let round = 1; round <= ROUNDS; round++) {
          const input = citizenInput();
          const seq = await lastSeq();
          const ids = Array.from({ length: CONCURRENT }, (_, i) => `race-${round}-${i}-${Date.now()}`);
          const results = await Promise.all(
            ids.map((requestId, i) =>
              call(
                "registryBogor",
                "registerCitizen",
                { ...input, fullName: `Racer ${round}.${i}` },
                { "x-request-id": requestId },
              ),
            ),
          );
          const codes = results.map((r) => (r.errors ? String(r.errors[0]?.extensions?.code) : "OK"));
          expect(
            codes.filter((c) => c === "OK"),
            `round ${round}: ${codes.join(",")}`,
          ).toHaveLength(1);
          expect(
            codes.filter((c) => c === "CONFLICT"),
            `round ${round}: ${codes.join(",")}`,
          ).toHaveLength(CONCURRENT - 1);
          for (const r of results.filter((x) => x.errors)) {
            expect(r.errors).toHaveLength(1);
            expect(r.errors?.[0]?.extensions?.code).toBe("CONFLICT");
            // The same answer whether the gateway's check or the unique index caught the duplicate.
            expect.soft(r.errors?.[0]?.extensions?.field, r.errors?.[0]?.message).toBe("input.nik");
            expect(r.errors?.[0]?.message).toMatch(/NIK/i);
          }
          expect(await db.query(`SELECT 1 FROM "Citizen" WHERE "nik" = $1`, [input.nik])).toHaveLength(1);
          const rows = await entriesSince(seq);
          expect(rows).toHaveLength(CONCURRENT);
          expect(rows.map((r) => r.requestId).sort()).toEqual([...ids].sort());
          expect(rows.filter((r) => r.outcome === "SUCCESS")).toHaveLength(1);
          expect(rows.filter((r) => r.outcome === "CONFLICT")).toHaveLength(CONCURRENT - 1);
        }
      },
    );
  });
});
