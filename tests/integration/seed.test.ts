// The demo seed: deterministic (same count, same rows, ids included), structurally valid NIKs, every
// citizen with records, assistance only for the living, and a refusal to seed a non-empty database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { SEED_VILLAGES, type SeedSummary, seed } from "../../src/db/seed.ts";
import { parseFamilyCardNumber, parseNik } from "../../src/domain/nik.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";

const CITIZENS = 200;

// FinancialTransaction is left out of the row digest: its dates follow the day the seed runs
// (the database refuses back-dating), so two seeds either side of midnight differ there.
const DETERMINISTIC_TABLES = [
  "Region",
  "Agency",
  "Citizen",
  "TaxRecord",
  "Permit",
  "SocialAssistance",
  "ServiceRecord",
  "ArchiveDocument",
] as const;

/** One md5 per table over every column of every row, in id order. */
async function digest(db: Database): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of DETERMINISTIC_TABLES) {
    const [row] = await db.query<{ md5: string }>(
      `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t."id")) AS md5 FROM "${table}" t`,
    );
    out[table] = row?.md5 ?? "";
  }
  const [finance] = await db.query<{ md5: string }>(
    `SELECT md5(string_agg(concat_ws(' ', "id", "agencyId", "accountCode", "amount", "direction", "reference"), E'\\n' ORDER BY "id")) AS md5
       FROM "FinancialTransaction"`,
  );
  out.FinancialTransaction = finance?.md5 ?? "";
  return out;
}

async function amountTotals(db: Database): Promise<Record<string, string>> {
  const [row] = await db.query<Record<string, string>>(
    `SELECT (SELECT sum("assessedAmount")::text FROM "TaxRecord") AS assessed,
            (SELECT sum("paidAmount")::text FROM "TaxRecord") AS paid,
            (SELECT sum("amount")::text FROM "SocialAssistance") AS assistance,
            (SELECT sum("amount")::text FROM "FinancialTransaction") AS finance`,
  );
  return row ?? {};
}

async function count(db: Database, sql: string): Promise<number> {
  const [row] = await db.query<{ n: string | number }>(sql);
  return Number(row?.n);
}

