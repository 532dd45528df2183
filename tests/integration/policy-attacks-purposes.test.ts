// Policy attacks, 3: purposes. A clear value needs the right purpose, a case reference and a role (and
// token claim) that allows it; every clear reveal is recorded, and nothing else is.
import { describe, expect, it } from "vitest";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import {
  BOGOR,
  CASE_REF,
  type Json,
  maskedAddress,
  maskedNik,
  policyAttackFixture,
  type SeededCitizen,
} from "../support/policy-attacks.ts";

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("3. purposes", () => {
    const Q = "query($id: ID!) { citizen(id: $id) { id nik familyCardNumber } }";
    type R = { citizen: { id: string; nik: string; familyCardNumber: string } | null };

    const accessEntries = (requestId: string | null) =>
      fx.db.query<Json>(`select * from "AccessEntry" where "requestId" = $1 order by seq`, [requestId ?? ""]);

    it("without the right purpose, case reference and token claim, the NIK stays masked and nothing is logged", async () => {
      const subject = fx.bogor[1] as SeededCitizen;
      const officer = await tokenFor(fx.gw, "registryBogor");
      const civilOnly = await fx.gw.token("registry_officer", {
        subject: "registryBogor-civil",
        region: BOGOR,
        agency: "DUKCAPIL-3201",
        purposes: ["civil-registration"],
      });
      const attempts: Array<[string, string, Record<string, string>]> = [
        ["no purpose", officer, {}],
        ["a purpose the role lacks", officer, { "x-purpose": "tax-assessment", "x-case-ref": CASE_REF }],
        ["an unknown purpose", officer, { "x-purpose": "curiosity", "x-case-ref": CASE_REF }],
        ["an allowed purpose without a case reference", officer, { "x-purpose": "court-order" }],
        ["an allowed purpose with an empty case reference", officer, { "x-purpose": "court-order", "x-case-ref": "" }],
        ["a case reference without a purpose", officer, { "x-case-ref": CASE_REF }],
        [
          "a purpose the token's purposes claim lacks",
          civilOnly,
          { "x-purpose": "court-order", "x-case-ref": CASE_REF },
        ],
      ];
      for (const [why, token, headers] of attempts) {
        const res = await fx.gw.query<R>(Q, { token, headers, variables: { id: subject.id } });
        expect(res.errors, why).toBeUndefined();
        expect(res.data?.citizen?.nik, why).toBe(maskedNik(subject.nik));
        expect(res.data?.citizen?.familyCardNumber, why).toBe(maskedNik(subject.familyCardNumber));
        expect(res.text, why).not.toContain(subject.nik);
        const requestId = res.headers.get("x-request-id");
        expect(requestId, why).toBeTruthy();
        expect(await accessEntries(requestId), why).toEqual([]);
      }
    });

    it("court-order with a case reference shows the NIK clear and records who saw it", async () => {
      const subject = fx.bogor[2] as SeededCitizen;
      const res = await fx.gw.query<{ citizen: { id: string; nik: string; fullName: string } }>(
        "query($id: ID!) { citizen(id: $id) { id nik fullName } }",
        {
          token: await tokenFor(fx.gw, "registryBogor"),
          headers: { "x-purpose": "court-order", "x-case-ref": CASE_REF },
          variables: { id: subject.id },
        },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.citizen.nik).toBe(subject.nik);
      const requestId = res.headers.get("x-request-id");
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const entries = await accessEntries(requestId);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: "registryBogor",
        role: "registry_officer",
        agencyCode: "DUKCAPIL-3201",
        citizenId: subject.id,
        field: "Citizen.nik",
        purpose: "court-order",
        caseRef: CASE_REF,
        requestId,
      });
    });

    it("a token whose purposes claim names the purpose also unlocks, and is logged", async () => {
      const subject = fx.bogor[3] as SeededCitizen;
      const token = await fx.gw.token("registry_officer", {
        subject: "registryBogor-court",
        region: BOGOR,
        purposes: ["court-order"],
      });
      const res = await fx.gw.query<R>(Q, {
        token,
        headers: { "x-purpose": "court-order", "x-case-ref": CASE_REF },
        variables: { id: subject.id },
      });
      expect(res.data?.citizen?.nik).toBe(subject.nik);
      expect(res.data?.citizen?.familyCardNumber).toBe(subject.familyCardNumber);
      const entries = await accessEntries(res.headers.get("x-request-id"));
      expect(entries.map((e) => [e.actor, e.citizenId, e.field]).sort()).toEqual([
        ["registryBogor-court", subject.id, "Citizen.familyCardNumber"],
        ["registryBogor-court", subject.id, "Citizen.nik"],
      ]);
    });

    it("front_office with the same headers (and even a court-order claim) stays masked and logs nothing", async () => {
      const subject = fx.bogor[2] as SeededCitizen;
      for (const token of [
        await tokenFor(fx.gw, "frontOfficeBogor"),
        await fx.gw.token("front_office", { subject: "fo-claims", region: BOGOR, purposes: ["court-order"] }),
      ]) {
        const res = await fx.gw.query<R>(Q, {
          token,
          headers: { "x-purpose": "court-order", "x-case-ref": CASE_REF },
          variables: { id: subject.id },
        });
        expect(res.errors).toBeUndefined();
        expect(res.data?.citizen?.nik).toBe(maskedNik(subject.nik));
        expect(res.text).not.toContain(subject.nik);
        expect(await accessEntries(res.headers.get("x-request-id"))).toEqual([]);
      }
    });

    it("a purpose unlocks only the fields it names: social-assistance-verification leaves the address masked", async () => {
      const subject = fx.bogor[4] as SeededCitizen;
      const res = await fx.gw.query<{ citizen: { nik: string; address: string } }>(
        "query($id: ID!) { citizen(id: $id) { nik address } }",
        {
          token: await tokenFor(fx.gw, "socialBogor"),
          headers: { "x-purpose": "social-assistance-verification", "x-case-ref": "DINSOS-2026-17" },
          variables: { id: subject.id },
        },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.citizen.nik).toBe(subject.nik);
      expect(res.data?.citizen.address).toBe(maskedAddress(subject));
      expect(res.text).not.toContain(subject.addressStreet);
      const entries = await accessEntries(res.headers.get("x-request-id"));
      expect(entries.map((e) => e.field)).toEqual(["Citizen.nik"]);
    });
  });
});
