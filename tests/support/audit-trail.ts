// The fixture of the audit-trail tests (tests/integration/audit-trail-*.test.ts): the mutation
// documents they send, a registration that is always valid, readers of the raw AuditEntry rows, a
// client (third-party app) token, and two setups: a seeded database with a registry officer's token,
// and fresh sealed trails to tamper with.
import { createSecretKey } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, expect } from "vitest";
import type { AnchorSink } from "../../src/audit/anchor.ts";
import { sealPending } from "../../src/audit/seal.ts";
import type { VerifyReport } from "../../src/audit/verify.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { buildFamilyCardNumber, buildNik } from "../../src/domain/nik.ts";
import { type AuditRow, verifyEveryWay } from "./audit.ts";
import { type DatabaseKind, openTestDatabase } from "./db.ts";
import { type GraphQLResponse, type TestGateway, testConfig, testGateway } from "./gateway.ts";

export const KEY = testConfig.auditKey;
const CITIZENS = 40;

export type Json = Record<string, unknown>;

export const REGISTER = `mutation RegisterCitizen($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id version } }`;
export const CHANGE_ADDRESS = `mutation ChangeCitizenAddress($input: ChangeCitizenAddressInput!) {
  changeCitizenAddress(input: $input) { id version } }`;
export const CORRECT = `mutation CorrectCitizen($input: CorrectCitizenInput!) { correctCitizen(input: $input) { id version } }`;
export const ASSESS = `mutation AssessTax($input: AssessTaxInput!) { assessTax(input: $input) { id } }`;
export const SERVICE = `mutation RecordService($input: RecordServiceInput!) { recordService(input: $input) { id } }`;

let serial = 6000;

/** A valid registration: a man born 1988-02-14, first registered in Cibinong (32.01.01). */
export function citizenInput(over: Json = {}): Json & { nik: string; familyCardNumber: string; addressStreet: string } {
  serial++;
  return {
    nik: buildNik({ districtCode: "32.01.01", birthDate: new Date("1988-02-14T00:00:00Z"), sex: "MALE", serial }),
    familyCardNumber: buildFamilyCardNumber({
      districtCode: "32.01.01",
      issueDate: new Date("2012-11-05T00:00:00Z"),
      serial,
    }),
    fullName: `Agus Setiawan ${serial}`,
    birthPlace: "Bogor",
    birthDate: "1988-02-14",
    sex: "MALE",
    religion: "ISLAM",
    maritalStatus: "MARRIED",
    occupation: "Wiraswasta",
    addressStreet: `Jl. Melati Gg. ${serial} No. 17`,
    addressRt: "004",
    addressRw: "006",
    domicileCode: "32.01.01.1003",
    ...over,
  } as Json & { nik: string; familyCardNumber: string; addressStreet: string };
}

export async function lastSeq(db: Database): Promise<string> {
  const [row] = await db.query<{ seq: string }>(`SELECT coalesce(max("seq"), 0)::text AS seq FROM "AuditEntry"`);
  return row?.seq ?? "0";
}

export async function entriesSince(db: Database, seq: string): Promise<AuditRow[]> {
  const rows = await db.query<AuditRow>(
    `SELECT "seq"::text AS seq, "at", "actor", "role", "agencyCode", "clientId", "operation", "mutation", "event",
            "entityType", "entityId", "citizenId", "outcome"::text AS outcome, "changes", "purpose", "caseRef",
            "requestId", "clientIp", "clientRequestId", "hash", "sealId"
       FROM "AuditEntry" WHERE "seq" > $1::bigint ORDER BY "AuditEntry"."seq"`,
    [seq],
  );
  return rows.map((r) => ({ ...r, changes: typeof r.changes === "string" ? JSON.parse(r.changes) : r.changes }));
}

/** Every audit row since `seq` as the text a database dump would show. */
export async function rowText(db: Database, seq: string): Promise<string> {
  const rows = await db.query<{ t: string }>(
    `SELECT row_to_json(e)::text AS t FROM "AuditEntry" e WHERE "seq" > $1::bigint ORDER BY "seq"`,
    [seq],
  );
  return rows.map((r) => r.t).join("\n");
}

