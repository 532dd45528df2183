// The fixture of the mutation tests (tests/integration/mutations-*.test.ts): a seeded database per
// test file, a token per named officer, and the helpers every mutation test uses to call a mutation,
// to read the audit entries it wrote and to prove that a refused one changed nothing.
import { afterAll, beforeAll, expect } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { buildFamilyCardNumber, buildNik } from "../../src/domain/nik.ts";
import { MODEL_NAMES, modelEntry } from "../../src/models.ts";
import { OFFICERS, type OfficerName, tokenFor } from "../fixtures/officers.ts";
import type { AuditRow } from "./audit.ts";
import { type DatabaseKind, openTestDatabase } from "./db.ts";
import { type GraphQLResponse, type TestGateway, testGateway } from "./gateway.ts";

const CITIZENS = 60;
const DAY_MS = 86_400_000;

/**
 * Tables a mutation may change: every exposed model but the audit trails (which record the refusal
 * itself). "Nothing changed" means none of their rows differs. From the registry, so a new model is
 * covered without editing this list.
 */
export const DOMAIN_TABLES = MODEL_NAMES.filter((model) => modelEntry(model).key === undefined);

/** UTC calendar date `days` from today, YYYY-MM-DD (the gateway's own notion of today). */
export const utcDate = (days = 0) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

/** The document of each mutation, selecting what the tests compare with the database. */
export const M = {
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

export type MutationName = keyof typeof M;
export type Json = Record<string, unknown>;

export interface Refusal {
  code: string;
  field?: string;
  rule?: string;
  /** What only the audit entry says (`changes.refused.finding`), never the caller's error. */
  finding?: string;
}

export type MutationFixture = ReturnType<typeof mutationFixture>;

/**
 * The setup of a mutation test file; call it inside the file's `describe`. Its beforeAll opens a fresh
 * database of `kind`, seeds it with 60 citizens and issues a token per officer of
 * tests/fixtures/officers.ts; its afterAll closes the database. `db`, `gw`, `bogor` and `semarangId`
 * are read from the returned object inside tests (they are set once beforeAll has run).
 */
export function mutationFixture(kind: DatabaseKind) {
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
              "requestId", "clientIp", "clientRequestId"
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
        ...(refusal.finding !== undefined ? { finding: refusal.finding } : {}),
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

  return {
    get db(): Database {
      return db;
    },
    get gw(): TestGateway {
      return gw;
    },
    /** Living citizens domiciled in Kabupaten Bogor (32.01), by id. */
    get bogor(): Array<{ id: string; version: number }> {
      return bogor;
    },
    /** A citizen domiciled in Kota Semarang (33.74). */
    get semarangId(): string {
      return semarangId;
    },
    citizenInput,
    call,
    ok,
    lastSeq,
    entriesSince,
    oneEntrySince,
    snapshot,
    expectRefused,
    newCitizen,
    one,
  };
}
