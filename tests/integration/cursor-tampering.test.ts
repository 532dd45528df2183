// Cursors are opaque and bound to the list, ordering and caller they were issued for (issue 10). A
// cursor built by hand from a hidden row's id used to page on from where that row sorts, telling that
// it exists and, under `orderBy: birthDate`, bracketing its birth date. Every cursor that is not the
// gateway's own for this list, ordering and caller, or whose row the caller no longer sees, is
// BAD_USER_INPUT with no rows; the cursors the gateway hands out still page forwards and backwards.
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../support/db.ts";
import type { TestGateway } from "../support/gateway.ts";
import { BOGOR, CASE_REF, codes, policyAttackFixture, type SeededCitizen } from "../support/policy-attacks.ts";

type Page = {
  totalCount?: number;
  edges: Array<{ cursor: string; node: { id?: string; seq?: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

/** The cursor format of the Prisma plugin, as anyone can build it from an id: what an attacker sends. */
const forged = (id: string) => Buffer.from(`GPC:S:${id}`).toString("base64");

const CITIZENS = `query($first: Int, $after: String, $last: Int, $before: String, $order: [CitizenOrder!]) {
  list: citizens(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

describe.each(databaseKinds())("cursors on %s", (kind) => {
  const fx = policyAttackFixture(kind);
  const officer = (gw: TestGateway, role: string, region: string, agency: string) =>
    gw.token(role, { region, agency, subject: `${role}-${region}` });
  const registry = () => officer(fx.gw, "registry_officer", BOGOR, "DUKCAPIL-3201");

  async function page(token: string, variables: Record<string, unknown>, query = CITIZENS) {
    return fx.gw.query<{ list: Page | null }>(query, { token, variables });
  }

  /** Every id of a list, paged with the cursors the gateway handed out, forwards then backwards. */
  async function pageThrough(token: string, query: string, variables: Record<string, unknown> = {}) {
    const forward: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 200; i++) {
      const res = await page(token, { ...variables, first: 7, after }, query);
      expect(res.errors, res.text).toBeUndefined();
      const list = res.data?.list as Page;
      forward.push(...list.edges.map((e) => String(e.node.id ?? e.node.seq)));
      if (!list.pageInfo.hasNextPage) break;
      after = list.pageInfo.endCursor;
    }
    const backward: string[] = [];
    let before: string | null = null;
    for (let i = 0; i < 200; i++) {
      const res = await page(token, { ...variables, last: 7, before }, query);
      expect(res.errors, res.text).toBeUndefined();
      const list = res.data?.list as Page;
      backward.unshift(...list.edges.map((e) => String(e.node.id ?? e.node.seq)));
      if (!list.pageInfo.hasPreviousPage || !list.pageInfo.startCursor) break;
      before = list.pageInfo.startCursor;
    }
    return { forward, backward };
  }

  function expectRefused(res: { data?: unknown; errors?: unknown[]; text: string }, label: string) {
    expect(codes(res.errors as never), label).toEqual(["BAD_USER_INPUT"]);
    const error = (res.errors as Array<{ extensions?: Record<string, unknown> }>)[0];
    expect(error?.extensions?.rule, label).toBe("cursor");
    expect(res.data ?? null, label).toBeNull();
    for (const c of fx.citizens) expect(res.text, label).not.toContain(c.id);
  }

  it("the gateway's own cursors page through every list, forwards and backwards", async () => {
    const token = await registry();
    const all = fx.bogor.map((c) => c.id).sort();
    const plain = await pageThrough(token, CITIZENS);
    expect(plain.forward).toEqual(all);
    expect(plain.backward).toEqual(all);
    const byName = await pageThrough(token, CITIZENS, { order: [{ field: "fullName" }] });
    expect([...byName.forward].sort()).toEqual(all);
    expect(byName.backward).toEqual(byName.forward);

    // A nested list (an agency's tax records, for its tax officer) and the auditor's trail.
    const tax = await officer(fx.gw, "tax_officer", BOGOR, "BAPENDA-3201");
    const [agency] = await fx.db.query<{ id: string }>(`SELECT id FROM "Agency" WHERE code = 'BAPENDA-3201'`);
    const nested = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      agency(id: $id) { list: taxRecords(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    const flat = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      list: taxRecords(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } agency(id: $id) { id } }`;
    const expected = (
      await fx.db.query<{ id: string }>(
        `SELECT t.id FROM "TaxRecord" t JOIN "Agency" a ON a.id = t."agencyId" WHERE a.code = 'BAPENDA-3201' ORDER BY t.id`,
      )
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(7);
    // The nested connection answers under `agency`; lift it to `list` for the pager.
    const lifted = async (variables: Record<string, unknown>) => {
      const res = await fx.gw.query<{ agency: { list: Page } }>(nested, { token: tax, variables });
      return { ...res, data: res.data ? { list: res.data.agency.list } : null };
    };
    const forward: string[] = [];
    let after: string | null = null;
    do {
      const res = await lifted({ id: agency?.id, first: 7, after });
      expect(res.errors, res.text).toBeUndefined();
      forward.push(...(res.data?.list.edges ?? []).map((e) => String(e.node.id)));
      after = res.data?.list.pageInfo.hasNextPage ? res.data.list.pageInfo.endCursor : null;
    } while (after);
    expect(forward).toEqual(expected);
    expect((await pageThrough(tax, flat, { id: agency?.id })).forward).toEqual(expected);

    const auditor = await fx.gw.token("auditor", { subject: "cursor-auditor" });
    // Something in the access log to page through: clear NIKs shown for a court order.
    await fx.gw.query(`{ citizens(first: 9) { edges { node { nik } } } }`, {
      token,
      headers: { "x-purpose": "court-order", "x-case-ref": CASE_REF },
    });
    const access = `query($first: Int, $after: String, $last: Int, $before: String) {
      list: accessEntries(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { seq } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const seqs = (await fx.db.query<{ seq: string }>(`SELECT seq::text FROM "AccessEntry" ORDER BY seq DESC`)).map(
      (r) => r.seq,
    );
    expect(seqs.length).toBeGreaterThanOrEqual(9);
    const trail = await pageThrough(auditor, access);
    expect(trail.forward).toEqual(seqs);
    expect(trail.backward).toEqual(seqs);
  });

  it("a cursor built from an out-of-scope id is BAD_USER_INPUT, under every ordering", async () => {
    const token = await registry();
    const hidden = fx.semarang[0] as SeededCitizen;
    for (const order of [undefined, [{ field: "birthDate" }], [{ field: "fullName", direction: "DESC" }]]) {
      for (const v of [
        { first: 5, after: forged(hidden.id) },
        { last: 5, before: forged(hidden.id) },
      ]) {
        expectRefused(await page(token, { ...v, order }), `${JSON.stringify(order)} ${Object.keys(v)}`);
      }
    }
    // Built from an id the officer does see: still not a cursor the gateway issued.
    expectRefused(await page(token, { first: 5, after: forged((fx.bogor[0] as SeededCitizen).id) }), "in-scope id");
  });

  it("a cursor issued to another role, another region or under another ordering is BAD_USER_INPUT", async () => {
    const registryBogor = await registry();
    const cursorOf = async (token: string, order?: unknown) => {
      const res = await page(token, { first: 3, order });
      expect(res.errors, res.text).toBeUndefined();
      return res.data?.list?.pageInfo.endCursor as string;
    };
    const front = await officer(fx.gw, "front_office", BOGOR, "DUKCAPIL-3201");
    const social = await officer(fx.gw, "social_officer", BOGOR, "DINSOS-3201");
    const semarang = await officer(fx.gw, "registry_officer", "33.74", "DUKCAPIL-3374");
    const own = await cursorOf(registryBogor);
    const byName = await cursorOf(registryBogor, [{ field: "fullName" }]);
    // The own cursor works as issued, then is refused when anything it is bound to differs.
    expect((await page(registryBogor, { first: 3, after: own })).errors).toBeUndefined();
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ["front office's cursor", registryBogor, { after: await cursorOf(front) }],
      ["social officer's cursor", registryBogor, { after: await cursorOf(social) }],
      ["Semarang registry's cursor", registryBogor, { after: await cursorOf(semarang) }],
      ["registry's cursor used by the front office", front, { after: own }],
      ["issued unordered, used by name", registryBogor, { after: own, order: [{ field: "fullName" }] }],
      ["issued by name, used unordered", registryBogor, { after: byName }],
      [
        "issued by name, used by name descending",
        registryBogor,
        { after: byName, order: [{ field: "fullName", direction: "DESC" }] },
      ],
      ["issued by name, used by birth date", registryBogor, { after: byName, order: [{ field: "birthDate" }] }],
    ];
    for (const [label, token, v] of cases) expectRefused(await page(token, { first: 3, ...v }), label);

    // A cursor of one list is no cursor of another: citizens → service records, and inside the trail.
    const records = `query($after: String) { list: serviceRecords(first: 3, after: $after) { edges { node { id } } } }`;
    expectRefused(await page(registryBogor, { after: own }, records), "citizens cursor on serviceRecords");
    const auditor = await fx.gw.token("auditor", { subject: "cursor-auditor-2" });
    const audit = await fx.gw.query<{ list: Page }>(
      `{ list: accessEntries(first: 1) { edges { cursor node { seq } } pageInfo { endCursor } } }`,
      { token: auditor },
    );
    const accessCursor = audit.data?.list.pageInfo.endCursor as string;
    expect(accessCursor).toBeTruthy();
    const entries = `query($after: String) { list: auditEntries(first: 3, after: $after) { edges { node { seq } } } }`;
    expectRefused(await page(auditor, { after: accessCursor }, entries), "accessEntries cursor on auditEntries");
    expectRefused(await page(auditor, { after: forged("1") }, entries), "forged seq");
  });

  it("a garbage or altered cursor is BAD_USER_INPUT, never an unexpected error", async () => {
    const token = await registry();
    const own = (await page(token, { first: 3 })).data?.list?.pageInfo.endCursor as string;
    const [body = "", tag = ""] = own.split(".");
    const flip = (s: string) => `${s.slice(0, -2)}${s.at(-2) === "A" ? "B" : "A"}${s.at(-1)}`;
    for (const cursor of [
      "",
      "abc",
      "....",
      "not base64 at all!",
      own.slice(0, -1),
      `${own}.x`,
      `${body}.${flip(tag)}`,
      `${flip(body)}.${tag}`,
      `${body}.`,
      Buffer.from(`["${forged((fx.bogor[0] as SeededCitizen).id)}","x"]`).toString("base64url"),
    ]) {
      expectRefused(await page(token, { first: 3, after: cursor }), JSON.stringify(cursor));
    }
  });

  it("a cursor whose row left the caller's rows is BAD_USER_INPUT", async () => {
    const token = await registry();
    const res = await page(token, { first: 2 });
    const edge = res.data?.list?.edges[1];
    expect(edge).toBeDefined();
    const id = String(edge?.node.id);
    const [before] = await fx.db.query<{ domicileCode: string }>(`SELECT "domicileCode" FROM "Citizen" WHERE id = $1`, [
      id,
    ]);
    const away = (fx.semarang[0] as SeededCitizen).domicileCode;
    await fx.db.query(`UPDATE "Citizen" SET "domicileCode" = $2 WHERE id = $1`, [id, away]);
    try {
      expectRefused(await page(token, { first: 3, after: edge?.cursor }), "moved away");
    } finally {
      await fx.db.query(`UPDATE "Citizen" SET "domicileCode" = $2 WHERE id = $1`, [id, before?.domicileCode]);
    }
    expect((await page(token, { first: 3, after: edge?.cursor })).errors).toBeUndefined();
  });

  it("a forged cursor on a nested list is BAD_USER_INPUT too", async () => {
    const tax = await officer(fx.gw, "tax_officer", BOGOR, "BAPENDA-3201");
    const [agency] = await fx.db.query<{ id: string }>(`SELECT id FROM "Agency" WHERE code = 'BAPENDA-3201'`);
    const [other] = await fx.db.query<{ id: string }>(
      `SELECT t.id FROM "TaxRecord" t JOIN "Agency" a ON a.id = t."agencyId" WHERE a.code <> 'BAPENDA-3201' ORDER BY t.id LIMIT 1`,
    );
    const res = await fx.gw.query(
      `query($id: ID!, $c: String) { agency(id: $id) { taxRecords(first: 3, after: $c) { edges { node { id } } } } }`,
      { token: tax, variables: { id: agency?.id, c: forged(String(other?.id)) } },
    );
    expectRefused(res, "nested forged");
  });
});
