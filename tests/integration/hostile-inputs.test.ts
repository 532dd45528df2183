// Hostile values in mutation inputs, played through HTTP as an authenticated caller would send them.
// The text cases are generated from the schema: every String and ID input of every mutation gets a
// NUL byte, a zero-width space, a right-to-left override and an over-long value, so a mutation added
// later is covered without touching this file. Each answer is BAD_USER_INPUT naming the input's path
// and the rule; each attempt leaves one INVALID audit entry and changes nothing. Numbers and dates
// outside their plausible ranges (README, "Input rules") are played field by field.
import {
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { buildNik } from "../../src/domain/nik.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { OFFICERS, type OfficerName, tokenFor } from "../fixtures/officers.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type TestGateway, testConfig, testGateway } from "../support/gateway.ts";
import { citizenInput, entriesSince, lastSeq, oneEntrySince, snapshot, utcDate } from "../support/trail.ts";

type Json = Record<string, unknown>;

const policy = loadPolicy(testConfig.policyDir, schema);
const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});

/** A well-typed value for any input type: what the hostile value is planted in. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isInputObjectType(type))
    return Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, sample(f.type)]));
  if (isEnumType(type)) return type.getValues()[0]?.name;
  const samples: Record<string, unknown> = {
    String: "x",
    ID: "x",
    Int: 1,
    Float: 1,
    Boolean: true,
    Decimal: "1.00",
    Date: "2020-01-02",
    DateTime: "2020-01-02T03:04:05.000Z",
    BigInt: "1",
  };
  if (!(type.name in samples)) throw new Error(`no sample for scalar ${type.name}: add one to this test`);
  return samples[type.name];
}

/** Paths of every String and ID leaf under an input type ("fullName", "items.0.code", …). */
function textPaths(type: GraphQLInputType, prefix: string[] = []): string[][] {
  if (isNonNullType(type)) return textPaths(type.ofType, prefix);
  if (isListType(type)) return textPaths(type.ofType, [...prefix, "0"]);
  if (isInputObjectType(type))
    return Object.values(type.getFields()).flatMap((f) => textPaths(f.type, [...prefix, f.name]));
  const name = getNamedType(type).name;
  return name === "String" || name === "ID" ? [prefix] : [];
}

function plant(value: unknown, path: string[], planted: string): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return planted;
  if (Array.isArray(value)) return value.map((v, i) => (String(i) === head ? plant(v, rest, planted) : v));
  const object = value as Json;
  return { ...object, [head]: plant(object[head], rest, planted) };
}

/** The document calling one mutation with every argument as a variable. */
function documentFor(field: GraphQLField<unknown, unknown>, selection = "__typename"): string {
  const vars = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
  const select = isObjectType(getNamedType(field.type)) ? ` { ${selection} }` : "";
  return `mutation Hostile(${vars}) { ${field.name}(${args})${select} }`;
}

/** An officer whose role may call the mutation (so the policy lets the attempt reach the input rules). */
function officerFor(mutation: string): OfficerName {
  const name = (Object.keys(OFFICERS) as OfficerName[]).find((o) =>
    policy.role(OFFICERS[o].role)?.mutations.has(mutation),
  );
  if (!name) throw new Error(`no officer in tests/fixtures/officers.ts may call ${mutation}`);
  return name;
}

const HOSTILE: Array<[string, (v: string) => string, string]> = [
  ["a NUL byte", (v) => `${v}\u0000${v}`, "control_character"],
  ["a zero-width space", (v) => `${v}\u200b${v}`, "invisible_character"],
  ["a right-to-left override", (v) => `\u202e${v}`, "bidi_control"],
  ["10,001 characters", () => "a".repeat(10_001), "max_length"],
];