/** A client token of a third-party agency app (kind client), signed like Gerbang's own. */
export function clientToken(): Promise<string> {
  return new SignJWT({ role: "agency_app", kind: "client", agency: "DINKES-3201", scope: "citizens:read" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject("client-sipd-3201")
    .setIssuer(testConfig.auth.issuer)
    .setAudience(testConfig.auth.audience)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(createSecretKey(Buffer.from(testConfig.auth.secret ?? "")));
}

export function expectOk<T>(res: GraphQLResponse<T>, label: string): T {
  expect(res.errors, `${label}: ${JSON.stringify(res.errors)}`).toBeUndefined();
  return res.data as T;
}

export type AuditTrailFixture = ReturnType<typeof auditTrailFixture>;

/**
 * The setup of an audit-trail test file that works on one shared database; call it inside the file's
 * `describe`. Its beforeAll opens a fresh database of `kind`, seeds it with 40 citizens and issues a
 * Bogor registry officer's token; its afterAll closes the database.
 */
export function auditTrailFixture(kind: DatabaseKind) {
  let db: Database;
  let gw: TestGateway;
  let registry: string;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: CITIZENS });
    gw = testGateway(db);
    registry = await gw.token("registry_officer", {
      region: "32.01",
      agency: "DUKCAPIL-3201",
      subject: "registryBogor",
    });
  });
  afterAll(async () => {
    await db?.close();
  });

  async function register(
    input: Json,
    headers?: Record<string, string>,
    operation = REGISTER,
  ): Promise<GraphQLResponse<{ registerCitizen: { id: string; version: number } }>> {
    return gw.query<{ registerCitizen: { id: string; version: number } }>(operation, {
      token: registry,
      variables: { input },
      ...(headers ? { headers } : {}),
    });
  }

  return {
    get db(): Database {
      return db;
    },
    get gw(): TestGateway {
      return gw;
    },
    /** The token of a registry officer of Kabupaten Bogor (subject registryBogor). */
    get registry(): string {
      return registry;
    },
    register,
  };
}

/**
 * Writes a short history into the fixture's database before a test's own scenario: three registrations
 * by the registry officer and one request of a client that is refused (four entries). The auditor's
 * filters (by actor, by time) need entries they must leave out; in one file with the entry tests, those
 * tests' entries were that history.
 */
export async function writeEarlierHistory(fx: AuditTrailFixture): Promise<void> {
  for (let i = 0; i < 3; i++) expectOk(await fx.register(citizenInput()), "earlier registration");
  const [citizen] = await fx.db.query<{ id: string }>(`SELECT "id" FROM "Citizen" ORDER BY "id" LIMIT 1`);
  const refused = await fx.gw.query(SERVICE, {
    token: await clientToken(),
    variables: { input: { citizenId: citizen?.id, serviceType: "Cek NIK", channel: "ONLINE", outcome: "COMPLETED" } },
  });
  expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
}

export interface Seal {
  id: number;
  firstSeq: string;
  lastSeq: string;
  hash: string;
}
export interface Trail {
  db: Database;
  /** Entry seqs in order: 0–2 in seal 0, 3–5 in seal 1, 6 in seal 2, 7–8 unsealed. */
  s: string[];
  seals: Seal[];
  /** Access entry seqs in order (with `reveals`): 0 in seal 0, 1 in seal 1, 2 unsealed. */
  a: string[];
}

export interface TrailOptions {
  /** Where the seals are anchored, as a running gateway's sealer does. */
  anchors?: AnchorSink;
  /** Add clear reveals (access entries): one in each of the first two seals, one unsealed. */
  reveals?: boolean;
}

/**
 * Fresh databases of `kind` with a small sealed trail, for tests that tamper with it. Each call opens
 * its own database; the caller closes it (tampered() does so itself).
 */
