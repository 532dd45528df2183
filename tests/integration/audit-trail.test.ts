// The audit trail as an auditor relies on it: what one entry holds (and that sensitive values are
// only ever keyed hashes), that any tampering a superuser could do with raw SQL is detected by
// verifyAudit and the first broken entry or seal is named, and the auditor's queries (entries,
// access log, one citizen's history) with their filters, paging and role restriction.
import { createSecretKey } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS } from "../../src/audit/events.ts";
import { entryHash, keyedValueHash } from "../../src/audit/hash.ts";
import { sealAll, sealPending } from "../../src/audit/seal.ts";
import type { VerifyReport } from "../../src/audit/verify.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { buildFamilyCardNumber, buildNik } from "../../src/domain/nik.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { type AuditRow, verifyEveryWay } from "../support/audit.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type GraphQLResponse, type TestGateway, testConfig, testGateway } from "../support/gateway.ts";

const KEY = testConfig.auditKey;
const CITIZENS = 40;
const HMAC = /^hmac:[0-9a-f]{32}$/;
const policy = loadPolicy(testConfig.policyDir, schema);

type Json = Record<string, unknown>;

const REGISTER = `mutation RegisterCitizen($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id version } }`;
const CHANGE_ADDRESS = `mutation ChangeCitizenAddress($input: ChangeCitizenAddressInput!) {
  changeCitizenAddress(input: $input) { id version } }`;
const CORRECT = `mutation CorrectCitizen($input: CorrectCitizenInput!) { correctCitizen(input: $input) { id version } }`;
const ASSESS = `mutation AssessTax($input: AssessTaxInput!) { assessTax(input: $input) { id } }`;
const SERVICE = `mutation RecordService($input: RecordServiceInput!) { recordService(input: $input) { id } }`;

let serial = 6000;

