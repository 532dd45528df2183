// Policy attacks, 4: filters and sorts on masked or denied fields are refused, so that no one learns a
// hidden value by filtering, counting or sorting.
import { describe, expect, it } from "vitest";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import type { GraphQLResponse } from "../support/gateway.ts";
import { codes, policyAttackFixture, type SeededCitizen } from "../support/policy-attacks.ts";

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("4. filters and sorts on masked or denied fields", () => {
    const refused = (res: GraphQLResponse, field: RegExp, why: RegExp, root = "citizens") => {
      expect(res.data?.[root] ?? null).toBeNull();
      expect(codes(res.errors)).toEqual(["FORBIDDEN"]);
      // At the list itself, or at its totalCount (whichever resolver refuses); never a partial answer.
      expect(res.errors?.map((e) => e.path?.[0])).toEqual([root]);
      expect(res.errors?.[0]?.message).toMatch(field);
      expect(res.errors?.[0]?.message).toMatch(why);
    };

    it("front_office may not filter by NIK prefix: FORBIDDEN, saying the field is masked", async () => {
      const res = await fx.gw.query(
        '{ citizens(where: { nik: { startsWith: "3201" } }) { totalCount edges { node { id nik } } } }',
        { token: await tokenFor(fx.gw, "frontOfficeBogor") },
      );
      refused(res, /nik/, /masked/);
    });

    it("front_office may not probe NIK digits by counting either (totalCount only)", async () => {
      const token = await tokenFor(fx.gw, "frontOfficeBogor");
      const res = await fx.gw.query('{ citizens(where: { nik: { startsWith: "3201" } }) { totalCount } }', { token });
      refused(res, /nik/, /masked/);
      const kk = await fx.gw.query(
        `query($kk: String!) { citizens(where: { familyCardNumber: { equals: $kk } }) { totalCount } }`,
        { token, variables: { kk: fx.bogor[0]?.familyCardNumber } },
      );
      refused(kk, /familyCardNumber/, /masked/);
    });

    it("front_office cannot recover a full NIK digit by digit by counting", async () => {
      const token = await tokenFor(fx.gw, "frontOfficeBogor");
      // Someone whose name is unique in Bogor, so that a count of 1 means "this person".
      const subject = fx.bogor.find(
        (c) => fx.bogor.filter((o) => o.fullName === c.fullName).length === 1,
      ) as SeededCitizen;
      let learned = "";
      for (let position = 0; position < 16; position++) {
        let next: string | undefined;
        for (const digit of "0123456789") {
          const res = await fx.gw.query<{ citizens: { totalCount: number } | null }>(
            `query($n: String!, $p: String!) {
              citizens(where: { fullName: { equals: $n }, nik: { startsWith: $p } }) { totalCount } }`,
            { token, variables: { n: subject.fullName, p: learned + digit } },
          );
          if ((res.data?.citizens?.totalCount ?? 0) > 0) {
            next = digit;
            break;
          }
        }
        if (next === undefined) break;
        learned += next;
      }
      expect(learned).not.toBe(subject.nik);
      expect(learned).toBe("");
    });

    it("front_office may not sort by NIK or by the masked birth date", async () => {
      const token = await tokenFor(fx.gw, "frontOfficeBogor");
      const nik = await fx.gw.query(
        "{ citizens(orderBy: [{ field: nik, direction: ASC }]) { edges { node { id } } } }",
        {
          token,
        },
      );
      refused(nik, /nik/, /masked/);
      expect(nik.errors?.[0]?.message).toMatch(/sort/);
      const birth = await fx.gw.query(
        "{ citizens(orderBy: [{ field: birthDate, direction: DESC }]) { edges { node { id } } } }",
        { token },
      );
      refused(birth, /birthDate/, /masked/);
    });

    it("a registry officer filters by fullName, which it sees clear", async () => {
      const subject = fx.bogor[5] as SeededCitizen;
      const res = await fx.gw.query<{ citizens: { totalCount: number; edges: Array<{ node: { id: string } }> } }>(
        "query($n: String!) { citizens(where: { fullName: { equals: $n } }) { totalCount edges { node { id } } } }",
        { token: await tokenFor(fx.gw, "registryBogor"), variables: { n: subject.fullName } },
      );
      expect(res.errors).toBeUndefined();
      const expected = fx.bogor.filter((c) => c.fullName === subject.fullName).map((c) => c.id);
      expect(res.data?.citizens.totalCount).toBe(expected.length);
      expect(res.data?.citizens.edges.map((e) => e.node.id).sort()).toEqual(expected.sort());
      // ... but not by the NIK it sees masked.
      const nik = await fx.gw.query(
        "query($nik: String!) { citizens(where: { nik: { equals: $nik } }) { edges { node { id } } } }",
        { token: await tokenFor(fx.gw, "registryBogor"), variables: { nik: subject.nik } },
      );
      refused(nik, /nik/, /masked/);
    });

    it("filters on fields the role may not read at all are refused", async () => {
      // front_office has no tax records: the entry point itself is closed.
      const tax = await fx.gw.query('{ taxRecords(where: { period: { equals: "2025" } }) { totalCount } }', {
        token: await tokenFor(fx.gw, "frontOfficeBogor"),
      });
      expect(tax.data?.taxRecords ?? null).toBeNull();
      expect(codes(tax.errors)).toEqual(["NOT_FOUND"]);
      // A tax officer cannot read birth dates or family-card numbers, so cannot filter by them.
      const token = await tokenFor(fx.gw, "taxBogor");
      const birth = await fx.gw.query(
        '{ citizens(where: { birthDate: { gte: "1990-01-01" } }) { totalCount edges { node { id } } } }',
        { token },
      );
      refused(birth, /birthDate/, /may not read/);
      const kk = await fx.gw.query(
        `query($kk: String!) { citizens(where: { familyCardNumber: { equals: $kk } }) { edges { node { id } } } }`,
        { token, variables: { kk: fx.bogor[0]?.familyCardNumber } },
      );
      refused(kk, /familyCardNumber/, /may not read/);
      // ... nor learn them by counting.
      const count = await fx.gw.query('{ citizens(where: { birthDate: { gte: "1990-01-01" } }) { totalCount } }', {
        token,
      });
      refused(count, /birthDate/, /may not read/);
    });
  });
});