export function tamperFixture(kind: DatabaseKind) {
  /** A fresh database with nine entries, seven of them sealed in three seals, verified intact. */
  async function trail(options: TrailOptions = {}): Promise<Trail> {
    const fresh = await openTestDatabase(kind);
    try {
      await seed(fresh.prisma, { citizens: 0 });
      const g = testGateway(fresh);
      const token = await g.token("registry_officer", {
        region: "32.01",
        agency: "DUKCAPIL-3201",
        subject: "registry-t",
      });
      const reg = async (input: Json) =>
        g.query<{ registerCitizen: { id: string } }>(REGISTER, { token, variables: { input } });
      const reveal = async (id: string) => {
        if (!options.reveals) return;
        const res = await g.query(`query($id: ID!) { citizen(id: $id) { nik } }`, {
          token,
          variables: { id },
          headers: { "x-purpose": "court-order", "x-case-ref": "PN-BGR-2026-17" },
        });
        expectOk(res, "reveal");
      };
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(expectOk(await reg(citizenInput()), "register").registerCitizen.id);
      expect((await reg(citizenInput({ addressRt: "4" }))).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      const seal = (n: number) => sealPending(fresh.prisma, KEY, n, { anchors: options.anchors, instance: "test" });
      await reveal(ids[0] as string);
      await seal(3);
      await reveal(ids[1] as string);
      for (const n of [3, 3]) await seal(n);
      await reveal(ids[2] as string);
      for (let i = 0; i < 2; i++) expectOk(await reg(citizenInput()), "register");
      const s = (
        await fresh.query<{ seq: string }>(`SELECT "seq"::text AS seq FROM "AuditEntry" ORDER BY "AuditEntry"."seq"`)
      ).map((r) => r.seq);
      const seals = await fresh.query<Seal>(
        `SELECT "id", "firstSeq"::text AS "firstSeq", "lastSeq"::text AS "lastSeq", "hash" FROM "AuditSeal" ORDER BY "id"`,
      );
      expect(s).toHaveLength(9);
      expect(seals.map((x) => [x.firstSeq, x.lastSeq])).toEqual([
        [s[0], s[2]],
        [s[3], s[5]],
        [s[6], s[6]],
      ]);
      const a = (
        await fresh.query<{ seq: string }>(`SELECT "seq"::text AS seq FROM "AccessEntry" ORDER BY "AccessEntry"."seq"`)
      ).map((r) => r.seq);
      expect(a).toHaveLength(options.reveals ? 3 : 0);
      const report = await verifyEveryWay(fresh, KEY);
      expect(report).toMatchObject({ intact: true, entries: 9, sealed: 7, unsealed: 2, seals: 3 });
      return { db: fresh, s, seals, a };
    } catch (error) {
      await fresh.close();
      throw error;
    }
  }

  /** Runs statements as a superuser would: with the append-only and forward-only triggers off. */
  async function asSuperuser(target: Database, statements: Array<[string, unknown[]?]>): Promise<void> {
    const tables = ["AuditEntry", "AuditSeal", "AuditHead", "AccessEntry"];
    for (const t of tables) await target.query(`ALTER TABLE "${t}" DISABLE TRIGGER USER`);
    try {
      for (const [sql, params] of statements) await target.query(sql, params ?? []);
    } finally {
      for (const t of tables) await target.query(`ALTER TABLE "${t}" ENABLE TRIGGER USER`);
    }
  }

  async function tampered(
    tamper: (t: Trail) => Array<[string, unknown[]?]>,
    check: (report: VerifyReport, t: Trail) => void,
  ): Promise<void> {
    const t = await trail();
    try {
      await asSuperuser(t.db, tamper(t));
      const report = await verifyEveryWay(t.db, KEY);
      expect(report.intact, JSON.stringify(report)).toBe(false);
      check(report, t);
    } finally {
      await t.db.close();
    }
  }

  return { trail, asSuperuser, tampered };
}
