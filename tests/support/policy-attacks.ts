// The fixture of the policy-attack tests (tests/integration/policy-attacks-*.test.ts): a database
// seeded with 150 citizens in Kabupaten Bogor and Kota Semarang, read back with raw SQL so that every
// test compares the gateway's answers with the rows themselves, plus a tax record of Bogor's revenue
// agency whose taxpayer lives in Semarang, and the targets of the leak scan.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { type DatabaseKind, openTestDatabase } from "./db.ts";
import { type GraphQLResponse, type TestGateway, testConfig, testGateway } from "./gateway.ts";

const CITIZENS = 150;
export const BOGOR = "32.01";
export const SEMARANG = "33.74";
export const CASE_REF = "PN-BDG-2026-001";
/** The headers of a registry officer's lookup by NIK: a purpose that unlocks Citizen.nik, with a case. */
export const LOOKUP_PURPOSE = { "x-purpose": "civil-registration", "x-case-ref": CASE_REF } as const;

export type Json = Record<string, unknown>;
export type GqlError = NonNullable<GraphQLResponse["errors"]>[number];

export interface SeededCitizen {
  id: string;
  nik: string;
  familyCardNumber: string;
  fullName: string;
  addressStreet: string;
  domicileCode: string;
  villageName: string;
  districtName: string;
  regencyName: string;
  provinceName: string;
}

/**
 * The shape-keeping NIK (and No. KK) mask of the shipped policies, written out independently of
 * src/masking: the province digits only (issue 10: any other digit helps rebuild the number).
 */
export const maskedNik = (nik: string) => `${nik.slice(0, 2)}${"*".repeat(14)}`;
export const MASKED_NIK = /\d{2}\*{14}/g;
/** The masked address: the area of the domicile, without street, house number and RT/RW. */
export const maskedAddress = (c: SeededCitizen) =>
  `${c.villageName}, ${c.districtName}, ${c.regencyName}, ${c.provinceName}`;
/** A 16-digit number standing on its own (a NIK or No. KK). Longer runs (18-digit NIPs) and hex are not. */
export const STANDALONE_16 = /(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])/g;