describe.each(databaseKinds())("demo seed (%s)", (kind) => {
  let first: Database;
  let second: Database;
  let summary: SeedSummary;
  const progress: [number, number][] = [];

  beforeAll(async () => {
    [first, second] = await Promise.all([openTestDatabase(kind), openTestDatabase(kind)]);
    // A small batch size here, the default for the second: the data must not depend on it.
    summary = await seed(first.prisma, {
      citizens: CITIZENS,
      batchSize: 64,
      onProgress: (d, t) => progress.push([d, t]),
    });
    await seed(second.prisma, { citizens: CITIZENS });
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it("produces identical data in two fresh databases", async () => {
    const nikList = (db: Database) => db.query<{ nik: string }>(`SELECT "nik" FROM "Citizen" ORDER BY "nik"`);
    const niks = await nikList(first);
    expect(niks).toHaveLength(CITIZENS);
    expect(await nikList(second)).toEqual(niks);
    expect(await amountTotals(second)).toEqual(await amountTotals(first));
    const digests = await digest(first);
    for (const [table, md5] of Object.entries(digests)) expect(md5, table).toMatch(/^[0-9a-f]{32}$/);
    expect(await digest(second)).toEqual(digests);
  });

  it("reports what it wrote, and progress after each batch", async () => {
    expect(summary).toEqual({
      regions: await count(first, `SELECT count(*) AS n FROM "Region"`),
      agencies: await count(first, `SELECT count(*) AS n FROM "Agency"`),
      citizens: CITIZENS,
      taxRecords: await count(first, `SELECT count(*) AS n FROM "TaxRecord"`),
      permits: await count(first, `SELECT count(*) AS n FROM "Permit"`),
      socialAssistance: await count(first, `SELECT count(*) AS n FROM "SocialAssistance"`),
      serviceRecords: await count(first, `SELECT count(*) AS n FROM "ServiceRecord"`),
      financialTransactions: await count(first, `SELECT count(*) AS n FROM "FinancialTransaction"`),
      archiveDocuments: await count(first, `SELECT count(*) AS n FROM "ArchiveDocument"`),
    });
    expect(progress).toEqual([
      [64, CITIZENS],
      [128, CITIZENS],
      [192, CITIZENS],
      [200, CITIZENS],
    ]);
    // Every AgencyKind is seeded, and every village is a seeded region.
    expect(await count(first, `SELECT count(DISTINCT "kind") AS n FROM "Agency"`)).toBe(8);
    expect(await count(first, `SELECT count(*) AS n FROM "Region" WHERE "level" = 'VILLAGE'`)).toBe(
      SEED_VILLAGES.length,
    );
  });

  it("gives every citizen a NIK whose birth date and sex match, and a valid family-card number", async () => {
    const citizens = await first.prisma.citizen.findMany({
      select: { nik: true, familyCardNumber: true, birthDate: true, sex: true, domicileCode: true },
    });
    const today = new Date();
    let registeredElsewhere = 0;
    for (const c of citizens) {
      const nik = parseNik(c.nik, today);
      expect(nik, c.nik).toMatchObject({ ok: true, birthDate: c.birthDate, sex: c.sex });
      if (nik.ok && !c.domicileCode.startsWith(`${nik.districtCode}.`)) registeredElsewhere++;
      expect(parseFamilyCardNumber(c.familyCardNumber, today).ok, c.familyCardNumber).toBe(true);
    }
    // Most people live in the district where they were first registered; some have moved.
    expect(registeredElsewhere).toBeGreaterThan(0);
    expect(registeredElsewhere).toBeLessThan(CITIZENS / 2);
    // Households share a family-card number.
    expect(await count(first, `SELECT count(DISTINCT "familyCardNumber") AS n FROM "Citizen"`)).toBeLessThan(CITIZENS);
    // Serials as in real data (issue 10): mostly low, not all 0001, and no NIK twice.
    const serials = citizens.map((c) => c.nik.slice(12));
    expect(new Set(citizens.map((c) => c.nik)).size).toBe(CITIZENS);
    expect(serials.filter((s) => s === "0001").length).toBeLessThan(CITIZENS / 4);
    expect(new Set(serials).size).toBeGreaterThan(CITIZENS / 10);
    expect(serials.filter((s) => Number(s) <= 50).length).toBeGreaterThan(CITIZENS / 2);
    const kkSerials = new Set(citizens.map((c) => c.familyCardNumber.slice(12)));
    expect(kkSerials.size).toBeGreaterThan(5);
  });

  it("gives every citizen tax and service records", async () => {
    for (const table of ["TaxRecord", "ServiceRecord"]) {
      const without = await count(
        first,
        `SELECT count(*) AS n FROM "Citizen" c WHERE NOT EXISTS (SELECT 1 FROM "${table}" r WHERE r."citizenId" = c."id")`,
      );
      expect(without, table).toBe(0);
    }
  });

  it("grants social assistance to living citizens only", async () => {
    expect(
      await count(
        first,
        `SELECT count(*) AS n FROM "SocialAssistance" s JOIN "Citizen" c ON c."id" = s."citizenId" WHERE c."status" <> 'ALIVE'`,
      ),
    ).toBe(0);
    expect(summary.socialAssistance).toBeGreaterThan(0);
    expect(await count(first, `SELECT count(*) AS n FROM "Citizen" WHERE "status" <> 'ALIVE'`)).toBeGreaterThan(0);
  });

  it("walks permits through the workflow: only approved and revoked ones carry a document number", async () => {
    const rows = await first.query<{
      status: string;
      with_number: string | number;
      decided: string | number;
      n: string | number;
    }>(
      `SELECT "status", count("documentNumber") AS with_number, count("decidedAt") AS decided, count(*) AS n
         FROM "Permit" GROUP BY "status"`,
    );
    const byStatus = new Map(rows.map((r) => [r.status, r]));
    expect([...byStatus.keys()].sort()).toEqual(["APPROVED", "REJECTED", "REVOKED", "SUBMITTED", "UNDER_REVIEW"]);
    for (const [status, r] of byStatus) {
      const n = Number(r.n);
      const numbered = status === "APPROVED" || status === "REVOKED";
      const decided = numbered || status === "REJECTED";
      expect(Number(r.with_number), status).toBe(numbered ? n : 0);
      expect(Number(r.decided), status).toBe(decided ? n : 0);
    }
  });

  it("refuses to seed a database that already has citizens, and changes nothing", async () => {
    const before = await digest(first);
    await expect(seed(first.prisma, { citizens: 10 })).rejects.toThrow(/already has 200 citizens/);
    expect(await digest(first)).toEqual(before);
  });
});
