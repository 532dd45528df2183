// Policy attacks, 2: region scope decides by domicile. Counts, pages, cursors, ids and filters are
// compared with the seeded rows read back with raw SQL, so a scope rule that stops working fails here.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import type { GraphQLResponse } from "../support/gateway.ts";
import {
  codes,
  type GqlError,
  type Json,
  LOOKUP_PURPOSE,
  maskedNik,
  policyAttackFixture,
  type SeededCitizen,
} from "../support/policy-attacks.ts";

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("2. region scope decides by domicile", () => {
    it("a Bogor registry officer counts exactly the citizens domiciled in 32.01", async () => {
      const res = await fx.gw.query<{ citizens: { totalCount: number } }>("{ citizens { totalCount } }", {
        token: await tokenFor(fx.gw, "registryBogor"),
      });
      const sql = await fx.one<{ n: number }>(
        `select count(*)::int as n from "Citizen" where "domicileCode" like '32.01.%'`,
      );
      expect(res.errors).toBeUndefined();
      expect(sql.n).toBeGreaterThan(10);
      expect(sql.n).toBeLessThan(fx.citizens.length);
      expect(res.data?.citizens.totalCount).toBe(sql.n);
    });

    it("paging through every page never yields a citizen outside 32.01", async () => {
      const token = await tokenFor(fx.gw, "registryBogor");
      type Page = {
        citizens: {
          edges: Array<{ node: { id: string; domicileCode: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const seen = new Set<string>();
      let after: string | null = null;
      for (let pages = 0; pages < 50; pages++) {
        const res: GraphQLResponse<Page> = await fx.gw.query<Page>(
          `query($after: String) { citizens(first: 7, after: $after, orderBy: [{ field: fullName, direction: ASC }]) {
            edges { node { id domicileCode } } pageInfo { hasNextPage endCursor } } }`,
          { token, variables: { after } },
        );
        expect(res.errors).toBeUndefined();
        for (const { node } of res.data?.citizens.edges ?? []) {
          const row = fx.byId.get(node.id);
          expect(row?.domicileCode, node.id).toMatch(/^32\.01\./);
          expect(node.domicileCode).toBe(row?.domicileCode);
          seen.add(node.id);
        }
        if (!res.data?.citizens.pageInfo.hasNextPage) break;
        after = res.data.citizens.pageInfo.endCursor;
      }
      expect([...seen].sort()).toEqual(fx.bogor.map((c) => c.id).sort());
    });

    it("citizen(id) of a Semarang citizen is indistinguishable from an id that does not exist", async () => {
      const token = await tokenFor(fx.gw, "registryBogor");
      const target = fx.semarang[0] as SeededCitizen;
      const unknown = randomUUID();
      const ask = (id: string) =>
        fx.gw.query<{ citizen: unknown }>("query($id: ID!) { citizen(id: $id) { id fullName nik } }", {
          token,
          variables: { id },
        });
      const existing = await ask(target.id);
      const missing = await ask(unknown);
      expect(existing.data?.citizen).toBeNull();
      expect(codes(existing.errors)).toEqual(["NOT_FOUND"]);
      expect(existing.status).toBe(missing.status);
      // The only allowed difference is the echo of the id the caller sent.
      const normalise = (errors: GqlError[] | undefined, id: string) =>
        JSON.parse(JSON.stringify(errors ?? []).replaceAll(id, "<id>")) as unknown;
      expect(normalise(existing.errors, target.id)).toEqual(normalise(missing.errors, unknown));
      expect(existing.text).not.toContain(target.fullName);

      // The same for citizenByNik (with the purpose a lookup needs): a real Semarang NIK and a
      // well-formed NIK nobody has.
      const byNik = (nik: string) =>
        fx.gw.query("query($nik: String!) { citizenByNik(nik: $nik) { id } }", {
          token,
          variables: { nik },
          headers: LOOKUP_PURPOSE,
        });
      let nobody = "3201010101900001";
      while (fx.citizens.some((c) => c.nik === nobody)) nobody = String(BigInt(nobody) + 1n);
      const a = await byNik(target.nik);
      const b = await byNik(nobody);
      expect(a.data).toEqual({ citizenByNik: null });
      expect(a.errors).toEqual(b.errors);
      expect(codes(a.errors)).toEqual(["NOT_FOUND"]);
    });

    it("filtering by another region's domicile code returns nothing", async () => {
      const res = await fx.gw.query<{ citizens: { totalCount: number; edges: unknown[] } }>(
        '{ citizens(where: { domicileCode: { startsWith: "33" } }) { totalCount edges { node { id } } } }',
        { token: await tokenFor(fx.gw, "registryBogor") },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.citizens).toEqual({ totalCount: 0, edges: [] });
    });

    it("a cursor taken from a Semarang officer's page reveals no Semarang citizen", async () => {
      const sem = await fx.gw.query<{ citizens: { edges: Array<{ cursor: string; node: { id: string } }> } }>(
        "{ citizens(first: 5) { edges { cursor node { id } } } }",
        { token: await tokenFor(fx.gw, "registrySemarang") },
      );
      const cursors = sem.data?.citizens.edges.map((e) => e.cursor) ?? [];
      expect(cursors).toHaveLength(5);
      for (const e of sem.data?.citizens.edges ?? []) expect(fx.byId.get(e.node.id)?.domicileCode).toMatch(/^33\.74\./);
      const token = await tokenFor(fx.gw, "registryBogor");
      for (const cursor of [cursors[0], cursors[4]]) {
        for (const direction of ["first: 50, after", "last: 50, before"]) {
          const res = await fx.gw.query<{
            citizens: { totalCount: number; edges: Array<{ node: { id: string } }> } | null;
          }>(`query($c: String) { citizens(${direction}: $c) { totalCount edges { node { id fullName } } } }`, {
            token,
            variables: { c: cursor },
          });
          for (const e of res.data?.citizens?.edges ?? []) {
            expect(fx.byId.get(e.node.id)?.domicileCode, `${direction} ${e.node.id}`).toMatch(/^32\.01\./);
          }
          for (const c of fx.semarang) expect(res.text).not.toContain(c.id);
          if (res.data?.citizens) expect(res.data.citizens.totalCount).toBe(fx.bogor.length);
        }
      }
    });

    it("the NIK prefix does not scope: the domicile does", async () => {
      const regencyOfNik = (nik: string) => `${nik.slice(0, 2)}.${nik.slice(2, 4)}`;
      const regencyOfDomicile = (code: string) => code.slice(0, 5);
      const seededRegencies = new Set(fx.citizens.map((c) => regencyOfDomicile(c.domicileCode)));
      const mismatched = fx.citizens.filter((c) => regencyOfNik(c.nik) !== regencyOfDomicile(c.domicileCode));
      // Prefer one whose NIK names another seeded regency, where an officer with citizens of their own exists.
      let subject =
        mismatched.find((c) => seededRegencies.has(regencyOfNik(c.nik))) ??
        (mismatched[0] as SeededCitizen | undefined);
      if (!subject) {
        // The seed has none: register someone from Semarang (NIK 3374…) who now lives in Bogor.
        const id = randomUUID();
        let nik = "3374015505900001";
        while (fx.citizens.some((c) => c.nik === nik)) nik = String(BigInt(nik) + 1n);
        await fx.db.query(
          `insert into "Citizen" (id, nik, "familyCardNumber", "fullName", "birthPlace", "birthDate", sex, religion,
             "maritalStatus", occupation, "addressStreet", "addressRt", "addressRw", "domicileCode")
           values ($1, $2, '3201010101200001', 'Sri Pindahan', 'Semarang', '1990-05-15', 'FEMALE', 'ISLAM',
             'SINGLE', 'Guru', 'Jl. Pindahan No. 1', '001', '002', '32.01.01.1001')`,
          [id, nik],
        );
        await fx.loadCitizens();
        subject = fx.byId.get(id) as SeededCitizen;
      }
      const domicileRegion = regencyOfDomicile(subject.domicileCode);
      const nikRegion = regencyOfNik(subject.nik);
      expect(nikRegion).not.toBe(domicileRegion);

      const q = `query($id: ID!, $name: String!) {
          byId: citizen(id: $id) { id nik }
          list: citizens(where: { fullName: { equals: $name } }) { edges { node { id } } } }`;
      const variables = { id: subject.id, name: subject.fullName };
      // A lookup by NIK needs a stated purpose, which would also show the NIK clear: asked on its own.
      const byNik = (token: string) =>
        fx.gw.query<{ byNik: { id: string } | null }>(
          `query($nik: String!) { byNik: citizenByNik(nik: $nik) { id } }`,
          {
            token,
            variables: { nik: subject.nik },
            headers: LOOKUP_PURPOSE,
          },
        );
      const domicileOfficer = await fx.gw.token("registry_officer", {
        subject: "domicile-officer",
        region: domicileRegion,
      });
      const nikOfficer = await fx.gw.token("registry_officer", { subject: "nik-officer", region: nikRegion });

      type R = {
        byId: { id: string; nik: string } | null;
        list: { edges: Array<{ node: { id: string } }> };
      };
      const seen = await fx.gw.query<R>(q, { token: domicileOfficer, variables });
      expect(seen.errors).toBeUndefined();
      expect(seen.data?.byId?.id).toBe(subject.id);
      expect(seen.data?.byId?.nik).toBe(maskedNik(subject.nik));
      expect((await byNik(domicileOfficer)).data?.byNik?.id).toBe(subject.id);
      expect(seen.data?.list.edges.map((e) => e.node.id)).toContain(subject.id);

      const unseen = await fx.gw.query<R>(q, { token: nikOfficer, variables });
      expect(unseen.data?.byId).toBeNull();
      const unseenByNik = await byNik(nikOfficer);
      expect(unseenByNik.data?.byNik).toBeNull();
      expect(unseen.data?.list.edges.map((e) => e.node.id)).not.toContain(subject.id);
      expect(codes(unseen.errors)).toEqual(["NOT_FOUND"]);
      expect(codes(unseenByNik.errors)).toEqual(["NOT_FOUND"]);
      // Nothing about the person comes back (the NOT_FOUND message only echoes the id that was sent).
      expect(unseen.text).not.toContain(subject.fullName);
      expect(unseen.text).not.toContain(maskedNik(subject.nik));
    });

    it("a registry officer whose token has no region claim sees no citizen at all", async () => {
      const token = await fx.gw.token("registry_officer", { subject: "no-region", agency: "DUKCAPIL-3201" });
      const res = await fx.gw.query<{ citizens: { totalCount: number; edges: unknown[] }; citizen: unknown }>(
        `query($id: ID!, $nik: String!) { citizens(first: 500) { totalCount edges { node { id } } }
            citizen(id: $id) { id } citizenByNik(nik: $nik) { id } }`,
        { token, variables: { id: fx.bogor[0]?.id, nik: fx.bogor[0]?.nik }, headers: LOOKUP_PURPOSE },
      );
      expect(res.data?.citizens).toEqual({ totalCount: 0, edges: [] });
      expect(res.data?.citizen).toBeNull();
      expect(codes(res.errors)).toEqual(["NOT_FOUND", "NOT_FOUND"]);
    });

    it("a tax officer sees exactly the tax records of its own agency", async () => {
      const token = await tokenFor(fx.gw, "taxBogor");
      const own = await fx.db.query<{ id: string }>(
        `select t.id from "TaxRecord" t join "Agency" a on a.id = t."agencyId" where a.code = 'BAPENDA-3201'`,
      );
      const all = await fx.one<{ n: number }>(`select count(*)::int as n from "TaxRecord"`);
      expect(own.length).toBeGreaterThan(10);
      expect(own.length).toBeLessThan(all.n);
      type Page = {
        taxRecords: {
          totalCount: number;
          edges: Array<{ node: { id: string; agency: { code: string } } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      };
      const seen: string[] = [];
      let after: string | null = null;
      let total = -1;
      for (let pages = 0; pages < 20; pages++) {
        const res: GraphQLResponse<Page> = await fx.gw.query<Page>(
          `query($after: String) { taxRecords(first: 40, after: $after) { totalCount
             edges { node { id agency { code } } } pageInfo { hasNextPage endCursor } } }`,
          { token, variables: { after } },
        );
        expect(res.errors).toBeUndefined();
        total = res.data?.taxRecords.totalCount ?? -1;
        for (const { node } of res.data?.taxRecords.edges ?? []) {
          expect(node.agency.code).toBe("BAPENDA-3201");
          seen.push(node.id);
        }
        if (!res.data?.taxRecords.pageInfo.hasNextPage) break;
        after = res.data.taxRecords.pageInfo.endCursor;
      }
      expect(total).toBe(own.length);
      expect(seen.sort()).toEqual(own.map((r) => r.id).sort());
    });

    it("a tax record's citizen outside the officer's region is FORBIDDEN at that path; the record is shown", async () => {
      const token = await tokenFor(fx.gw, "taxBogor");
      const res = await fx.gw.query<{ taxRecord: Json | null }>(
        `query($id: ID!) { taxRecord(id: $id) { id taxType period assessedAmount status agency { code }
            citizen { id fullName nik address } } }`,
        { token, variables: { id: fx.crossRegionTaxRecordId } },
      );
      expect(res.data?.taxRecord).toEqual({
        id: fx.crossRegionTaxRecordId,
        taxType: "LAND_AND_BUILDING",
        period: "2025",
        assessedAmount: "1250000",
        status: "ASSESSED",
        agency: { code: "BAPENDA-3201" },
        citizen: null,
      });
      expect(res.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([
        ["taxRecord.citizen", "FORBIDDEN"],
      ]);
      expect(res.text).not.toContain(fx.crossRegionTaxpayer.fullName);
      expect(res.text).not.toContain(fx.crossRegionTaxpayer.id);

      // The same through the list, found by the citizen's id (an id the officer may know from elsewhere).
      const list = await fx.gw.query<{ taxRecords: { totalCount: number; edges: Array<{ node: Json }> } }>(
        `query($c: String!) { taxRecords(where: { citizenId: { equals: $c } }) { totalCount
            edges { node { id citizen { fullName nik } } } } }`,
        { token, variables: { c: fx.crossRegionTaxpayer.id } },
      );
      expect(list.data?.taxRecords.totalCount).toBe(1);
      expect(list.data?.taxRecords.edges).toEqual([{ node: { id: fx.crossRegionTaxRecordId, citizen: null } }]);
      expect(list.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([
        ["taxRecords.edges.0.node.citizen", "FORBIDDEN"],
      ]);
      expect(list.text).not.toContain(fx.crossRegionTaxpayer.fullName);
    });
  });
});