describe.each(databaseKinds())("hostile inputs on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  const tokens = {} as Record<OfficerName, string>;
  let citizens: Array<{ id: string; version: number }>;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 40 });
    gw = testGateway(db);
    for (const name of Object.keys(OFFICERS) as OfficerName[]) tokens[name] = await tokenFor(gw, name);
    citizens = await db.query<{ id: string; version: number }>(
      `SELECT "id", "version" FROM "Citizen" WHERE "domicileCode" LIKE '32.01.%' AND "status" = 'ALIVE' ORDER BY "id"`,
    );
    expect(citizens.length).toBeGreaterThanOrEqual(8);
  });
  afterAll(async () => {
    await db?.close();
  });

  const call = (officer: OfficerName, mutation: string, input: Json, selection?: string) => {
    const field = mutations.find((m) => m.name === mutation);
    if (!field) throw new Error(`no mutation ${mutation}`);
    return gw.query<Json>(documentFor(field, selection), { token: tokens[officer], variables: { input } });
  };

  async function ok(officer: OfficerName, mutation: string, input: Json, selection?: string): Promise<Json> {
    const res = await call(officer, mutation, input, selection);
    expect(res.errors, `${mutation}: ${JSON.stringify(res.errors)}`).toBeUndefined();
    return res.data?.[mutation] as Json;
  }

  /** Refused with BAD_USER_INPUT at `field` for `rule`, one INVALID entry saying the same, nothing changed. */
  async function expectRefused(officer: OfficerName, mutation: string, input: Json, field: string, rule: string) {
    const before = await snapshot(db);
    const seq = await lastSeq(db);
    const res = await call(officer, mutation, input);
    const label = `${mutation} ${field} ${rule}`;
    expect(res.data?.[mutation] ?? null, label).toBeNull();
    expect(res.errors?.[0]?.extensions, `${label}: ${res.errors?.[0]?.message}`).toMatchObject({
      code: "BAD_USER_INPUT",
      field,
      rule,
    });
    await oneEntrySince(db, seq, {
      mutation,
      outcome: "INVALID",
      actor: officer,
      changes: { refused: { code: "BAD_USER_INPUT", field, rule } },
    });
    expect(await snapshot(db), `${label} changed a row`).toEqual(before);
  }

  // ---------------------------------------------------------------------------------------------

  it("covers every mutation of the schema, and every one of them has text inputs to attack", () => {
    expect(mutations.length).toBeGreaterThanOrEqual(17);
    for (const m of mutations) {
      const paths = m.args.flatMap((a) => textPaths(a.type, [a.name]));
      expect(paths.length, m.name).toBeGreaterThan(0);
    }
  });

  for (const [what, hostile, rule] of HOSTILE) {
    it(`${what} in any String or ID input of any mutation: BAD_USER_INPUT ${rule} at its path, audited`, async () => {
      const before = await snapshot(db);
      const seq = await lastSeq(db);
      const expected: Array<{ mutation: string; field: string }> = [];
      for (const m of mutations) {
        const officer = officerFor(m.name);
        for (const arg of m.args) {
          for (const path of textPaths(arg.type)) {
            const field = [arg.name, ...path].join(".");
            const original = String(path.reduce<unknown>((v, k) => (v as Json)[k], sample(arg.type)));
            const variables = { [arg.name]: plant(sample(arg.type), path, hostile(original)) };
            const res = await gw.query<Json>(documentFor(m), { token: tokens[officer], variables });
            const label = `${m.name} ${field}`;
            expect(res.data?.[m.name] ?? null, label).toBeNull();
            expect(res.errors?.[0]?.extensions, `${label}: ${res.errors?.[0]?.message}`).toMatchObject({
              code: "BAD_USER_INPUT",
              field,
              rule,
            });
            expected.push({ mutation: m.name, field });
          }
        }
      }
      expect(expected.length).toBeGreaterThan(40);
      const entries = await entriesSince(db, seq);
      expect(entries.map((e) => ({ mutation: e.mutation, outcome: e.outcome, changes: e.changes }))).toEqual(
        expected.map((e) => ({
          mutation: e.mutation,
          outcome: "INVALID",
          changes: { refused: { code: "BAD_USER_INPUT", field: e.field, rule } },
        })),
      );
      expect(await snapshot(db)).toEqual(before);
    });
  }

  describe("characters a name or code cannot contain", () => {
    const cases: Array<[string, string]> = [
      ["\u0000", "control_character"],
      ["\u0001", "control_character"],
      ["\t", "control_character"],
      ["\n", "control_character"],
      ["\r", "control_character"],
      ["\u001f", "control_character"],
      ["\u007f", "control_character"],
      ["\u0085", "control_character"],
      ["\u009f", "control_character"],
      ["\u2028", "control_character"],
      ["\u2029", "control_character"],
      ["\u200b", "invisible_character"],
      ["\u200c", "invisible_character"],
      ["\u200d", "invisible_character"],
      ["\u2060", "invisible_character"],
      ["\u2064", "invisible_character"],
      ["\ufeff", "invisible_character"],
      ["\u200e", "bidi_control"],
      ["\u200f", "bidi_control"],
      ["\u061c", "bidi_control"],
      ["\u202a", "bidi_control"],
      ["\u202e", "bidi_control"],
      ["\u2066", "bidi_control"],
      ["\u2069", "bidi_control"],
      ["\ud800", "invalid_unicode"],
      ["\udfff", "invalid_unicode"],
    ];
    for (const [char, rule] of cases) {
      const code = `U+${char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")}`;
      it(`${code} in a name: ${rule}`, async () => {
        await expectRefused(
          "registryBogor",
          "registerCitizen",
          citizenInput({ fullName: `Dewi ${char}Lestari` }),
          "input.fullName",
          rule,
        );
      });
    }

    it("real names pass: apostrophes, hyphens, accents, other scripts, characters beyond the BMP", async () => {
      for (const fullName of [
        "Siti Nur'aini",
        "Made Wiryawan-Putra",
        "Ni Luh Ayu Sékar",
        "Đặng Thị Hương",
        "李小龍",
        "𠀋 Tan",
      ]) {
        const created = await ok("registryBogor", "registerCitizen", citizenInput({ fullName }), "id fullName");
        expect(created.fullName).toBe(fullName);
        const [row] = await db.query<{ fullName: string }>(`SELECT "fullName" FROM "Citizen" WHERE "id" = $1`, [
          created.id,
        ]);
        expect(row?.fullName).toBe(fullName);
      }
    });

    it("a name of 200 characters passes, 201 is max_length; a 65-character id is max_length", async () => {
      await ok("registryBogor", "registerCitizen", citizenInput({ fullName: "A".repeat(200) }));
      await expectRefused(
        "registryBogor",
        "registerCitizen",
        citizenInput({ fullName: "A".repeat(201) }),
        "input.fullName",
        "max_length",
      );
      await expectRefused(
        "frontOfficeBogor",
        "recordService",
        { citizenId: "1".repeat(65), serviceType: "KTP", channel: "COUNTER", outcome: "COMPLETED" },
        "input.citizenId",
        "max_length",
      );
    });
  });

  // ---------------------------------------------------------------------------------------------

  describe("numbers and dates outside their plausible ranges (README table)", () => {
    const year = new Date().getUTCFullYear();
    let citizen: { id: string; version: number };
    const nextCitizen = () => {
      const c = citizens.pop();
      if (!c) throw new Error("out of seeded citizens");
      return c;
    };
    const assess = (over: Json = {}) => ({
      citizenId: citizen.id,
      taxType: "VEHICLE",
      taxObjectNumber: `NOP-${Math.random().toString(36).slice(2, 10)}`,
      period: String(year),
      assessedAmount: "500000.00",
      dueDate: utcDate(30),
      ...over,
    });

    beforeAll(() => {
      citizen = nextCitizen();
    });

    it("citizens: birth dates before 1900, deaths before 1900", async () => {
      const old = new Date("1824-05-01T00:00:00Z");
      const nik = buildNik({ districtCode: "32.01.02", birthDate: old, sex: "FEMALE", serial: 77 });
      for (const birthDate of ["1824-05-01", "1899-12-31", "0001-01-01"])
        await expectRefused(
          "registryBogor",
          "registerCitizen",
          citizenInput({ birthDate, nik }),
          "input.birthDate",
          "date_range",
        );
      const c = nextCitizen();
      await expectRefused(
        "registryBogor",
        "correctCitizen",
        { id: c.id, version: c.version, birthDate: "1899-12-31" },
        "input.birthDate",
        "date_range",
      );
      await expectRefused(
        "registryBogor",
        "recordCitizenDeath",
        { id: c.id, version: c.version, dateOfDeath: "1850-01-01" },
        "input.dateOfDeath",
        "date_range",
      );
    });

    it("a birth date on 1900-01-01 is still plausible", async () => {
      const birthDate = new Date("1900-01-01T00:00:00Z");
      const nik = buildNik({ districtCode: "32.01.02", birthDate, sex: "MALE", serial: 31 });
      await ok("registryBogor", "registerCitizen", citizenInput({ birthDate: "1900-01-01", sex: "MALE", nik }));
    });

    it("tax: periods before 2000 or after next year, due dates outside the window, amounts beyond 10^15", async () => {
      for (const period of ["0000", "1999", "1999-12", String(year + 2), `${year + 2}-01`])
        await expectRefused("taxBogor", "assessTax", assess({ period }), "input.period", "period_range");
      await ok("taxBogor", "assessTax", assess({ period: String(year + 1) }));
      await ok("taxBogor", "assessTax", assess({ period: "2000-01" }));
      for (const dueDate of ["0001-01-01", "1999-12-31", utcDate(5 * 366 + 1)])
        await expectRefused("taxBogor", "assessTax", assess({ dueDate }), "input.dueDate", "date_range");
      await expectRefused(
        "taxBogor",
        "assessTax",
        assess({ assessedAmount: "1000000000000000.01" }),
        "input.assessedAmount",
        "amount_range",
      );
      const record = await ok("taxBogor", "assessTax", assess(), "id");
      await expectRefused(
        "taxBogor",
        "recordTaxPayment",
        { id: record.id, version: 1, amount: "1000.00", paidAt: "1999-12-31T23:59:59Z" },
        "input.paidAt",
        "date_range",
      );
      await expectRefused(
        "taxBogor",
        "recordTaxPayment",
        { id: record.id, version: 1, amount: "1000.00", paidAt: "0000-06-01T00:00:00Z" },
        "input.paidAt",
        "date_range",
      );
    });

    it("permits: valid until more than 50 years ahead", async () => {
      const applicant = nextCitizen();
      const submitted = await gw.query<{ submitPermit: { id: string } }>(
        `mutation($input: SubmitPermitInput!) { submitPermit(input: $input) { id } }`,
        { token: tokens.licensingBogor, variables: { input: { applicantId: applicant.id, permitType: "PBG" } } },
      );
      const id = submitted.data?.submitPermit.id ?? "";
      await ok("licensingBogor", "reviewPermit", { id, version: 1 });
      await expectRefused(
        "licensingBogor",
        "approvePermit",
        { id, version: 2, documentNumber: "503/PBG/9", validUntil: utcDate(50 * 366 + 1) },
        "input.validUntil",
        "date_range",
      );
      await ok("licensingBogor", "approvePermit", {
        id,
        version: 2,
        documentNumber: "503/PBG/10",
        validUntil: utcDate(49 * 365),
      });
    });

    it("social assistance: periods before 2000, amounts above 100,000,000 per period", async () => {
      const c = nextCitizen();
      const input = { citizenId: c.id, program: "PKH", period: String(year), amount: "750000.00" };
      await expectRefused(
        "socialBogor",
        "enrollSocialAssistance",
        { ...input, period: "0000" },
        "input.period",
        "period_range",
      );
      await expectRefused(
        "socialBogor",
        "enrollSocialAssistance",
        { ...input, amount: "100000000.01" },
        "input.amount",
        "amount_range",
      );
      await ok("socialBogor", "enrollSocialAssistance", { ...input, amount: "100000000.00" });
    });

    it("finance: amounts beyond 10^15", async () => {
      await expectRefused(
        "financeBogor",
        "recordFinancialTransaction",
        {
          accountCode: "5.1.02",
          amount: "1000000000000000.01",
          direction: "CREDIT",
          transactionDate: utcDate(-1),
          reference: "BKU-H-1",
        },
        "input.amount",
        "amount_range",
      );
    });

    it("archives: sizes beyond 1 TiB, retention beyond 1000 years", async () => {
      const doc = {
        title: "Peta",
        classification: "INTERNAL",
        retentionYears: 10,
        checksumSha256: "cd".repeat(32),
        sizeBytes: "1024",
        storageUri: "s3://arsip/peta.tif",
      };
      await expectRefused(
        "archivistBogor",
        "registerArchiveDocument",
        { ...doc, sizeBytes: String(2n ** 40n + 1n) },
        "input.sizeBytes",
        "size_range",
      );
      await expectRefused(
        "archivistBogor",
        "registerArchiveDocument",
        { ...doc, retentionYears: 1001 },
        "input.retentionYears",
        "retention_range",
      );
      await ok("archivistBogor", "registerArchiveDocument", { ...doc, sizeBytes: String(2n ** 40n) });
    });
  });
});