export const codes = (errors: GqlError[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
export const paths = (errors: GqlError[] | undefined) => (errors ?? []).map((e) => e.path?.join("."));

/** Real ids, NIKs and a cursor, in and out of Bogor, that the leak scan aims its queries at. */
export interface ScanTargets {
  inId: string;
  outId: string;
  inNik: string;
  outNik: string;
  inKk: string;
  after: string;
  taxRecordId: string;
  permitId: string;
  serviceRecordId: string;
  archiveDocumentId: string;
  socialAssistanceId: string;
}

export type PolicyAttackFixture = ReturnType<typeof policyAttackFixture>;

/**
 * The setup of a policy-attack test file; call it inside the file's `describe`. Its beforeAll opens a
 * fresh database of `kind`, seeds it, adds the cross-region tax record and picks the scan targets; its
 * afterAll closes the database. The seeded state is read from the returned object inside tests.
 */
export function policyAttackFixture(kind: DatabaseKind) {
  let db: Database;
  let gw: TestGateway;
  let citizens: SeededCitizen[];
  let byId: Map<string, SeededCitizen>;
  let bogor: SeededCitizen[];
  let semarang: SeededCitizen[];
  /** A Bogor citizen with at least one tax record of BAPENDA-3201. */
  let taxpayer: SeededCitizen;
  /** A BAPENDA-3201 tax record (inserted here) of a citizen who lives in Semarang. */
  let crossRegionTaxRecordId: string;
  let crossRegionTaxpayer: SeededCitizen;
  let targets: ScanTargets;

  const one = async <T = Json>(sql: string, params: unknown[] = []): Promise<T> => {
    const [row] = await db.query<T>(sql, params);
    if (!row) throw new Error(`no row for: ${sql}`);
    return row;
  };

  const loadCitizens = async () => {
    citizens = await db.query<SeededCitizen>(
      `select c.id, c.nik, c."familyCardNumber", c."fullName", c."addressStreet", c."domicileCode",
              v.name as "villageName", d.name as "districtName", r.name as "regencyName", p.name as "provinceName"
         from "Citizen" c
         join "Region" v on v.code = c."domicileCode"
         join "Region" d on d.code = v."parentCode"
         join "Region" r on r.code = d."parentCode"
         join "Region" p on p.code = r."parentCode"
        order by c.id`,
    );
    byId = new Map(citizens.map((c) => [c.id, c]));
    bogor = citizens.filter((c) => c.domicileCode.startsWith(`${BOGOR}.`));
    semarang = citizens.filter((c) => c.domicileCode.startsWith(`${SEMARANG}.`));
  };

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: CITIZENS });
    // The leak scan's probes are broad on purpose (every relation down to the citizen, pages of 100
    // under pages of 100): larger than the default limits allow. This suite is about what leaks from
    // what is answered, so it raises the size limits; tests/integration/hostile-limits.test.ts holds
    // the limits themselves.
    gw = testGateway(db, testConfig, { limits: { maxRows: 100_000, maxCost: 10_000_000 } });

    // A Semarang resident taxed by Bogor's revenue agency (say, for land they own in Bogor): the tax
    // officer sees the record, but the taxpayer lives outside the officer's region.
    await loadCitizens();
    const outsider = semarang[0];
    if (!outsider) throw new Error("the seed has no Semarang citizen");
    crossRegionTaxpayer = outsider;
    crossRegionTaxRecordId = randomUUID();
    await db.query(
      `insert into "TaxRecord" (id, "citizenId", "agencyId", "taxType", "taxObjectNumber", period,
                                "assessedAmount", "paidAmount", status, "dueDate")
       select $1, $2, a.id, 'LAND_AND_BUILDING', '32.01.010.001.999-9999.0', '2025', 1250000.00, 0, 'ASSESSED', '2025-08-31'
         from "Agency" a where a.code = 'BAPENDA-3201'`,
      [crossRegionTaxRecordId, outsider.id],
    );

    const tp = await one<{ id: string }>(
      `select t."citizenId" as id from "TaxRecord" t join "Agency" a on a.id = t."agencyId"
        join "Citizen" c on c.id = t."citizenId"
        where a.code = 'BAPENDA-3201' and c."domicileCode" like '32.01.%' order by t.id limit 1`,
    );
    taxpayer = byId.get(tp.id) as SeededCitizen;

    // Targets of the leak scan: real ids and NIKs, in and out of Bogor.
    const inScope = bogor[0];
    const outOfScope = semarang[1] ?? semarang[0];
    if (!inScope || !outOfScope) throw new Error("the seed lacks Bogor or Semarang citizens");
    const registry = await tokenFor(gw, "registryBogor");
    const page = await gw.query<{ citizens: { edges: Array<{ cursor: string }> } }>(
      "{ citizens(first: 20) { edges { cursor } } }",
      { token: registry },
    );
    const after = page.data?.citizens.edges.at(-1)?.cursor;
    if (!after) throw new Error(`no cursor: ${page.text}`);
    const rowOf = (sql: string) => one<{ id: string }>(sql);
    const inBogor = `join "Citizen" c on c.id = x."citizenId" where c."domicileCode" like '32.01.%' order by x.id limit 1`;
    targets = {
      inId: inScope.id,
      outId: outOfScope.id,
      inNik: inScope.nik,
      outNik: outOfScope.nik,
      inKk: inScope.familyCardNumber,
      after,
      taxRecordId: (await rowOf(`select x.id from "TaxRecord" x ${inBogor}`)).id,
      permitId: (
        await rowOf(`select x.id from "Permit" x join "Citizen" c on c.id = x."applicantId"
          where c."domicileCode" like '32.01.%' order by x.id limit 1`)
      ).id,
      serviceRecordId: (await rowOf(`select x.id from "ServiceRecord" x ${inBogor}`)).id,
      archiveDocumentId: (await rowOf(`select x.id from "ArchiveDocument" x ${inBogor}`)).id,
      socialAssistanceId: (await rowOf(`select x.id from "SocialAssistance" x ${inBogor}`)).id,
    };
  });

  afterAll(async () => {
    await db?.close();
  });

  return {
    get db(): Database {
      return db;
    },
    get gw(): TestGateway {
      return gw;
    },
    /** Every citizen with the region names of their domicile, by id. */
    get citizens(): SeededCitizen[] {
      return citizens;
    },
    get byId(): Map<string, SeededCitizen> {
      return byId;
    },
    /** Citizens domiciled in Kabupaten Bogor (32.01). */
    get bogor(): SeededCitizen[] {
      return bogor;
    },
    /** Citizens domiciled in Kota Semarang (33.74). */
    get semarang(): SeededCitizen[] {
      return semarang;
    },
    /** A Bogor citizen with at least one tax record of BAPENDA-3201. */
    get taxpayer(): SeededCitizen {
      return taxpayer;
    },
    /** The BAPENDA-3201 tax record of crossRegionTaxpayer, a citizen who lives in Semarang. */
    get crossRegionTaxRecordId(): string {
      return crossRegionTaxRecordId;
    },
    get crossRegionTaxpayer(): SeededCitizen {
      return crossRegionTaxpayer;
    },
    get targets(): ScanTargets {
      return targets;
    },
    one,
    /** Reads the citizens again (after a test inserted one). */
    loadCitizens,
  };
}
