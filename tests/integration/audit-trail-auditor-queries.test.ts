// The audit trail, 2: the auditor's queries (audit entries, the access log, one citizen's history) with
// their filters and paging, no clear personal data in what an auditor reads, and NOT_FOUND for every
// other role.
import { beforeAll, describe, expect, it } from "vitest";
import { sealAll } from "../../src/audit/seal.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import {
  ASSESS,
  auditTrailFixture,
  CHANGE_ADDRESS,
  citizenInput,
  clientToken,
  expectOk,
  type Json,
  KEY,
  REGISTER,
  SERVICE,
  writeEarlierHistory,
} from "../support/audit-trail.ts";
import { databaseKinds } from "../support/db.ts";
import { type GraphQLResponse, testConfig } from "../support/gateway.ts";

const policy = loadPolicy(testConfig.policyDir, schema);

describe.each(databaseKinds())("audit trail on %s", (kind) => {
  const fx = auditTrailFixture(kind);
  const { register } = fx;
  // The trail an auditor finds is never empty before the scenario below: entries older than it are
  // what the time and actor filters must leave out.
  beforeAll(async () => {
    await writeEarlierHistory(fx);
  });

  describe("auditor queries", () => {
    let auditor: string;
    let x: { id: string; input: ReturnType<typeof citizenInput> };
    let yId: string;

    beforeAll(async () => {
      auditor = await fx.gw.token("auditor", { subject: "inspektorat-2" });
      const tax = await fx.gw.token("tax_officer", { region: "32.01", agency: "BAPENDA-3201", subject: "taxBogor" });
      const front = await fx.gw.token("front_office", {
        region: "32.01",
        agency: "DUKCAPIL-3201",
        subject: "frontOfficeBogor",
      });
      const social = await fx.gw.token("social_officer", {
        region: "32.01",
        agency: "DINSOS-3201",
        subject: "socialBogor",
      });
      const province = await fx.gw.token("registry_officer", {
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
        await fx.gw.query(CHANGE_ADDRESS, {
          token: fx.registry,
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
        await fx.gw.query(ASSESS, {
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
      const denied = await fx.gw.query(REGISTER, { token: front, variables: { input: citizenInput() } });
      expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      const byClient = await fx.gw.query(SERVICE, {
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
          await fx.gw.query(`query($id: ID!) { citizen(id: $id) { id ${fields} } }`, {
            token,
            variables: { id },
            headers: { "x-purpose": purpose, "x-case-ref": caseRef },
          }),
          `reveal ${purpose}`,
        );
      const shown = await reveal(fx.registry, x.id, "nik familyCardNumber", "court-order", "PN-BGR-2026-17");
      expect((shown as { citizen: { nik: string } }).citizen.nik).toBe(input.nik);
      await reveal(social, x.id, "nik", "social-assistance-verification", "DTKS-2026-0005");
      const [y] = await fx.db.query<{ id: string }>(
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
        const res: GraphQLResponse<Page> = await fx.gw.query<Page>(q, {
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
        await fx.db.query<{ seq: string }>(
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
          await fx.db.query<{ at: Date | string }>(
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
      const range = await fx.gw.query(
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
      const before = expectOk(await fx.gw.query<R>(q, { token: auditor, variables: { c: x.id } }), "unsealed");
      expect(before.auditEntries.edges.some((e) => !e.node.sealed)).toBe(true);
      await sealAll(fx.db.prisma, KEY);
      const after = expectOk(await fx.gw.query<R>(q, { token: auditor, variables: { c: x.id } }), "sealed");
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
          const res: GraphQLResponse<A> = await fx.gw.query<A>(q, { token: auditor, variables: { after, where } });
          const page = expectOk(res, "accessEntries").accessEntries;
          total = page.totalCount;
          nodes.push(...page.edges.map((e) => e.node));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
        return { nodes, total };
      };
      const rows = await fx.db.query<{ seq: string; citizenId: string; actor: string; field: string; purpose: string }>(
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
      const res = await fx.gw.query<H>(
        `query($id: ID!) { citizenAccessHistory(citizenId: $id) { at kind actor role agencyCode clientId what outcome purpose caseRef requestId } }`,
        { token: auditor, variables: { id: x.id } },
      );
      const history = expectOk(res, "history").citizenAccessHistory;
      const changes = await fx.db.query<{ actor: string; event: string; requestId: string }>(
        `SELECT "actor", "event", "requestId" FROM "AuditEntry" WHERE "citizenId" = $1`,
        [x.id],
      );
      const reveals = await fx.db.query<{ actor: string; field: string; requestId: string }>(
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
      const res = await fx.gw.query(
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
        const denied = await fx.gw.query(q, { token: auditor, variables: { id: x.id } });
        expect(denied.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
        expect(denied.text).not.toContain(x.input.nik);
      }
    });

    it("answers NOT_FOUND to every other role", async () => {
      const others = [...policy.roles.keys()].filter((r) => r !== "auditor");
      expect(others.length).toBeGreaterThanOrEqual(9);
      for (const role of others) {
        const token = await fx.gw.token(role, { region: "32.01", agency: "DUKCAPIL-3201", subject: `probe-${role}` });
        for (const [field, q] of [
          ["auditEntries", `{ auditEntries(first: 5) { totalCount edges { node { seq actor changes } } } }`],
          ["accessEntries", `{ accessEntries(first: 5) { totalCount edges { node { seq citizenId } } } }`],
          ["citizenAccessHistory", `query($id: ID!) { citizenAccessHistory(citizenId: $id) { actor what } }`],
        ] as const) {
          const res = await fx.gw.query<Record<string, unknown>>(q, { token, variables: { id: x.id } });
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
});
