// Policy attacks, 5: denied fields answer null with FORBIDDEN at exactly their path; unknown roles get
// no data from any root field the schema has.
import { type GraphQLArgument, getNamedType, isNonNullType, isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import {
  codes,
  type Json,
  maskedNik,
  paths,
  policyAttackFixture,
  type SeededCitizen,
} from "../support/policy-attacks.ts";

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("5. denied fields and unknown roles", () => {
    it("front_office asking for taxRecords gets null with FORBIDDEN at exactly that path, and the rest", async () => {
      const subject = fx.taxpayer;
      const res = await fx.gw.query<{ citizen: Json }>(
        `query($id: ID!) { citizen(id: $id) { id fullName domicileCode nik
            taxRecords { edges { node { id assessedAmount } } } } }`,
        { token: await tokenFor(fx.gw, "frontOfficeBogor"), variables: { id: subject.id } },
      );
      expect(res.data?.citizen).toEqual({
        id: subject.id,
        fullName: subject.fullName,
        domicileCode: subject.domicileCode,
        nik: maskedNik(subject.nik),
        taxRecords: null,
      });
      expect(res.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([
        ["citizen.taxRecords", "FORBIDDEN"],
      ]);
    });

    /**
     * Every root field the schema has, generated so that a root field added later is attacked too:
     * required arguments get a real citizen id or NIK, object results a selection that reaches rows.
     */
    const everyRoot = (values: { id: string; nik: string }): string => {
      const fields = Object.values(schema.getQueryType()?.getFields() ?? {});
      const literal = (arg: GraphQLArgument) => {
        const type = getNamedType(arg.type);
        if (arg.name === "nik") return JSON.stringify(values.nik);
        if (arg.name === "code") return JSON.stringify("32");
        if (type.name === "ID" || type.name === "String") return JSON.stringify(values.id);
        if (type.name === "Int") return "10";
        throw new Error(`everyRoot: no value for the required argument ${arg.name}: ${String(arg.type)}`);
      };
      const parts = fields.map((field) => {
        const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${literal(a)}`);
        const type = getNamedType(field.type);
        const selection = !isObjectType(type)
          ? ""
          : "edges" in type.getFields()
            ? " { edges { cursor node { __typename } } }"
            : " { __typename }";
        return `${field.name}${args.length ? `(${args.join(", ")})` : ""}${selection}`;
      });
      return `{ ${parts.join("\n")} }`;
    };
    const ROOTS = Object.keys(schema.getQueryType()?.getFields() ?? {}).sort();

    for (const role of ["superuser", "agency_app", "SUPERUSER", "admin "]) {
      it(`role "${role}" gets no data from any root field`, async () => {
        const token = await fx.gw.token(role, {
          subject: `attacker-${role.trim()}`,
          region: "32",
          agency: "DUKCAPIL-3201",
        });
        const subject = fx.bogor[0] as SeededCitizen;
        const res = await fx.gw.query<Record<string, unknown>>(everyRoot(subject), { token });
        expect(res.status).toBe(200);
        const data = res.data ?? {};
        // The query asks every root field the schema has.
        expect(Object.keys(data).sort()).toEqual(ROOTS);
        for (const [field, value] of Object.entries(data)) expect(value, field).toBeNull();
        expect(paths(res.errors).sort()).toEqual(ROOTS);
        for (const code of codes(res.errors)) expect(["NOT_FOUND", "FORBIDDEN"]).toContain(code);
        expect(res.text).not.toContain(subject.fullName);
        expect(res.text).not.toContain(maskedNik(subject.nik));
      });
    }

    it("finance_officer asking for citizens gets NOT_FOUND", async () => {
      const res = await fx.gw.query("{ citizens { totalCount edges { node { id fullName } } } }", {
        token: await tokenFor(fx.gw, "financeBogor"),
      });
      expect(res.data?.citizens ?? null).toBeNull();
      expect(res.errors?.map((e) => [e.path?.join("."), e.extensions?.code])).toEqual([["citizens", "NOT_FOUND"]]);
    });
  });
});
