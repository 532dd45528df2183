// Oversized documents are refused before execution, with a code and the limit broken; ordinary
// queries of the documented shapes pass.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { LIMITS } from "../../src/limits/limits.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { openTestDatabase } from "../support/db.ts";
import { type TestGateway, testGateway } from "../support/gateway.ts";

describe("query limits", () => {
  let db: Database;
  let gw: TestGateway;
  let token: string;

  beforeAll(async () => {
    db = await openTestDatabase("pglite");
    await seed(db.prisma, { citizens: 30 });
    gw = testGateway(db);
    token = await tokenFor(gw, "taxBogor");
  });
  afterAll(async () => {
    await db?.close();
  });

  async function refused(query: string, limit: string, variables?: Record<string, unknown>) {
    const before = db.statements.count;
    const res = await gw.query(query, { token, ...(variables ? { variables } : {}) });
    expect(res.status).toBe(400);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.limit])).toContainEqual([
      "QUERY_TOO_LARGE",
      limit,
    ]);
    expect(db.statements.count - before).toBe(0); // nothing ran
  }

  it("refuses an alias bomb", async () => {
    const aliases = Array.from(
      { length: LIMITS.maxAliases + 1 },
      (_, i) => `a${i}: citizens(first: 1) { totalCount }`,
    ).join(" ");
    await refused(`{ ${aliases} }`, "maxAliases");
  });

  it("refuses a depth bomb, also through fragments", async () => {
    let nested = "id";
    for (let i = 0; i < 8; i++) nested = `citizen { taxRecords(first: 1) { edges { node { ${nested} } } } }`;
    await refused(`{ taxRecords(first: 1) { edges { node { ${nested} } } } }`, "maxDepth");
    const viaFragments = `
      fragment A on Region { parent { parent { parent { parent { code } } } } }
      fragment B on Region { parent { parent { parent { parent { ...A } } } } }
      { regions(first: 1) { edges { node { parent { parent { ...B } } } } } }`;
    await refused(viaFragments, "maxDepth");
  });

  it("refuses a document that could return too many rows, counting page sizes from variables too", async () => {
    await refused(
      "{ citizens(first: 500) { edges { node { taxRecords(first: 500) { edges { node { id } } } } } } }",
      "maxRows",
    );
    await refused(
      "query($n: Int, $m: Int) { citizens(first: $n) { edges { node { taxRecords(first: $m) { edges { node { id } } } } } } }",
      "maxRows",
      { n: 500, m: 500 },
    );
  });

  it("lets ordinary queries through", async () => {
    const res = await gw.query(
      `{ citizens(first: 100) { totalCount edges { node { id nik address domicile { code parent { name } } taxRecords(first: 5) { edges { node { id agency { code } } } } } } } }`,
      { token },
    );
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });
});
