// The integrity rules live in the database (prisma/migrations/*_integrity) so that a raw SQL write that
// bypasses the gateway is refused too. These tests therefore use raw SQL only: each rule must accept
// a good row and refuse the bad variations, on PGlite and (with TEST_DATABASE_URL) on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";

const VILLAGE = "32.01.01.2001";
const EMPTY_VILLAGE = "32.01.01.2002";

/** The statement must fail with check_violation, naming `rule` in the message and constraint fields. */
async function expectRule(statement: Promise<unknown>, rule: string): Promise<Error> {
  const error = await statement.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `expected "${rule}" to refuse the statement`).toBeInstanceOf(Error);
  expect(error).toMatchObject({ code: "23514", constraint: rule });
  expect(error?.message).toContain(rule);
  return error as Error;
}

/** The single row a statement must return. */
function only<T>(rows: T[]): T {
  expect(rows).toHaveLength(1);
  return rows[0] as T;
}

async function expectSqlState(statement: Promise<unknown>, code: string): Promise<void> {
  await expect(statement).rejects.toMatchObject({ code });
}

describe.each(databaseKinds())("database integrity rules (%s)", (kind) => {
  let db: Database;
  let seq = 0;
  let agencyId: string;

  // One database for the file: every test creates its own rows with unique keys.
  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await db.query(
      `INSERT INTO "Region" ("id", "code", "name", "level", "parentCode") VALUES
         (gen_random_uuid()::text, '32', 'Jawa Barat', 'PROVINCE', NULL),
         (gen_random_uuid()::text, '32.01', 'Kabupaten Bogor', 'REGENCY', '32'),
         (gen_random_uuid()::text, '32.01.01', 'Cibinong', 'DISTRICT', '32.01'),
         (gen_random_uuid()::text, $1, 'Pakansari', 'VILLAGE', '32.01.01'),
         (gen_random_uuid()::text, $2, 'Tengah', 'VILLAGE', '32.01.01')`,
      [VILLAGE, EMPTY_VILLAGE],
    );
    const agency = only(
      await db.query<{ id: string }>(
        `INSERT INTO "Agency" ("id", "code", "name", "kind", "regionCode")
       VALUES (gen_random_uuid()::text, 'DUKCAPIL-3201', 'Disdukcapil Bogor', 'CIVIL_REGISTRY', '32.01') RETURNING "id"`,
      ),
    );
    agencyId = agency.id;
  });

  afterAll(async () => {
    await db?.close();
  });

  const unique = () => String(++seq).padStart(5, "0");
  /** 16 digits whose serial (last 4) is never 0000 for the few hundred rows a run creates. */
  const newNik = () => `32010115019${unique()}`;
  /** A date relative to the database's CURRENT_DATE, so the client's time zone cannot matter. */
  const dbDate = async (offsetDays: number) =>
    only(await db.query<{ d: string }>(`SELECT (CURRENT_DATE + $1::int)::text AS d`, [offsetDays])).d;

  type CitizenRow = {
    nik: string;
    familyCardNumber: string;
    birthDate: string;
    addressRt: string;
    addressRw: string;
    domicileCode: string;
    status: string;
  };
  async function insertCitizen(overrides: Partial<CitizenRow> = {}): Promise<string> {
    const row: CitizenRow = {
      nik: newNik(),
      familyCardNumber: "3201010101090001",
      birthDate: "1990-01-15",
      addressRt: "001",
      addressRw: "012",
      domicileCode: VILLAGE,
      status: "ALIVE",
      ...overrides,
    };
    const rows = await db.query<{ id: string }>(
      `INSERT INTO "Citizen" ("id", "nik", "familyCardNumber", "fullName", "birthPlace", "birthDate", "sex", "religion",
         "maritalStatus", "occupation", "addressStreet", "addressRt", "addressRw", "domicileCode", "status")
       VALUES (gen_random_uuid()::text, $1, $2, 'Siti Aminah', 'Bogor', $3, 'FEMALE', 'ISLAM', 'MARRIED', 'Guru',
         'Jl. Raya 1', $4, $5, $6, $7)
       RETURNING "id"`,
      [row.nik, row.familyCardNumber, row.birthDate, row.addressRt, row.addressRw, row.domicileCode, row.status],
    );
    return only(rows).id;
  }

  describe("Region", () => {
    it("accepts each level's code format and refuses another level's", async () => {
      const insert = (code: string, level: string) =>
        db.query(`INSERT INTO "Region" ("id", "code", "name", "level") VALUES (gen_random_uuid()::text, $1, 'x', $2)`, [
          code,
          level,
        ]);
      await insert("33", "PROVINCE");
      await insert("33.02", "REGENCY");
      await insert("33.02.03", "DISTRICT");
      await insert("33.02.03.2004", "VILLAGE");
      for (const [code, level] of [
        ["330", "PROVINCE"],
        ["3", "PROVINCE"],
        ["33.02", "PROVINCE"],
        ["33.2", "REGENCY"],
        ["3302", "REGENCY"],
        ["33.02.03", "REGENCY"],
        ["33.02.3", "DISTRICT"],
        ["33.02.03.2005", "DISTRICT"],
        ["33.02.03.205", "VILLAGE"],
        ["33.02.03.20051", "VILLAGE"],
        ["33.02.03.200a", "VILLAGE"],
        ["33x02x03x2005", "VILLAGE"],
      ] as const) {
        await expectRule(insert(code, level), "Region_code_format");
      }
    });

    it("refuses an UPDATE that breaks the code format", async () => {
      await expectRule(
        db.query(`UPDATE "Region" SET "level" = 'VILLAGE' WHERE "code" = '32.01'`),
        "Region_code_format",
      );
    });
  });

  describe("Citizen", () => {
    it("accepts a valid citizen", async () => {
      const id = await insertCitizen({ birthDate: await dbDate(0) }); // born today is not the future
      const [row] = await db.query<{ status: string }>(`SELECT "status" FROM "Citizen" WHERE "id" = $1`, [id]);
      expect(row?.status).toBe("ALIVE");
    });

    it.each([
      ["nik", "320101150190001", "Citizen_nik_format"], // 15 digits
      ["nik", "3201011501900A01", "Citizen_nik_format"],
      ["nik", "3201011501900000", "Citizen_nik_serial"],
      ["familyCardNumber", "320101010109000", "Citizen_familyCardNumber_format"],
      ["familyCardNumber", "32010101010900x1", "Citizen_familyCardNumber_format"],
      ["addressRt", "01", "Citizen_addressRt_format"],
      ["addressRt", "0a1", "Citizen_addressRt_format"],
      ["addressRw", "1", "Citizen_addressRw_format"],
      ["addressRw", "-12", "Citizen_addressRw_format"],
    ] as const)("refuses %s = %j (%s)", async (column, value, rule) => {
      await expectRule(insertCitizen({ [column]: value }), rule);
    });

    it("refuses a birth date in the future", async () => {
      await expectRule(insertCitizen({ birthDate: await dbDate(1) }), "Citizen_birthDate_not_future");
    });

    it("refuses an UPDATE to an invalid NIK", async () => {
      const id = await insertCitizen();
      await expectRule(db.query(`UPDATE "Citizen" SET "nik" = '1234' WHERE "id" = $1`, [id]), "Citizen_nik_format");
    });

    it("is never deleted or truncated", async () => {
      const id = await insertCitizen();
      await expectRule(db.query(`DELETE FROM "Citizen" WHERE "id" = $1`, [id]), "citizen_no_delete");
      await expectRule(db.query(`TRUNCATE "Citizen" CASCADE`), "citizen_no_delete");
      const rows = await db.query(`SELECT 1 FROM "Citizen" WHERE "id" = $1`, [id]);
      expect(rows).toHaveLength(1);
      // Changing the status is the way out, and stays allowed.
      await db.query(`UPDATE "Citizen" SET "status" = 'MOVED' WHERE "id" = $1`, [id]);
    });

    it("has a text_pattern_ops index for region-prefix scoping", async () => {
      const rows = await db.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE tablename = 'Citizen' AND indexdef LIKE '%text_pattern_ops%'`,
      );
      expect(rows.map((r) => r.indexdef)).toEqual([expect.stringContaining('("domicileCode" text_pattern_ops)')]);
    });
  });

  describe("foreign keys", () => {
    it("are all ON DELETE RESTRICT", async () => {
      const rows = await db.query<{ name: string; on_delete: string }>(
        `SELECT conname AS name, confdeltype AS on_delete FROM pg_constraint
          WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY conname`,
      );
      expect(rows.length).toBe(16); // every relation in schema.prisma (14 domain + AuditEntry and AccessEntry → AuditSeal)
      // 'r' = RESTRICT; anything else (cascade, set null, no action) would be a silent change of rule.
      expect(rows.filter((r) => r.on_delete !== "r")).toEqual([]);
    });

    it("refuse deleting a region that citizens live in, and allow an unused one", async () => {
      await insertCitizen({ domicileCode: VILLAGE });
      // PostgreSQL 18 (PGlite) raises 23001 restrict_violation for ON DELETE RESTRICT; 15 raises 23503
      // foreign_key_violation for the same rule. The gateway must map both.
      const error = await db.query(`DELETE FROM "Region" WHERE "code" = $1`, [VILLAGE]).then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(["23001", "23503"]).toContain(error?.code);
      expect(await db.query(`SELECT 1 FROM "Region" WHERE "code" = $1`, [VILLAGE])).toHaveLength(1);
      await db.query(`DELETE FROM "Region" WHERE "code" = $1`, [EMPTY_VILLAGE]);
      expect(await db.query(`SELECT 1 FROM "Region" WHERE "code" = $1`, [EMPTY_VILLAGE])).toHaveLength(0);
    });
  });

  describe("amounts", () => {
    const insertTax = async (assessed: string, paid: string) =>
      db.query(
        `INSERT INTO "TaxRecord" ("id", "citizenId", "agencyId", "taxType", "taxObjectNumber", "period",
           "assessedAmount", "paidAmount", "dueDate")
         VALUES (gen_random_uuid()::text, $1, $2, 'LAND_AND_BUILDING', $3, '2025', $4, $5, '2025-09-30')`,
        [await insertCitizen(), agencyId, `NOP-${unique()}`, assessed, paid],
      );

    it("tax: assessed and paid never negative (zero allowed)", async () => {
      await insertTax("150000.00", "0");
      await insertTax("0", "0");
      await expectRule(insertTax("-0.01", "0"), "TaxRecord_assessedAmount_nonnegative");
      await expectRule(insertTax("100", "-5"), "TaxRecord_paidAmount_nonnegative");
    });

    it("financial transactions: amount strictly positive", async () => {
      const insert = (amount: string) =>
        db.query(
          `INSERT INTO "FinancialTransaction" ("id", "agencyId", "accountCode", "amount", "direction", "transactionDate", "reference")
           VALUES (gen_random_uuid()::text, $1, '5.1.02', $2, 'DEBIT', CURRENT_DATE, $3)`,
          [agencyId, amount, `BKU-${unique()}`],
        );
      await insert("0.01");
      await expectRule(insert("0"), "FinancialTransaction_amount_positive");
      await expectRule(insert("-100"), "FinancialTransaction_amount_positive");
    });
  });

  describe("ArchiveDocument", () => {
    const sha = "a".repeat(64);
    const insert = (over: { retentionYears?: number; checksum?: string; sizeBytes?: string } = {}) =>
      db.query(
        `INSERT INTO "ArchiveDocument" ("id", "agencyId", "title", "classification", "retentionYears", "checksumSha256",
           "sizeBytes", "storageUri")
         VALUES (gen_random_uuid()::text, $1, 'SK Bupati', 'INTERNAL', $2, $3, $4, 's3://arsip/sk.pdf')`,
        [agencyId, over.retentionYears ?? 10, over.checksum ?? sha, over.sizeBytes ?? "2048"],
      );

    it("accepts valid metadata, including an empty file", async () => {
      await insert();
      await insert({ sizeBytes: "0", retentionYears: 1, checksum: "0123456789abcdef".repeat(4) });
    });

    it("refuses negative sizes and non-positive retention", async () => {
      await expectRule(insert({ sizeBytes: "-1" }), "ArchiveDocument_sizeBytes_nonnegative");
      await expectRule(insert({ retentionYears: 0 }), "ArchiveDocument_retentionYears_positive");
      await expectRule(insert({ retentionYears: -3 }), "ArchiveDocument_retentionYears_positive");
    });

    it("refuses a checksum that is not 64 lowercase hex digits", async () => {
      for (const checksum of ["A".repeat(64), "a".repeat(63), `${"a".repeat(63)}g`, `${"a".repeat(62)} z`]) {
        await expectRule(insert({ checksum }), "ArchiveDocument_checksumSha256_format");
      }
    });
  });

  describe("Permit workflow", () => {
    const STATUSES = ["SUBMITTED", "UNDER_REVIEW", "APPROVED", "REJECTED", "REVOKED"] as const;
    type Status = (typeof STATUSES)[number];
    const ALLOWED = new Set([
      "SUBMITTED>UNDER_REVIEW",
      "UNDER_REVIEW>APPROVED",
      "UNDER_REVIEW>REJECTED",
      "APPROVED>REVOKED",
    ]);
    // How each status is reached through allowed transitions only.
    const PATH: Record<Status, Status[]> = {
      SUBMITTED: [],
      UNDER_REVIEW: ["UNDER_REVIEW"],
      APPROVED: ["UNDER_REVIEW", "APPROVED"],
      REJECTED: ["UNDER_REVIEW", "REJECTED"],
      REVOKED: ["UNDER_REVIEW", "APPROVED", "REVOKED"],
    };

    const insertPermit = async (status: string = "SUBMITTED", documentNumber: string | null = `IZN-${unique()}`) => {
      const rows = await db.query<{ id: string }>(
        `INSERT INTO "Permit" ("id", "applicantId", "agencyId", "permitType", "status", "documentNumber")
         VALUES (gen_random_uuid()::text, $1, $2, 'PBG', $3, $4) RETURNING "id"`,
        [await insertCitizen(), agencyId, status, documentNumber],
      );
      return only(rows).id;
    };
    const setStatus = (id: string, status: string) =>
      db.query(`UPDATE "Permit" SET "status" = $1 WHERE "id" = $2`, [status, id]);

    it("a new permit starts SUBMITTED", async () => {
      await insertPermit("SUBMITTED");
      for (const status of STATUSES.filter((s) => s !== "SUBMITTED")) {
        const error = await expectRule(insertPermit(status), "permit_status_transition");
        expect(error.message).toContain(`must start SUBMITTED, not ${status}`);
      }
    });

    it.each(STATUSES)("from %s: only the allowed transitions succeed", async (from) => {
      const outcome: Record<string, "ok" | "refused"> = {};
      const expected: Record<string, "ok" | "refused"> = {};
      for (const to of STATUSES) {
        const id = await insertPermit();
        for (const step of PATH[from]) await setStatus(id, step);
        expected[to] = from === to || ALLOWED.has(`${from}>${to}`) ? "ok" : "refused";
        try {
          await setStatus(id, to);
          outcome[to] = "ok";
        } catch (error) {
          expect(error).toMatchObject({ code: "23514", constraint: "permit_status_transition" });
          expect((error as Error).message).toContain(`permit_status_transition: ${from} -> ${to} is not allowed`);
          outcome[to] = "refused";
        }
        const [row] = await db.query<{ status: string }>(`SELECT "status"::text FROM "Permit" WHERE "id" = $1`, [id]);
        expect(row?.status).toBe(outcome[to] === "ok" ? to : from);
      }
      expect(outcome).toEqual(expected);
    });

    it("an approved permit needs a document number", async () => {
      const id = await insertPermit("SUBMITTED", null);
      await setStatus(id, "UNDER_REVIEW");
      await expectRule(setStatus(id, "APPROVED"), "Permit_approved_has_documentNumber");
      await db.query(`UPDATE "Permit" SET "status" = 'APPROVED', "documentNumber" = $1 WHERE "id" = $2`, [
        `IZN-${unique()}`,
        id,
      ]);
      await expectRule(
        db.query(`UPDATE "Permit" SET "documentNumber" = NULL WHERE "id" = $1`, [id]),
        "Permit_approved_has_documentNumber",
      );
    });
  });

  describe("SocialAssistance", () => {
    const insert = async (citizenId: string, program = "PKH") =>
      db.query<{ id: string }>(
        `INSERT INTO "SocialAssistance" ("id", "citizenId", "program", "period", "amount")
         VALUES (gen_random_uuid()::text, $1, $2, '2025-Q1', 750000) RETURNING "id"`,
        [citizenId, program],
      );

    it("accepts a living citizen and refuses a deceased or moved one", async () => {
      await insert(await insertCitizen());
      for (const status of ["DECEASED", "MOVED"]) {
        const error = await expectRule(insert(await insertCitizen({ status })), "social_assistance_living_citizen");
        expect(error.message).toContain(status);
      }
    });

    it("refuses moving an assistance row to a deceased citizen, but allows ending it after a death", async () => {
      const alive = await insertCitizen();
      const row = only(await insert(alive));
      const deceased = await insertCitizen({ status: "DECEASED" });
      await expectRule(
        db.query(`UPDATE "SocialAssistance" SET "citizenId" = $1 WHERE "id" = $2`, [deceased, row.id]),
        "social_assistance_living_citizen",
      );
      await db.query(`UPDATE "Citizen" SET "status" = 'DECEASED' WHERE "id" = $1`, [alive]);
      await db.query(`UPDATE "SocialAssistance" SET "status" = 'ENDED' WHERE "id" = $1`, [row.id]);
    });

    it("refuses a non-positive amount and a second row for the same citizen, program and period", async () => {
      const citizen = await insertCitizen();
      await expectRule(
        db.query(
          `INSERT INTO "SocialAssistance" ("id", "citizenId", "program", "period", "amount")
           VALUES (gen_random_uuid()::text, $1, 'BLT', '2025-Q1', 0)`,
          [citizen],
        ),
        "SocialAssistance_amount_positive",
      );
      await insert(citizen, "BPNT");
      await expectSqlState(insert(citizen, "BPNT"), "23505");
    });
  });

  describe("FinancialTransaction dates", () => {
    /** Inserts a transaction dated CURRENT_DATE + offsetDays; returns its reference. */
    const insert = async (offsetDays: number) => {
      const reference = `BKU-${unique()}`;
      await db.query(
        `INSERT INTO "FinancialTransaction" ("id", "agencyId", "accountCode", "amount", "direction", "transactionDate", "reference")
         VALUES (gen_random_uuid()::text, $1, '5.1.02', 1000, 'CREDIT', CURRENT_DATE + $2::int, $3)`,
        [agencyId, offsetDays, reference],
      );
      return reference;
    };
    const setWindow = (value: string) =>
      db.query(`UPDATE "Setting" SET "value" = $1 WHERE "key" = 'finance.backdate_window_days'`, [value]);

    it("the migration stores the 30-day window", async () => {
      const rows = await db.query(`SELECT "value" FROM "Setting" WHERE "key" = 'finance.backdate_window_days'`);
      expect(rows).toEqual([{ value: "30" }]);
    });

    it("accepts today back to the window's edge, refuses older and future dates", async () => {
      await insert(0);
      await insert(-30);
      const old = await expectRule(insert(-31), "finance_backdate_window");
      expect(old.message).toContain("more than 30 days in the past");
      const future = await expectRule(insert(1), "finance_backdate_window");
      expect(future.message).toContain("in the future");
    });

    it("refuses back-dating an existing transaction by UPDATE", async () => {
      const reference = await insert(0);
      await expectRule(
        db.query(`UPDATE "FinancialTransaction" SET "transactionDate" = CURRENT_DATE - 90 WHERE "reference" = $1`, [
          reference,
        ]),
        "finance_backdate_window",
      );
      // Correcting another field of the same transaction stays possible.
      await db.query(`UPDATE "FinancialTransaction" SET "accountCode" = '5.1.03' WHERE "reference" = $1`, [reference]);
    });

    it("reads the window from Setting, and defaults to 30 days without the row", async () => {
      try {
        await setWindow("60");
        await insert(-45);
        await expectRule(insert(-61), "finance_backdate_window");
        await setWindow("thirty");
        const error = await expectRule(insert(0), "finance_backdate_window");
        expect(error.message).toContain("must be a whole number");
        await db.query(`DELETE FROM "Setting" WHERE "key" = 'finance.backdate_window_days'`);
        await insert(-30);
        await expectRule(insert(-31), "finance_backdate_window");
      } finally {
        await db.query(
          `INSERT INTO "Setting" ("key", "value") VALUES ('finance.backdate_window_days', '30')
           ON CONFLICT ("key") DO UPDATE SET "value" = '30'`,
        );
      }
    });
  });

  describe.each([
    {
      table: "AuditEntry",
      insert: `INSERT INTO "AuditEntry" ("actor", "role", "mutation", "event", "outcome", "requestId", "hash")
               VALUES ('u-1', 'operator', 'updateCitizen', 'citizen.updated', 'SUCCESS', 'req-1', repeat('a', 64)) RETURNING "seq"`,
    },
    {
      table: "AccessEntry",
      insert: `INSERT INTO "AccessEntry" ("actor", "role", "citizenId", "field", "purpose", "caseRef", "requestId", "hash")
               VALUES ('u-1', 'operator', 'c-1', 'nik', 'verification', 'CASE-1', 'req-1', repeat('0', 64)) RETURNING "seq"`,
    },
  ])("$table is append-only", ({ table, insert }) => {
    it("accepts INSERT and refuses UPDATE, DELETE and TRUNCATE", async () => {
      const seqValue = String(only(await db.query<{ seq: string | bigint | number }>(insert)).seq);
      await expectRule(
        db.query(`UPDATE "${table}" SET "actor" = 'someone-else' WHERE "seq" = $1`, [seqValue]),
        "append_only",
      );
      await expectRule(db.query(`DELETE FROM "${table}" WHERE "seq" = $1`, [seqValue]), "append_only");
      await expectRule(db.query(`TRUNCATE "${table}"`), "append_only");
      const rows = await db.query<{ actor: string }>(`SELECT "actor" FROM "${table}" WHERE "seq" = $1`, [seqValue]);
      expect(rows).toEqual([{ actor: "u-1" }]);
    });
  });

  describe("the audit seal", () => {
    it("lets an unsealed entry be sealed once, and nothing else change", async () => {
      const entry = only(
        await db.query<{ seq: string }>(
          `INSERT INTO "AuditEntry" ("actor", "role", "mutation", "event", "outcome", "requestId", "hash")
           VALUES ('u-2', 'operator', 'x', 'X', 'SUCCESS', 'req-2', repeat('b', 64)) RETURNING "seq"::text AS seq`,
        ),
      ).seq;
      const seal = (id: number) =>
        db.query(
          `INSERT INTO "AuditSeal" ("id", "sealedAt", "entryCount", "firstSeq", "lastSeq", "digest", "prevHash", "hash")
           VALUES ($1, now(), 1, 1, 1, repeat('c', 64), repeat('0', 64), repeat('d', 64))`,
          [id],
        );
      await seal(9001);
      await seal(9002);
      // Sealing together with any other change is refused.
      await expectRule(
        db.query(`UPDATE "AuditEntry" SET "sealId" = 9001, "actor" = 'x' WHERE "seq" = $1`, [entry]),
        "append_only",
      );
      await db.query(`UPDATE "AuditEntry" SET "sealId" = 9001 WHERE "seq" = $1`, [entry]);
      // Moving a sealed entry to another seal, or unsealing it, is refused.
      await expectRule(db.query(`UPDATE "AuditEntry" SET "sealId" = 9002 WHERE "seq" = $1`, [entry]), "append_only");
      await expectRule(db.query(`UPDATE "AuditEntry" SET "sealId" = NULL WHERE "seq" = $1`, [entry]), "append_only");
      // Seals themselves are append-only; the head only moves forward.
      await expectRule(db.query(`UPDATE "AuditSeal" SET "digest" = repeat('e', 64) WHERE "id" = 9001`), "append_only");
      await expectRule(db.query(`DELETE FROM "AuditSeal" WHERE "id" = 9002`), "append_only");
      await db.query(
        `INSERT INTO "AuditHead" ("id", "sealId", "sealHash", "mac") VALUES (1, 9002, repeat('d', 64), repeat('f', 64))`,
      );
      await expectRule(db.query(`UPDATE "AuditHead" SET "sealId" = 9001 WHERE "id" = 1`), "audit_head_forward_only");
      await expectRule(db.query(`DELETE FROM "AuditHead" WHERE "id" = 1`), "audit_head_forward_only");
    });
  });
});
