// verify reads entries in numeric seq order across seals and pages (a regression: it once sorted by
// the text of seq, 1, 10, 2, and called an intact trail broken as soon as a seal spanned 9 → 10).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EntryContent,
  entryHash,
  entryHashOfDigest,
  entryHashV1,
  jsonbText,
  sha256Hex,
  TEXT_FIELDS,
} from "../../src/audit/hash.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { checkPart, verifyAudit } from "../../src/audit/verify.ts";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { verifyEveryWay } from "../support/audit.ts";
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
    const report = await verifyEveryWay(db, testConfig.auditKey);
    expect(report).toMatchObject({ intact: true, entries: 25, sealed: 25, unsealed: 0, seals: 2 });
  });

  it("counts entries sealed after it read the seals as unsealed, not as broken (verify beside live sealers)", async () => {
    // The state the previous test left: 5 entries in the first seal, 20 in the second. As if the
    // second seal had been made just after verify read the seals:
    const [first] = await db.query<{ id: number }>(`select min(id)::int as id from "AuditSeal"`);
    const seen = { ids: [first?.id ?? 0], newest: first?.id ?? 0, v1: [] };
    const members: number[] = [];
    const part = await checkPart(
      db.queryRows,
      "entry",
      testConfig.auditKey,
      seen,
      { after: "-1", upTo: null },
      (_, __, ___, n) => {
        members.push(n);
      },
    );
    expect(part).toEqual({
      entries: 25,
      sealed: 5,
      unsealed: 20,
      // The 5 sealed ones are checked through their seal's digest (it covers their content), not here.
      matching: 20,
      legacy: 0,
      problems: [],
      problemCount: 0,
    });
    expect(members.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it("has PostgreSQL write strings and null as JSON exactly as JSON.stringify does (verify relies on it)", async () => {
    const samples = [
      ...Array.from({ length: 127 }, (_, i) => String.fromCharCode(i + 1)), // every ASCII character but NUL
      ...["ä", "中", "😀", "\u2028", "\u2029", "\ufeff", "\uffff", 'a"b\\c/d', "ẞ\u0301"],
    ];
    const params = samples.map((_, i) => `$${i + 1}::text`).join(", ");
    const [row] = await db.query<{ json: string }>(
      `select array_to_json(array[${params}, null])::text as json`,
      samples,
    );
    expect(row?.json).toBe(JSON.stringify([...samples, null]));
  });

  it("has PostgreSQL write jsonb as text exactly as jsonbText does (version 2 hashes rely on it)", async () => {
    const values = [
      { b: { zz: [1, { y: null, x: "ä" }], a: true }, aa: "x", ä: 1, c: [], d: {}, "10": "n", "2": -3 },
      { refused: { code: "BAD_USER_INPUT", field: "input.nik", rule: "nik_format" } },
      { addressStreet: { before: "hmac:0123", after: null }, s: 'q"uote\\back\tslash\u0001\u007f😀\u2028' },
      [],
      "text",
      false,
    ];
    for (const value of values) {
      const [row] = await db.query<{ text: string }>(`select $1::jsonb::text as text`, [JSON.stringify(value)]);
      expect(jsonbText(value)).toBe(row?.text);
    }
  });

  it("checks entries whose text holds quotes, backslashes, control characters and non-ASCII, and names an edit", async () => {
    const fresh = await openTestDatabase(kind);
    try {
      const odd = ['q"uote', "back\\slash", "tab\tnew\nline", "\u0001\u001f\u007f", "ä中😀\u2028"];
      const content: EntryContent = {
        at: new Date("2026-01-02T03:04:05.678Z"),
        actor: odd.join("|"),
        role: "registry_officer",
        agencyCode: odd[0] ?? null,
        clientId: odd[1] ?? null,
        operation: odd[2] ?? null,
        mutation: "recordService",
        event: "SERVICE_RECORDED",
        entityType: odd[3] ?? null,
        entityId: odd[4] ?? null,
        citizenId: null,
        outcome: "SUCCESS",
        changes: { ä: { before: null, after: odd[2] }, "10": { before: 1, after: 2 }, "2": [odd[3], { z: 1, a: 2 }] },
        purpose: odd[4] ?? null,
        caseRef: odd[3] ?? null,
        requestId: odd[2] ?? "",
        clientIp: null,
        clientRequestId: null,
      };
      const c = content;
      // Once as entries were hashed before 2026-12-02 (version 1, the column's default), once as now:
      // an old trail still verifies, and PostgreSQL's text of `changes` is the one hash.ts writes.
      for (const [version, hash] of [
        [1, entryHashV1(testConfig.auditKey, content)],
        [2, entryHash(testConfig.auditKey, content)],
      ] as const) {
        await fresh.query(
          `insert into "AuditEntry" (at, actor, role, "agencyCode", "clientId", operation, mutation, event, "entityType",
             "entityId", "citizenId", outcome, changes, purpose, "caseRef", "requestId", "clientIp", hash, "hashVersion")
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::"AuditOutcome", $13::jsonb, $14, $15, $16, $17, $18, $19)`,
          [
            c.at,
            c.actor,
            c.role,
            c.agencyCode,
            c.clientId,
            c.operation,
            c.mutation,
            c.event,
            c.entityType,
            c.entityId,
            c.citizenId,
            c.outcome,
            JSON.stringify(c.changes),
            c.purpose,
            c.caseRef,
            c.requestId,
            c.clientIp,
            hash,
            version,
          ],
        );
      }
      expect(await verifyEveryWay(fresh, testConfig.auditKey)).toMatchObject({
        intact: true,
        entries: 2,
        sealed: 0,
        unsealed: 2,
        seals: 0,
      });
      expect(await sealAll(fresh.prisma, testConfig.auditKey)).toBe(2);
      expect(await verifyEveryWay(fresh, testConfig.auditKey)).toMatchObject({ intact: true, sealed: 2 });

      // One character of the actor changed, by a superuser with the append-only trigger off.
      await fresh.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
      await fresh.query(`UPDATE "AuditEntry" SET actor = replace(actor, 'ä', 'a')`);
      await fresh.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
      const report = await verifyEveryWay(fresh, testConfig.auditKey);
      expect(report.intact).toBe(false);
      expect(report.problems.map((p) => p.reason)).toEqual([
        expect.stringMatching(/^entry \d+ was altered/),
        expect.stringMatching(/^entry \d+ was altered/),
      ]);
    } finally {
      await fresh.close();
    }
  });

  it("hashes a caller's request id when there is one, names an edit or removal of it, and hashes entries without one as before", async () => {
    const before = await db.query<{ seq: string }>(`select coalesce(max(seq), 0)::text as seq from "AuditEntry"`);
    const token = await tokenFor(gw, "frontOfficeBogor");
    const [citizen] = await db.query<{ id: string }>(
      `select id from "Citizen" where "domicileCode" like '32.01.%' limit 1`,
    );
    const service = `mutation { recordService(input: { citizenId: "${citizen?.id}", serviceType: "KTP", channel: COUNTER, outcome: COMPLETED }) { id } }`;
    expect((await gw.query(service, { token, headers: { "x-request-id": "lb-7f3a-0001" } })).errors).toBeUndefined();
    expect((await gw.query(service, { token })).errors).toBeUndefined();
    const entries = await db.query<EntryContent & { seq: string; hash: string }>(
      `select * from "AuditEntry" where seq > $1::bigint order by seq`,
      [before[0]?.seq],
    );
    expect(entries.map((e) => e.clientRequestId)).toEqual(["lb-7f3a-0001", null]);
    for (const e of entries) expect(entryHash(testConfig.auditKey, { ...e, at: new Date(e.at) })).toBe(e.hash);
    // Version 2 hashes every text field length-prefixed (a null as ":,"), then `changes` as jsonb text.
    const plain = entries[1] as EntryContent & { hash: string };
    const values = TEXT_FIELDS.map((f) => (f === "at" ? new Date(plain.at).toISOString() : plain[f]));
    expect(values.at(-1)).toBeNull();
    const text = values.map((v) => (v === null ? ":," : `${Buffer.byteLength(v)}:${v},`)).join("");
    expect(entryHashOfDigest(testConfig.auditKey, sha256Hex(text + jsonbText(plain.changes)))).toBe(plain.hash);
    expect(await verifyEveryWay(db, testConfig.auditKey)).toMatchObject({ intact: true });

    const seq = entries[0]?.seq;
    await db.query(`ALTER TABLE "AuditEntry" DISABLE TRIGGER USER`);
    try {
      for (const value of ["lb-7f3a-0002", null]) {
        await db.query(`UPDATE "AuditEntry" SET "clientRequestId" = $2 WHERE seq = $1::bigint`, [seq, value]);
        const report = await verifyEveryWay(db, testConfig.auditKey);
        expect(report.intact, `clientRequestId set to ${value}`).toBe(false);
        expect(report.firstProblem?.reason).toMatch(new RegExp(`^entry ${seq} was altered`));
      }
    } finally {
      await db.query(`UPDATE "AuditEntry" SET "clientRequestId" = 'lb-7f3a-0001' WHERE seq = $1::bigint`, [seq]);
      await db.query(`ALTER TABLE "AuditEntry" ENABLE TRIGGER USER`);
    }
    expect(await verifyEveryWay(db, testConfig.auditKey)).toMatchObject({ intact: true });
  });

  it.runIf(kind === "postgres")("stops every worker and says why when one cannot read its part", async () => {
    const url = (db as Database & { url: string }).url.replace(/\/[^/]*$/, "/gerbang_no_such_database");
    await expect(verifyAudit(db, testConfig.auditKey, { parallel: { url, workers: 2 } })).rejects.toThrow(
      /^audit verify worker: .*"gerbang_no_such_database" does not exist/,
    );
  });
});
