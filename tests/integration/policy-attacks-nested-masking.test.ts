// Policy attacks, 6: nested paths are masked exactly like root paths.
import { describe, expect, it } from "vitest";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import { maskedAddress, maskedNik, policyAttackFixture } from "../support/policy-attacks.ts";

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("6. nested paths are masked exactly like root paths", () => {
    it("a tax officer sees the same masked nik and address through taxRecords as through citizen(id)", async () => {
      const token = await tokenFor(fx.gw, "taxBogor");
      const subject = fx.taxpayer;
      type C = { id: string; nik: string; address: string };
      const res = await fx.gw.query<{
        citizen: C & { taxRecords: { edges: Array<{ node: { citizen: C } }> } };
        taxRecords: { edges: Array<{ node: { citizen: C } }> };
        agencies: {
          edges: Array<{ node: { taxRecords: { edges: Array<{ node: { id: string; citizen: C | null } }> } } }>;
        };
      }>(
        `query($id: ID!, $cid: String!) {
          citizen(id: $id) { id nik address taxRecords { edges { node { citizen { id nik address } } } } }
          taxRecords(where: { citizenId: { equals: $cid } }) { edges { node { citizen { id nik address } } } }
          agencies(where: { code: { equals: "BAPENDA-3201" } }) { edges { node {
            taxRecords(first: 500) { edges { node { id citizen { id nik address } } } } } } }
        }`,
        { token, variables: { id: subject.id, cid: subject.id } },
      );
      // The one error allowed: the agency's tax record of the Semarang resident inserted above, whose
      // citizen is outside this officer's region (section 2).
      const agencyRecords = res.data?.agencies.edges[0]?.node.taxRecords.edges ?? [];
      for (const e of res.errors ?? []) {
        expect(e.extensions?.code).toBe("FORBIDDEN");
        const [, , , , , , index] = e.path ?? [];
        expect(agencyRecords[Number(index)]?.node.id, e.path?.join(".")).toBe(fx.crossRegionTaxRecordId);
      }
      expect(res.errors ?? []).toHaveLength(1);
      const root = res.data?.citizen;
      const expected = {
        id: subject.id,
        nik: maskedNik(subject.nik),
        address: maskedAddress(subject),
      };
      expect({ id: root?.id, nik: root?.nik, address: root?.address }).toEqual(expected);
      const nested = [
        ...(root?.taxRecords.edges ?? []),
        ...(res.data?.taxRecords.edges ?? []),
        ...agencyRecords.filter((e) => e.node.citizen?.id === subject.id),
      ].map((e) => e.node.citizen);
      expect(nested.length).toBeGreaterThanOrEqual(3);
      for (const c of nested) expect(c).toEqual(expected);
      expect(res.text).not.toContain(subject.nik);
      expect(res.text).not.toContain(subject.addressStreet);
    });
  });
});
