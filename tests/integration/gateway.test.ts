// The foundation through HTTP: authentication on every GraphQL request, health endpoints, the read
// API with cursor pagination, N+1-free nested reads, and clean errors for bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type GraphQLResponse, type TestGateway, testGateway } from "../support/gateway.ts";

const CITIZENS = 120;

describe.each(databaseKinds())("gateway on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  /** A registry officer for the whole province of Jawa Barat (region 32). */
  let token: string;
  /** How many seeded citizens live in region 32: what that officer sees. */
  let inScope: number;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: CITIZENS });
    gw = testGateway(db);
    token = await tokenFor(gw, "registryJawaBarat");
    const [row] = await db.query<{ n: number }>(
      `select count(*)::int as n from "Citizen" where "domicileCode" like '32.%'`,
    );
    inScope = row?.n ?? 0;
  });
  afterAll(async () => {
    await db?.close();
  });

  describe("authentication", () => {
    it("answers /healthz and /readyz without a token", async () => {
      expect((await gw.gateway.fetch("http://gerbang.test/healthz")).status).toBe(200);
      expect((await gw.gateway.fetch("http://gerbang.test/readyz")).status).toBe(200);
    });

    it("refuses a GraphQL request without a token, before looking at the query", async () => {
      const res = await gw.query("{ citizens { edges { node { nik } } } }");
      expect(res.status).toBe(401);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      // An invalid query is not validated either: no schema hints leak to anonymous callers.
      const probe = await gw.query("{ citizenz { id } }");
      expect(probe.status).toBe(401);
      expect(probe.text).not.toMatch(/Did you mean/);
    });

    it("refuses a tampered token", async () => {
      const [h, p, s] = token.split(".");
      const res = await gw.query("{ __typename }", { token: `${h}.${p}x.${s}` });
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    });

    it("assigns its own request id to every request, whatever x-request-id the caller sends", async () => {
      const res = await gw.query("{ __typename }", { token, headers: { "x-request-id": "lb-request-12345" } });
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const other = await gw.query("{ __typename }", { token });
      expect(other.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(other.headers.get("x-request-id")).not.toBe(res.headers.get("x-request-id"));
    });
  });

  describe("read API", () => {
    it("pages through citizens with cursors, without overlap, and counts them", async () => {
      const q = `query($after: String) { citizens(first: 50, after: $after, orderBy: [{ field: fullName, direction: ASC }]) {
        totalCount edges { cursor node { id fullName } } pageInfo { hasNextPage endCursor } } }`;
      const seen = new Set<string>();
      type Page = {
        citizens: {
          totalCount: number;
          edges: Array<{ node: { id: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      let after: string | null = null;
      let pages = 0;
      let total = 0;
      do {
        const res: GraphQLResponse<Page> = await gw.query<Page>(q, { token, variables: { after } });
        expect(res.errors).toBeUndefined();
        const page: Page["citizens"] | undefined = res.data?.citizens;
        if (!page) throw new Error("no page");
        total = page.totalCount;
        for (const e of page.edges) {
          expect(seen.has(e.node.id)).toBe(false);
          seen.add(e.node.id);
        }
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages++;
      } while (after && pages < 10);
      expect(inScope).toBeGreaterThan(50);
      expect(inScope).toBeLessThan(CITIZENS);
      expect(total).toBe(inScope);
      expect(seen.size).toBe(inScope);
      expect(pages).toBe(Math.ceil(inScope / 50));
    });

    it("filters and reads nested relations", async () => {
      const res = await gw.query<{ citizens: { edges: Array<{ node: Record<string, unknown> }> } }>(
        `{ citizens(first: 5, where: { status: [ALIVE] }) { edges { node {
            id nik fullName address status version
            domicile { code name level parent { code level } }
            taxRecords(first: 3) { edges { node { taxType assessedAmount period agency { code kind } } } }
        } } } }`,
        { token: await tokenFor(gw, "taxBogor") },
      );
      expect(res.errors).toBeUndefined();
      const nodes = res.data?.citizens.edges.map((e) => e.node) ?? [];
      expect(nodes).toHaveLength(5);
      for (const n of nodes) {
        expect(n.status).toBe("ALIVE");
        expect((n.domicile as { level: string }).level).toBe("VILLAGE");
        const tax = (n.taxRecords as { edges: Array<{ node: { assessedAmount: string } }> }).edges;
        expect(tax.length).toBeGreaterThan(0);
        expect(tax[0]?.node.assessedAmount).toMatch(/^\d+(\.\d{1,2})?$/);
      }
    });

    it("reads one citizen by id, and says NOT_FOUND for an unknown id", async () => {
      const list = await gw.query<{ citizens: { edges: Array<{ node: { id: string } }> } }>(
        "{ citizens(first: 1) { edges { node { id } } } }",
        { token },
      );
      const id = list.data?.citizens.edges[0]?.node.id;
      const one = await gw.query<{ citizen: { id: string } }>("query($id: ID!) { citizen(id: $id) { id fullName } }", {
        token,
        variables: { id },
      });
      expect(one.data?.citizen.id).toBe(id);
      const missing = await gw.query('{ citizen(id: "00000000-0000-0000-0000-000000000000") { id } }', { token });
      expect(missing.data?.citizen).toBeNull();
      expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    });

    it("serves every entity as a root connection", async () => {
      const readers = {
        regions: "admin",
        agencies: "admin",
        citizens: "registryBogor",
        taxRecords: "taxBogor",
        permits: "licensingBogor",
        socialAssistances: "socialBogor",
        financialTransactions: "financeBogor",
        archiveDocuments: "archivistBogor",
        serviceRecords: "frontOfficeBogor",
      } as const;
      for (const [field, officer] of Object.entries(readers)) {
        const res = await gw.query<Record<string, { totalCount: number; edges: unknown[] }>>(
          `{ ${field}(first: 2) { totalCount edges { cursor } } }`,
          {
            token: await tokenFor(gw, officer),
          },
        );
        expect(res.errors, field).toBeUndefined();
        expect(res.data?.[field]?.totalCount, field).toBeGreaterThan(0);
        expect(res.data?.[field]?.edges, field).toHaveLength(2);
      }
    });

    it("reads nested lists with a number of SQL statements that does not grow with the rows", async () => {
      // A tax officer of the whole province: citizens with two nested relations (one a list).
      const taxOfficer = await gw.token("tax_officer", { region: "32", agency: "BAPENDA-3201" });
      const q = (n: number) => `{ citizens(first: ${n}) { edges { node { id fullName address
          domicile { code parent { code name } }
          taxRecords { edges { node { id period agency { code } } } } } } } }`;
      const count = async (n: number) => {
        const before = db.statements.count;
        const res = await gw.query<{ citizens: { edges: unknown[] } }>(q(n), { token: taxOfficer });
        expect(res.errors).toBeUndefined();
        expect(res.data?.citizens.edges).toHaveLength(n);
        return db.statements.count - before;
      };
      const five = await count(5);
      const fifty = await count(50);
      expect(fifty).toBe(five);
      expect(fifty).toBeLessThanOrEqual(2);
    });
  });

  describe("bad input", () => {
    it("caps the page size with a clear error", async () => {
      const res = await gw.query("{ citizens(first: 501) { edges { node { id } } } }", { token });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0]?.message).toMatch(/between 0 and 500/);
      const ok = await gw.query<{ citizens: { edges: unknown[] } }>(
        "{ citizens(first: 500) { edges { node { id } } } }",
        { token },
      );
      expect(ok.errors).toBeUndefined();
      expect(ok.data?.citizens.edges).toHaveLength(inScope);
    });

    it("refuses a bad cursor as BAD_USER_INPUT", async () => {
      const res = await gw.query('{ citizens(first: 5, after: "not-a-cursor") { edges { node { id } } } }', { token });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0]?.message).toMatch(/cursor/i);
    });

    it("refuses malformed GraphQL and unknown fields without internals", async () => {
      const malformed = await gw.query("{ citizens(first: 5 { id }", { token });
      expect(malformed.status).toBe(400);
      expect(malformed.errors?.[0]?.message).toMatch(/Syntax Error/);
      const unknown = await gw.query("{ citizens { edges { node { password } } } }", { token });
      expect(unknown.status).toBe(400);
      expect(unknown.errors?.[0]?.message).toMatch(/Cannot query field "password"/);
      for (const body of [malformed.text, unknown.text]) {
        expect(body).not.toMatch(/stack|at .*\.ts:\d+|node_modules/);
      }
    });

    it("refuses a malformed date or decimal in a filter", async () => {
      const res = await gw.query(
        '{ citizens(where: { birthDate: { gte: "1990-02-30" } }) { edges { node { id } } } }',
        { token },
      );
      expect(res.errors?.[0]?.message).toMatch(/not a real date/);
      const dec = await gw.query("{ taxRecords(where: { assessedAmount: { gte: 1.5 } }) { edges { node { id } } } }", {
        token: await tokenFor(gw, "taxBogor"),
      });
      expect(dec.errors?.[0]?.message).toMatch(/Decimal must be given as a string/);
    });

    it("treats SQL-looking input as plain data", async () => {
      const res = await gw.query<{ citizens: { totalCount: number } }>(
        `{ citizens(where: { fullName: { contains: "'; DROP TABLE \\"Citizen\\"; --" } }) { totalCount } }`,
        { token },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.citizens.totalCount).toBe(0);
      const [row] = await db.query<{ n: number }>('select count(*)::int as n from "Citizen"');
      expect(row?.n).toBe(CITIZENS);
    });
  });
});
