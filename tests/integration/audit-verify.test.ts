// verify reads entries in numeric seq order across seals and pages (a regression: it once sorted by
// the text of seq, 1, 10, 2, and called an intact trail broken as soon as a seal spanned 9 → 10).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seed } from "../../prisma/seed.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { verifyAudit } from "../../src/audit/verify.ts";
import type { Database } from "../../src/db/database.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type TestGateway, testConfig, testGateway } from "../support/gateway.ts";

describe.each(databaseKinds())("audit verify on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 10 });
    gw = testGateway(db);
  });
  afterAll(async () => {
    await db?.close();
  });

  async function services(n: number) {
    const token = await tokenFor(gw, "frontOfficeBogor");
    const [row] = await db.query<{ id: string }>(
      `select id from "Citizen" where "domicileCode" like '32.01.%' limit 1`,
    );
    for (let i = 0; i < n; i++) {
      const res = await gw.query(
        `mutation { recordService(input: { citizenId: "${row?.id}", serviceType: "KTP-${i}", channel: COUNTER, outcome: COMPLETED }) { id } }`,
        { token },
      );
      expect(res.errors).toBeUndefined();
    }
  }

  it("finds an untouched trail intact when seals span seq 9 → 10 and beyond", async () => {
    await services(5);
    expect(await sealAll(db.prisma, testConfig.auditKey)).toBe(5);
    await services(20);
    expect(await sealAll(db.prisma, testConfig.auditKey)).toBe(20);
    const report = await verifyAudit(db, testConfig.auditKey);
    expect(report).toMatchObject({ intact: true, entries: 25, sealed: 25, unsealed: 0, seals: 2 });
  });
});