/** A valid registration: a man born 1988-02-14, first registered in Cibinong (32.01.01). */
function citizenInput(over: Json = {}): Json & { nik: string; familyCardNumber: string; addressStreet: string } {
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

async function lastSeq(db: Database): Promise<string> {
  const [row] = await db.query<{ seq: string }>(`SELECT coalesce(max("seq"), 0)::text AS seq FROM "AuditEntry"`);
  return row?.seq ?? "0";
}

async function entriesSince(db: Database, seq: string): Promise<AuditRow[]> {
  const rows = await db.query<AuditRow>(
    `SELECT "seq"::text AS seq, "at", "actor", "role", "agencyCode", "clientId", "operation", "mutation", "event",
            "entityType", "entityId", "citizenId", "outcome"::text AS outcome, "changes", "purpose", "caseRef",
            "requestId", "clientIp", "hash", "sealId"
       FROM "AuditEntry" WHERE "seq" > $1::bigint ORDER BY "AuditEntry"."seq"`,
    [seq],
  );
  return rows.map((r) => ({ ...r, changes: typeof r.changes === "string" ? JSON.parse(r.changes) : r.changes }));
}

/** Every audit row since `seq` as the text a database dump would show. */
async function rowText(db: Database, seq: string): Promise<string> {
  const rows = await db.query<{ t: string }>(
    `SELECT row_to_json(e)::text AS t FROM "AuditEntry" e WHERE "seq" > $1::bigint ORDER BY "seq"`,
    [seq],
  );
  return rows.map((r) => r.t).join("\n");
}

/** A client token of a third-party agency app (kind client), signed like Gerbang's own. */
function clientToken(): Promise<string> {
  return new SignJWT({ role: "agency_app", kind: "client", agency: "DINKES-3201", scope: "citizens:read" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject("client-sipd-3201")
    .setIssuer(testConfig.auth.issuer)
    .setAudience(testConfig.auth.audience)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(createSecretKey(Buffer.from(testConfig.auth.secret ?? "")));
}

function expectOk<T>(res: GraphQLResponse<T>, label: string): T {
  expect(res.errors, `${label}: ${JSON.stringify(res.errors)}`).toBeUndefined();
  return res.data as T;
}

describe.each(databaseKinds())("audit trail on %s", (kind) => {
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

  // -------------------------------------------------------------------------------------------

  describe("what an entry holds", () => {
    it("sequence, time, principal, operation, mutation, entity, outcome, changes, purpose, request and client address", async () => {
      const input = citizenInput();
      const seq = await lastSeq(db);
      const t0 = Date.now();
      const res = await register(
        input,
        {
          "x-purpose": "civil-registration",
          "x-case-ref": "REG/3201/2026/0042",
          "x-request-id": "audit-contents-0001",
          "x-forwarded-for": "203.0.113.7, 10.0.0.1",
        },
        `mutation RegisterNewborn($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id } }`,
      );
      const t1 = Date.now();
      const id = expectOk(res, "register").registerCitizen.id;
      expect(res.headers.get("x-request-id")).toBe("audit-contents-0001");

      const entries = await entriesSince(db, seq);
      expect(entries).toHaveLength(1);
      const e = entries[0] as AuditRow;
      expect(BigInt(e.seq)).toBeGreaterThan(BigInt(seq));
      const at = new Date(e.at).getTime();
      expect(at).toBeGreaterThanOrEqual(t0 - 1);
      expect(at).toBeLessThanOrEqual(t1 + 1);
      expect(e).toEqual({
        seq: e.seq,
        at: e.at,
        actor: "registryBogor",
        role: "registry_officer",
        agencyCode: "DUKCAPIL-3201",
        clientId: null,
        operation: "RegisterNewborn",
        mutation: "registerCitizen",
        event: "CITIZEN_REGISTERED",
        entityType: "Citizen",
        entityId: id,
        citizenId: id,
        outcome: "SUCCESS",
        changes: {
          nik: { before: null, after: keyedValueHash(KEY, input.nik) },
          familyCardNumber: { before: null, after: keyedValueHash(KEY, input.familyCardNumber) },
          addressStreet: { before: null, after: keyedValueHash(KEY, input.addressStreet) },
          addressRt: { before: null, after: keyedValueHash(KEY, "004") },
          addressRw: { before: null, after: keyedValueHash(KEY, "006") },
          fullName: { before: null, after: input.fullName },
          birthPlace: { before: null, after: "Bogor" },
          birthDate: { before: null, after: "1988-02-14T00:00:00.000Z" },
          sex: { before: null, after: "MALE" },
          religion: { before: null, after: "ISLAM" },
          maritalStatus: { before: null, after: "MARRIED" },
          occupation: { before: null, after: "Wiraswasta" },
          domicileCode: { before: null, after: "32.01.01.1003" },
        },
        purpose: "civil-registration",
        caseRef: "REG/3201/2026/0042",
        requestId: "audit-contents-0001",
        clientIp: "203.0.113.7",
        hash: entryHash(KEY, { ...e, at: new Date(e.at) }),
        sealId: null,
      });
    });

    it("takes the request id the gateway assigned (echoed in x-request-id), and leaves absent context null", async () => {
      const seq = await lastSeq(db);
      const res = await register(citizenInput());
      expectOk(res, "register");
      const requestId = res.headers.get("x-request-id");
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const [e] = await entriesSince(db, seq);
      expect(e).toMatchObject({
        requestId,
        purpose: null,
        caseRef: null,
        clientIp: null,
        operation: "RegisterCitizen",
      });
      // A malformed x-request-id is replaced, and the entry carries the replacement.
      const seq2 = await lastSeq(db);
      const odd = await register(citizenInput(), { "x-request-id": "bad id; drop table" });
      expectOk(odd, "register");
      const [e2] = await entriesSince(db, seq2);
      expect(e2?.requestId).toBe(odd.headers.get("x-request-id"));
      expect(e2?.requestId).not.toContain("drop");
    });

    it("records a client (third-party app) principal with its client id", async () => {
      const token = await clientToken();
      const [citizen] = await db.query<{ id: string }>(`SELECT "id" FROM "Citizen" ORDER BY "id" LIMIT 1`);
      const seq = await lastSeq(db);
      const res = await gw.query(SERVICE, {
        token,
        variables: {
          input: { citizenId: citizen?.id, serviceType: "Cek NIK", channel: "ONLINE", outcome: "COMPLETED" },
        },
        headers: { "x-forwarded-for": "198.51.100.20" },
      });
      expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const entries = await entriesSince(db, seq);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: "client-sipd-3201",
        clientId: "client-sipd-3201",
        role: "agency_app",
        agencyCode: "DINKES-3201",
        mutation: "recordService",
        event: "SERVICE_RECORDED",
        outcome: "DENIED",
        clientIp: "198.51.100.20",
        changes: { refused: { code: "FORBIDDEN" } },
      });
    });

    it("names every mutation's event in one typed list, and entries use it", async () => {
      const fields = Object.keys(schema.getMutationType()?.getFields() ?? {}).sort();
      expect(fields.length).toBeGreaterThanOrEqual(17);
      expect(Object.keys(EVENTS).sort()).toEqual(fields);
      const names = Object.values(EVENTS);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(name).toMatch(/^[A-Z]+(_[A-Z]+)+$/);
      expect(EVENTS.registerCitizen).toBe("CITIZEN_REGISTERED");
      expect(EVENTS.changeCitizenAddress).toBe("CITIZEN_ADDRESS_CHANGED");
      const pairs = await db.query<{ mutation: string; event: string }>(
        `SELECT DISTINCT "mutation", "event" FROM "AuditEntry"`,
      );
      expect(pairs.length).toBeGreaterThan(0);
      for (const p of pairs) expect(p.event).toBe(EVENTS[p.mutation as keyof typeof EVENTS]);
    });

    it("stores NIK, family-card number and address only as keyed hashes, comparable across entries", async () => {
      const seq = await lastSeq(db);
      const input = citizenInput();
      const created = expectOk(await register(input), "register").registerCitizen;
      const newStreet = "Jl. Anggrek Raya No. 88";
      const moved = await gw.query<{ changeCitizenAddress: { version: number } }>(CHANGE_ADDRESS, {
        token: registry,
        variables: {
          input: {
            id: created.id,
            version: created.version,
            addressStreet: newStreet,
            addressRt: "008",
            addressRw: "002",
            domicileCode: "32.01.03.2002",
          },
        },
      });
      const version = expectOk(moved, "move").changeCitizenAddress.version;
      const newCard = buildFamilyCardNumber({
        districtCode: "32.01.03",
        issueDate: new Date("2025-06-30T00:00:00Z"),
        serial: 77,
      });
      expectOk(
        await gw.query(CORRECT, {
          token: registry,
          variables: { input: { id: created.id, version, familyCardNumber: newCard } },
        }),
        "correct",
      );
      // A refused duplicate carries the NIK in its input: the refusal entry must not.
      const dup = await register({ ...citizenInput(), nik: input.nik });
      expect(dup.errors?.[0]?.extensions?.code).toBe("CONFLICT");

      const [reg, move, correct, refused] = await entriesSince(db, seq);
      const h = (v: string) => keyedValueHash(KEY, v);
      expect(move?.changes).toEqual({
        addressStreet: { before: h(input.addressStreet), after: h(newStreet) },
        addressRt: { before: h("004"), after: h("008") },
        addressRw: { before: h("006"), after: h("002") },
        domicileCode: { before: "32.01.01.1003", after: "32.01.03.2002" },
      });
      expect(correct?.changes).toEqual({ familyCardNumber: { before: h(input.familyCardNumber), after: h(newCard) } });
      // The same value gives the same hash in every entry, so an auditor can follow it without seeing it.
      type Changes = Record<string, { before: string | null; after: string | null }>;
      const regChanges = (reg?.changes ?? {}) as Changes;
      const moveChanges = (move?.changes ?? {}) as Changes;
      const correctChanges = (correct?.changes ?? {}) as Changes;
      expect(regChanges.addressStreet?.after).toBe(moveChanges.addressStreet?.before);
      expect(regChanges.familyCardNumber?.after).toBe(correctChanges.familyCardNumber?.before);
      for (const hashed of [
        regChanges.nik?.after,
        regChanges.familyCardNumber?.after,
        regChanges.addressStreet?.after,
      ]) {
        expect(hashed).toMatch(HMAC);
      }
      // Keyed: without the key the hash of a known NIK cannot be recomputed.
      expect(keyedValueHash("a-different-key-of-at-least-32-characters!!", input.nik)).not.toBe(regChanges.nik?.after);
      expect(refused).toMatchObject({
        outcome: "CONFLICT",
        changes: { refused: { code: "CONFLICT", field: "input.nik" } },
      });

      // Nowhere in the rows, in any column, is a clear value.
      const text = await rowText(db, seq);
      for (const clear of [input.nik, input.familyCardNumber, newCard, input.addressStreet, newStreet]) {
        expect(text).not.toContain(clear);
      }
      for (const code of ["004", "006", "008", "002"]) expect(text).not.toContain(`"${code}"`);
      // Nor in what an auditor reads.
      const auditor = await gw.token("auditor", { subject: "inspektorat-1" });
      const read = await gw.query(
        `query($c: String!) { auditEntries(first: 50, where: { citizenId: $c }) { edges { node { changes entityId outcome } } } }`,
        { token: auditor, variables: { c: created.id } },
      );
      expectOk(read, "auditEntries");
      expect(read.text).toContain(created.id);
      for (const clear of [input.nik, input.familyCardNumber, newCard, input.addressStreet, newStreet]) {
        expect(read.text).not.toContain(clear);
      }
    });
  });

  // -------------------------------------------------------------------------------------------

  describe("auditor queries", () => {
    let auditor: string;
    let x: { id: string; input: ReturnType<typeof citizenInput> };
    let yId: string;

    beforeAll(async () => {
      auditor = await gw.token("auditor", { subject: "inspektorat-2" });
      const tax = await gw.token("tax_officer", { region: "32.01", agency: "BAPENDA-3201", subject: "taxBogor" });
      const front = await gw.token("front_office", {
        region: "32.01",
        agency: "DUKCAPIL-3201",
        subject: "frontOfficeBogor",
      });
      const social = await gw.token("social_officer", {
        region: "32.01",
        agency: "DINSOS-3201",
        subject: "socialBogor",
      });
      const province = await gw.token("registry_officer", {
        region: "32",
        agency: "DUKCAPIL-3201",
        subject: "registryJabar",
      });

      const input = citizenInput();
      const created = expectOk(
        await register(
          input,
          undefined,
          `mutation RegisterMovedCitizen($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id version } }`,
        ),
        "register x",
      ).registerCitizen;
      x = { id: created.id, input };
      expectOk(
        await gw.query(CHANGE_ADDRESS, {
          token: registry,
          variables: {
            input: {
              id: x.id,
              version: 1,
              addressStreet: "Jl. Dahlia 5",
              addressRt: "001",
              addressRw: "003",
              domicileCode: "32.01.01.1004",
            },
          },
        }),
        "move x",
      );
      expectOk(
        await gw.query(ASSESS, {
          token: tax,
          variables: {
            input: {
              citizenId: x.id,
              taxType: "LAND_AND_BUILDING",
              taxObjectNumber: "32.01.010.001.017-0001.0",
              period: "2026",
              assessedAmount: "480000.00",
              dueDate: "2026-12-31",
            },
          },
        }),
        "assess x",
      );
      const denied = await gw.query(REGISTER, { token: front, variables: { input: citizenInput() } });
      expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const byClient = await gw.query(SERVICE, {
        token: await clientToken(),
        variables: {
          input: { citizenId: created.id, serviceType: "Cek NIK", channel: "ONLINE", outcome: "COMPLETED" },
        },
      });
      expect(byClient.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const invalid = await register(citizenInput({ nik: "3299010000000001" }));
      expect(invalid.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");

      // Clear reveals: a court order (registry), an assistance verification (social), another citizen.
      const reveal = async (token: string, id: string, fields: string, purpose: string, caseRef: string) =>
        expectOk(
          await gw.query(`query($id: ID!) { citizen(id: $id) { id ${fields} } }`, {
            token,
            variables: { id },
            headers: { "x-purpose": purpose, "x-case-ref": caseRef },
          }),
          `reveal ${purpose}`,
        );
      const shown = await reveal(registry, x.id, "nik familyCardNumber", "court-order", "PN-BGR-2026-17");
      expect((shown as { citizen: { nik: string } }).citizen.nik).toBe(input.nik);
      await reveal(social, x.id, "nik", "social-assistance-verification", "DTKS-2026-0005");
      const [y] = await db.query<{ id: string }>(
        `SELECT "id" FROM "Citizen" WHERE "domicileCode" LIKE '32.01.%' AND "id" <> $1 ORDER BY "id" LIMIT 1`,
        [x.id],
      );
      yId = y?.id ?? "";
      await reveal(province, yId, "nik", "court-order", "PN-BGR-2026-18");
    });

    type Page = {
      auditEntries: {
        totalCount: number;
        edges: Array<{ cursor: string; node: { seq: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };

    async function allSeqs(
      where: Json | undefined,
      first = 500,
    ): Promise<{ seqs: string[]; total: number; pages: number }> {
      const q = `query($first: Int, $after: String, $where: AuditEntryWhere) {
        auditEntries(first: $first, after: $after, where: $where) {
          totalCount edges { cursor node { seq } } pageInfo { hasNextPage endCursor } } }`;
      const seqs: string[] = [];
      let after: string | null = null;
      let total = 0;
      let pages = 0;
      do {
        const res: GraphQLResponse<Page> = await gw.query<Page>(q, {
          token: auditor,
          variables: { first, after, where },
        });
        const page = expectOk(res, `auditEntries ${JSON.stringify(where)}`).auditEntries;
        total = page.totalCount;
        seqs.push(...page.edges.map((e) => e.node.seq));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages++;
      } while (after && pages < 100);
      return { seqs, total, pages };
    }

    const sqlSeqs = async (condition: string, params: unknown[] = []) =>
      (
        await db.query<{ seq: string }>(
          `SELECT "seq"::text AS seq FROM "AuditEntry" WHERE ${condition} ORDER BY "AuditEntry"."seq" DESC`,
          params,
        )
      ).map((r) => r.seq);

    it("pages through auditEntries newest first, without overlap or gaps", async () => {
      const expected = await sqlSeqs("true");
      expect(expected.length).toBeGreaterThanOrEqual(6);
      const { seqs, total, pages } = await allSeqs(undefined, 4);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual(expected);
      expect(total).toBe(expected.length);
      expect(pages).toBe(Math.ceil(expected.length / 4));
    });

    it("filters by actor, role, agency, client, entity, citizen, operation, outcome and time", async () => {
      const atOffset = async (offset: number) =>
        (
          await db.query<{ at: Date | string }>(
            `SELECT "at" FROM "AuditEntry" ORDER BY "seq" DESC OFFSET ${offset} LIMIT 1`,
          )
        )[0]?.at;
      const from = await atOffset(6);
      const to = await atOffset(2);
      const iso = (v: Date | string | undefined) => new Date(v ?? 0).toISOString();
      const cases: Array<[Json, string, unknown[]]> = [
        [{ actor: "registryBogor" }, `"actor" = $1`, ["registryBogor"]],
        [{ role: "tax_officer" }, `"role" = $1`, ["tax_officer"]],
        [{ agency: "BAPENDA-3201" }, `"agencyCode" = $1`, ["BAPENDA-3201"]],
        [{ client: "client-sipd-3201" }, `"clientId" = $1`, ["client-sipd-3201"]],
        [{ entityType: "TaxRecord" }, `"entityType" = $1`, ["TaxRecord"]],
        [{ entityId: x.id }, `"entityId" = $1`, [x.id]],
        [{ citizenId: x.id }, `"citizenId" = $1`, [x.id]],
        [{ operation: "changeCitizenAddress" }, `"mutation" = $1`, ["changeCitizenAddress"]],
        [{ operation: "CITIZEN_ADDRESS_CHANGED" }, `"event" = $1`, ["CITIZEN_ADDRESS_CHANGED"]],
        [{ operation: "RegisterMovedCitizen" }, `"operation" = $1`, ["RegisterMovedCitizen"]],
        [{ outcome: ["DENIED"] }, `"outcome" = 'DENIED'`, []],
        [{ outcome: ["INVALID", "CONFLICT"] }, `"outcome" IN ('INVALID', 'CONFLICT')`, []],
        [{ from: iso(from) }, `"at" >= $1::timestamptz`, [iso(from)]],
        [{ from: iso(from), to: iso(to) }, `"at" >= $1::timestamptz AND "at" < $2::timestamptz`, [iso(from), iso(to)]],
        [
          { actor: "registryBogor", citizenId: x.id, outcome: ["SUCCESS"] },
          `"actor" = $1 AND "citizenId" = $2 AND "outcome" = 'SUCCESS'`,
          ["registryBogor", x.id],
        ],
      ];
      const everything = (await sqlSeqs("true")).length;
      for (const [where, condition, params] of cases) {
        const expected = await sqlSeqs(condition, params);
        const label = JSON.stringify(where);
        expect(expected.length, label).toBeGreaterThan(0);
        expect(expected.length, label).toBeLessThan(everything);
        const { seqs, total } = await allSeqs(where, 3);
        expect(seqs, label).toEqual(expected);
        expect(total, label).toBe(expected.length);
      }
      // Nothing matches a client that never called.
      expect((await allSeqs({ client: "no-such-client" })).seqs).toEqual([]);
      const range = await gw.query(
        `{ auditEntries(where: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }) { totalCount } }`,
        {
          token: auditor,
        },
      );
      expect(range.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "where.from",
        rule: "time_range",
      });
    });

    it("shows whether an entry is sealed yet", async () => {
      const q = `query($c: String!) { auditEntries(first: 50, where: { citizenId: $c }) { edges { node { seq sealed } } } }`;
      type R = { auditEntries: { edges: Array<{ node: { sealed: boolean } }> } };
      const before = expectOk(await gw.query<R>(q, { token: auditor, variables: { c: x.id } }), "unsealed");
      expect(before.auditEntries.edges.some((e) => !e.node.sealed)).toBe(true);
      await sealAll(db.prisma, KEY);
      const after = expectOk(await gw.query<R>(q, { token: auditor, variables: { c: x.id } }), "sealed");
      expect(after.auditEntries.edges.length).toBe(before.auditEntries.edges.length);
      expect(after.auditEntries.edges.every((e) => e.node.sealed)).toBe(true);
    });

    it("pages and filters accessEntries: who saw whose clear value, for which purpose", async () => {
      type A = {
        accessEntries: {
          totalCount: number;
          edges: Array<{ node: Json }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const q = `query($after: String, $where: AccessEntryWhere) { accessEntries(first: 1, after: $after, where: $where) {
        totalCount edges { node { seq actor role agencyCode clientId citizenId field purpose caseRef requestId } }
        pageInfo { hasNextPage endCursor } } }`;
      const all = async (where?: Json) => {
        const nodes: Json[] = [];
        let after: string | null = null;
        let total = 0;
        do {
          const res: GraphQLResponse<A> = await gw.query<A>(q, { token: auditor, variables: { after, where } });
          const page = expectOk(res, "accessEntries").accessEntries;
          total = page.totalCount;
          nodes.push(...page.edges.map((e) => e.node));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
        return { nodes, total };
      };
      const rows = await db.query<{ seq: string; citizenId: string; actor: string; field: string; purpose: string }>(
        `SELECT "seq"::text AS seq, "citizenId", "actor", "field", "purpose" FROM "AccessEntry" ORDER BY "AccessEntry"."seq" DESC`,
      );
      expect(rows.length).toBe(4);
      const everything = await all();
      expect(everything.total).toBe(4);
      expect(everything.nodes.map((n) => n.seq)).toEqual(rows.map((r) => r.seq));

      const forX = await all({ citizenId: x.id });
      expect(forX.nodes).toHaveLength(3);
      expect(forX.nodes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: "registryBogor",
            role: "registry_officer",
            agencyCode: "DUKCAPIL-3201",
            clientId: null,
            field: "Citizen.nik",
            purpose: "court-order",
            caseRef: "PN-BGR-2026-17",
          }),
          expect.objectContaining({
            actor: "registryBogor",
            field: "Citizen.familyCardNumber",
            purpose: "court-order",
          }),
          expect.objectContaining({
            actor: "socialBogor",
            field: "Citizen.nik",
            purpose: "social-assistance-verification",
            caseRef: "DTKS-2026-0005",
          }),
        ]),
      );
      expect((await all({ actor: "registryJabar" })).nodes.map((n) => n.citizenId)).toEqual([yId]);
      expect((await all({ field: "Citizen.familyCardNumber" })).nodes).toHaveLength(1);
      expect((await all({ purpose: "court-order" })).nodes).toHaveLength(3);
      expect((await all({ purpose: "court-order", citizenId: x.id, role: "registry_officer" })).nodes).toHaveLength(2);
    });

    it("lists who changed or saw one citizen's data, newest first", async () => {
      type H = {
        citizenAccessHistory: Array<{
          at: string;
          kind: string;
          actor: string;
          role: string;
          what: string;
          outcome: string | null;
          purpose: string | null;
          caseRef: string | null;
          requestId: string;
        }>;
      };
      const res = await gw.query<H>(
        `query($id: ID!) { citizenAccessHistory(citizenId: $id) { at kind actor role agencyCode clientId what outcome purpose caseRef requestId } }`,
        { token: auditor, variables: { id: x.id } },
      );
      const history = expectOk(res, "history").citizenAccessHistory;
      const changes = await db.query<{ actor: string; event: string; requestId: string }>(
        `SELECT "actor", "event", "requestId" FROM "AuditEntry" WHERE "citizenId" = $1`,
        [x.id],
      );
      const reveals = await db.query<{ actor: string; field: string; requestId: string }>(
        `SELECT "actor", "field", "requestId" FROM "AccessEntry" WHERE "citizenId" = $1`,
        [x.id],
      );
      const key = (e: { kind: string; actor: string; what: string; requestId: string }) =>
        `${e.kind}|${e.actor}|${e.what}|${e.requestId}`;
      expect(history.map(key).sort()).toEqual(
        [
          ...changes.map((c) => key({ kind: "CHANGED", actor: c.actor, what: c.event, requestId: c.requestId })),
          ...reveals.map((r) => key({ kind: "REVEALED", actor: r.actor, what: r.field, requestId: r.requestId })),
        ].sort(),
      );
      // The registration, the move, the tax assessment, the court order and the assistance check.
      expect(history).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: "CHANGED",
            actor: "registryBogor",
            what: "CITIZEN_REGISTERED",
            outcome: "SUCCESS",
          }),
          expect.objectContaining({ kind: "CHANGED", actor: "registryBogor", what: "CITIZEN_ADDRESS_CHANGED" }),
          expect.objectContaining({ kind: "CHANGED", actor: "taxBogor", role: "tax_officer", what: "TAX_ASSESSED" }),
          expect.objectContaining({
            kind: "REVEALED",
            actor: "registryBogor",
            what: "Citizen.nik",
            purpose: "court-order",
            caseRef: "PN-BGR-2026-17",
            outcome: null,
          }),
          expect.objectContaining({ kind: "REVEALED", actor: "socialBogor", what: "Citizen.nik" }),
        ]),
      );
      const times = history.map((h) => new Date(h.at).getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      // Another citizen's reveal is not part of this history.
      expect(history.some((h) => h.actor === "registryJabar")).toBe(false);
    });

    it("shows auditors no clear personal data", async () => {
      const res = await gw.query(
        `query($id: ID!, $c: String!) {
          auditEntries(first: 500) { edges { node { seq actor changes entityId citizenId } } }
          accessEntries(first: 500) { edges { node { citizenId field purpose } } }
          citizenAccessHistory(citizenId: $id) { what actor }
          mine: auditEntries(where: { citizenId: $c }) { totalCount } }`,
        { token: auditor, variables: { id: x.id, c: x.id } },
      );
      expectOk(res, "auditor read");
      for (const clear of [x.input.nik, x.input.familyCardNumber, x.input.addressStreet, "Jl. Dahlia 5"]) {
        expect(res.text).not.toContain(clear);
      }
      // No seeded NIK or family-card number either: no standalone 16-digit number at all.
      expect(res.text).not.toMatch(/(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])/);
      for (const q of [
        `query($id: ID!) { citizen(id: $id) { id nik } }`,
        `query { citizens(first: 1) { edges { node { id } } } }`,
      ]) {
        const denied = await gw.query(q, { token: auditor, variables: { id: x.id } });
        expect(denied.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
        expect(denied.text).not.toContain(x.input.nik);
      }
    });

    it("answers NOT_FOUND to every other role", async () => {
      const others = [...policy.roles.keys()].filter((r) => r !== "auditor");
      expect(others.length).toBeGreaterThanOrEqual(9);
      for (const role of others) {
        const token = await gw.token(role, { region: "32.01", agency: "DUKCAPIL-3201", subject: `probe-${role}` });
        for (const [field, q] of [
          ["auditEntries", `{ auditEntries(first: 5) { totalCount edges { node { seq actor changes } } } }`],
          ["accessEntries", `{ accessEntries(first: 5) { totalCount edges { node { seq citizenId } } } }`],
          ["citizenAccessHistory", `query($id: ID!) { citizenAccessHistory(citizenId: $id) { actor what } }`],
        ] as const) {
          const res = await gw.query<Record<string, unknown>>(q, { token, variables: { id: x.id } });
          expect(
            res.errors?.map((e) => e.extensions?.code),
            `${role} ${field}`,
          ).toEqual(["NOT_FOUND"]);
          expect(res.data?.[field] ?? null, `${role} ${field}`).toBeNull();
          expect(res.text).not.toContain("registryBogor");
        }
      }
    });
  });

  // -------------------------------------------------------------------------------------------

  describe("tamper evidence", () => {
    interface Seal {
      id: number;
      firstSeq: string;
      lastSeq: string;
      hash: string;
    }
    interface Trail {
      db: Database;
      /** Entry seqs in order: 0–2 in seal 0, 3–5 in seal 1, 6 in seal 2, 7–8 unsealed. */
      s: string[];
      seals: Seal[];
    }

    /** A fresh database with nine entries, seven of them sealed in three seals, verified intact. */
    async function trail(): Promise<Trail> {
      const fresh = await openTestDatabase(kind);
      try {
        await seed(fresh.prisma, { citizens: 0 });
        const g = testGateway(fresh);
        const token = await g.token("registry_officer", {
          region: "32.01",
          agency: "DUKCAPIL-3201",
          subject: "registry-t",
        });
        const reg = async (input: Json) => g.query(REGISTER, { token, variables: { input } });
        for (let i = 0; i < 6; i++) expectOk(await reg(citizenInput()), "register");
        expect((await reg(citizenInput({ addressRt: "4" }))).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        for (const n of [3, 3, 3]) await sealPending(fresh.prisma, KEY, n);
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
        const report = await verifyEveryWay(fresh, KEY);
        expect(report).toEqual({ intact: true, entries: 9, sealed: 7, unsealed: 2, seals: 3 });
        return { db: fresh, s, seals };
      } catch (error) {
        await fresh.close();
        throw error;
      }
    }

    /** Runs statements as a superuser would: with the append-only and forward-only triggers off. */
    async function asSuperuser(target: Database, statements: Array<[string, unknown[]?]>): Promise<void> {
      const tables = ["AuditEntry", "AuditSeal", "AuditHead"];
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

    const at = (list: string[], i: number) => list[i] as string;

    it("verifies an untouched trail as intact when a seal spans seq 9 to 10", async () => {
      const fresh = await openTestDatabase(kind);
      try {
        await seed(fresh.prisma, { citizens: 0 });
        const g = testGateway(fresh);
        const token = await g.token("registry_officer", {
          region: "32.01",
          agency: "DUKCAPIL-3201",
          subject: "registry-v",
        });
        for (let i = 0; i < 12; i++) {
          expectOk(await g.query(REGISTER, { token, variables: { input: citizenInput() } }), "register");
        }
        expect(await sealAll(fresh.prisma, KEY)).toBe(12);
        const [range] = await fresh.query<{ first: string; last: string }>(
          `SELECT min("seq")::text AS first, max("seq")::text AS last FROM "AuditEntry"`,
        );
        expect(range).toEqual({ first: "1", last: "12" });
        const report = await verifyEveryWay(fresh, KEY);
        expect(report, JSON.stringify(report)).toEqual({
          intact: true,
          entries: 12,
          sealed: 12,
          unsealed: 0,
          seals: 1,
        });
      } finally {
        await fresh.close();
      }
    });

    it("refuses the tampering without the bypass: the triggers stand", async () => {
      const t = await trail();
      try {
        await expect(
          t.db.query(`UPDATE "AuditEntry" SET "actor" = 'x' WHERE "seq" = $1`, [at(t.s, 1)]),
        ).rejects.toMatchObject({
          code: "23514",
        });
        await expect(t.db.query(`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id])).rejects.toMatchObject({
          code: "23514",
        });
        expect((await verifyEveryWay(t.db, KEY)).intact).toBe(true);
      } finally {
        await t.db.close();
      }
    });

    it("detects an edited sealed entry and names it", async () => {
      await tampered(
        (t) => [[`UPDATE "AuditEntry" SET "actor" = 'someone-else' WHERE "seq" = $1`, [at(t.s, 1)]]],
        (r, t) => {
          expect(r.firstProblem?.seq).toBe(at(t.s, 1));
          expect(r.firstProblem?.sealId).toBeUndefined();
          expect(r.firstProblem?.reason).toMatch(/altered/);
        },
      );
    });

    it("detects an edited sealed entry whose hash was recomputed without the key", async () => {
      await tampered(
        (t) => {
          return [
            [`UPDATE "AuditEntry" SET "outcome" = 'DENIED' WHERE "seq" = $1`, [at(t.s, 4)]],
            // The forger recomputes the row hash with a key of their own; the seal's keyed digest still breaks.
            [
              `UPDATE "AuditEntry" SET "hash" = encode(sha256(convert_to("requestId" || 'DENIED', 'UTF8')), 'hex') WHERE "seq" = $1`,
              [at(t.s, 4)],
            ],
          ];
        },
        (r, t) => {
          // The seal covering the entry starts before it in seq order, so the seal is the first problem named.
          expect(r.firstProblem?.sealId, JSON.stringify(r.firstProblem)).toBe(t.seals[1]?.id);
        },
      );
    });

    it("detects a deleted sealed entry and names its seal", async () => {
      await tampered(
        (t) => [[`DELETE FROM "AuditEntry" WHERE "seq" = $1`, [at(t.s, 4)]]],
        (r, t) => {
          expect(r.entries).toBe(8);
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toContain(`entries ${at(t.s, 3)}..${at(t.s, 5)}`);
          expect(r.firstProblem?.reason).toMatch(/2 of 3 entries match/);
        },
      );
    });

    it("detects two sealed entries swapped (reordered)", async () => {
      await tampered(
        (t) => [
          [`UPDATE "AuditEntry" SET "seq" = -1 WHERE "seq" = $1`, [at(t.s, 3)]],
          [`UPDATE "AuditEntry" SET "seq" = $1 WHERE "seq" = $2`, [at(t.s, 3), at(t.s, 4)]],
          [`UPDATE "AuditEntry" SET "seq" = $1 WHERE "seq" = -1`, [at(t.s, 4)]],
        ],
        (r, t) => {
          expect(r.entries).toBe(9);
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toMatch(/renumbered/);
        },
      );
    });

    it("detects truncation: newest entries, their seal deleted and the head moved back", async () => {
      await tampered(
        (t) => [
          [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [at(t.s, 6)]],
          [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id]],
          [`UPDATE "AuditHead" SET "sealId" = $1, "sealHash" = $2 WHERE "id" = 1`, [t.seals[1]?.id, t.seals[1]?.hash]],
        ],
        (r) => {
          expect(r).toMatchObject({ entries: 6, seals: 2 });
          expect(r.firstProblem?.reason).toMatch(/truncated/);
        },
      );
    });

    it("detects truncation: newest entries and their seal deleted, head left behind", async () => {
      await tampered(
        (t) => [
          [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [at(t.s, 6)]],
          [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id]],
        ],
        (r, t) => {
          expect(r.firstProblem?.reason).toMatch(/truncated/);
          expect(r.firstProblem?.reason).toContain(
            `head names seal ${t.seals[2]?.id}, newest seal is ${t.seals[1]?.id}`,
          );
        },
      );
    });

    it("detects truncation: newest entries, their seal and the head deleted", async () => {
      await tampered(
        (t) => [
          [`DELETE FROM "AuditEntry" WHERE "seq" >= $1`, [at(t.s, 6)]],
          [`DELETE FROM "AuditSeal" WHERE "id" = $1`, [t.seals[2]?.id]],
          [`DELETE FROM "AuditHead" WHERE "id" = 1`],
        ],
        (r, t) => {
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toMatch(/head is missing/);
        },
      );
    });

    it("detects an edited seal and names it", async () => {
      await tampered(
        (t) => [[`UPDATE "AuditSeal" SET "entryCount" = 2 WHERE "id" = $1`, [t.seals[1]?.id]]],
        (r, t) => {
          expect(r.firstProblem?.sealId).toBe(t.seals[1]?.id);
          expect(r.firstProblem?.reason).toContain(`seal ${t.seals[1]?.id}`);
        },
      );
      await tampered(
        (t) => [[`UPDATE "AuditSeal" SET "digest" = repeat('0', 64) WHERE "id" = $1`, [t.seals[0]?.id]]],
        (r, t) => {
          expect(r.firstProblem?.sealId).toBe(t.seals[0]?.id);
          expect(r.firstProblem?.reason).toBe(`seal ${t.seals[0]?.id} was altered`);
        },
      );
    });

    it("detects an edited unsealed entry and names it", async () => {
      await tampered(
        (t) => [
          [
            `UPDATE "AuditEntry" SET "changes" = '{"fullName":{"before":null,"after":"X"}}' WHERE "seq" = $1`,
            [at(t.s, 8)],
          ],
        ],
        (r, t) => {
          expect(r.firstProblem?.seq).toBe(at(t.s, 8));
          expect(r.firstProblem?.reason).toMatch(/altered/);
        },
      );
    });

    it("names the first of several problems", async () => {
      await tampered(
        (t) => [
          [`UPDATE "AuditEntry" SET "clientIp" = '10.9.9.9' WHERE "seq" = $1`, [at(t.s, 7)]],
          [`UPDATE "AuditEntry" SET "at" = "at" - interval '1 day' WHERE "seq" = $1`, [at(t.s, 2)]],
        ],
        (r, t) => {
          expect(r.firstProblem?.seq).toBe(at(t.s, 2));
        },
      );
    });
  });
});
