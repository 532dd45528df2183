// Policy attacks, 1: a leak scan. Every role that may not see a full NIK, No. KK or street runs a broad set
// of queries (aliases, fragments, filters, nested relations, every purpose it could claim) through HTTP
// with a real token; no body or error message may contain one, and the scan must have reached real data.

import { describe, expect, it } from "vitest";
import { loadPolicy, ROLES } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { databaseKinds } from "../support/db.ts";
import { testConfig } from "../support/gateway.ts";
import {
  BOGOR,
  CASE_REF,
  type Json,
  MASKED_NIK,
  maskedNik,
  policyAttackFixture,
  type ScanTargets,
  STANDALONE_16,
} from "../support/policy-attacks.ts";

const policy = loadPolicy(testConfig.policyDir, schema);
const ALL_ROLES = [...policy.roles.keys()];
/** Roles that must never see a full NIK: derived from policies/, not written down here. */
const LEAK_ROLES = ALL_ROLES.filter((r) => policy.access(r, "Citizen", "nik")?.kind !== "clear");
/** Every purpose any role names: an attacker tries them all. */
const ALL_PURPOSES = [...new Set(ALL_ROLES.flatMap((r) => [...(policy.role(r)?.purposes.keys() ?? [])]))].sort();

/**
 * Claims for the leak scan: Kabupaten Bogor and an agency whose rows reach citizens, so that every role
 * that can see citizens at all actually gets some. Roles that need no claims get some anyway (an
 * attacker adds whatever claims the identity provider lets through).
 */
const SCAN_CLAIMS: Record<string, { region: string; agency: string }> = {
  front_office: { region: BOGOR, agency: "DUKCAPIL-3201" },
  registry_officer: { region: BOGOR, agency: "DUKCAPIL-3201" },
  tax_officer: { region: BOGOR, agency: "BAPENDA-3201" },
  social_officer: { region: BOGOR, agency: "DINSOS-3201" },
  licensing_officer: { region: BOGOR, agency: "DPMPTSP-3201" },
  finance_officer: { region: BOGOR, agency: "BPKAD-3201" },
  // The records office of the civil registry: its archive holds citizens' documents (death certificates).
  archivist: { region: BOGOR, agency: "DUKCAPIL-3201" },
};
const DEFAULT_CLAIMS = { region: BOGOR, agency: "DUKCAPIL-3201" };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Cursors are opaque to clients but only base64: an attacker decodes them, and so does the scan. */
function withDecodedCursors(text: string): string {
  const decoded = [...text.matchAll(/"(?:cursor|startCursor|endCursor)":"([A-Za-z0-9+/=_-]+)"/g)].map((m) =>
    Buffer.from(m[1] ?? "", "base64").toString("utf8"),
  );
  return decoded.length ? `${text}\n${decoded.join("\n")}` : text;
}

const PROBE = "fragment Probe on Citizen { id fullName nik familyCardNumber address birthDate domicileCode }";

interface Probe {
  label: string;
  query: string;
  variables?: Json;
}

/** The broad set of queries of the leak scan. None of them states a purpose. */
function scanQueries(t: ScanTargets): Probe[] {
  const nested = `{ ...Probe domicile { code name parent { name } }
      taxRecords(first: 50) { edges { cursor node { id taxObjectNumber citizen { ...Probe } } } }
      permits(first: 50) { edges { node { id documentNumber applicant { ...Probe } } } }
      socialAssistance(first: 50) { edges { node { id citizen { ...Probe } } } }
      serviceRecords(first: 50) { edges { node { id servedBy citizen { nik familyCardNumber address } } } }
      archiveDocuments(first: 50) { edges { node { id title citizen { ...Probe } } } } }`;
  return [
    {
      label: "root list with every nested relation",
      query: `query { citizens(first: 50) { totalCount edges { cursor node ${nested} }
          pageInfo { startCursor endCursor hasNextPage } } } ${PROBE}`,
    },
    {
      label: "aliases, a second page and inline fragments",
      query: `query($after: String) {
          a: citizens(first: 20) { edges { cursor node { ... on Citizen { id nik familyCardNumber address } } } }
          b: citizens(first: 50, after: $after) { edges { node { ... on Citizen { id n: nik k: familyCardNumber s: address } } } }
          c: citizens(first: 50, orderBy: [{ field: fullName, direction: DESC }]) { edges { node { ... { nik familyCardNumber address birthDate } } } }
          d: citizens(last: 10) { edges { node { ...Probe } } }
        } ${PROBE}`,
      variables: { after: t.after },
    },
    {
      label: "citizen(id) in and out of scope",
      query: `query($in: ID!, $out: ID!) { inScope: citizen(id: $in) ${nested} outOfScope: citizen(id: $out) ${nested} } ${PROBE}`,
      variables: { in: t.inId, out: t.outId },
    },
    {
      label: "citizenByNik with real NIKs",
      query: `query($in: String!, $out: String!) { a: citizenByNik(nik: $in) { ...Probe } b: citizenByNik(nik: $out) { ...Probe } } ${PROBE}`,
      variables: { in: t.inNik, out: t.outNik },
    },
    {
      label: "filters and sorts on hidden fields",
      query: `query($nik: String!, $kk: String!) {
          f1: citizens(where: { nik: { equals: $nik } }) { totalCount edges { node { ...Probe } } }
          f2: citizens(where: { nik: { startsWith: "3201" } }) { totalCount edges { node { ...Probe } } }
          f3: citizens(where: { nik: { in: [$nik] } }) { edges { node { ...Probe } } }
          f4: citizens(where: { familyCardNumber: { equals: $kk } }) { totalCount edges { node { ...Probe } } }
          f5: citizens(orderBy: [{ field: nik, direction: ASC }]) { edges { node { ...Probe } } }
          f6: citizens(where: { nik: { contains: "01" } }, orderBy: [{ field: birthDate, direction: ASC }]) { edges { node { ...Probe } } }
          f7: citizens(where: { fullName: { contains: "a" } }, orderBy: [{ field: nik, direction: DESC }]) { edges { node { ...Probe } } }
        } ${PROBE}`,
      variables: { nik: t.inNik, kk: t.inKk },
    },
    {
      label: "tax records, permits, archive, services, assistance and agencies down to the citizen",
      query: `query {
          taxRecords(first: 200) { totalCount edges { node { id agency { code } citizen { ...Probe } } } }
          permits(first: 200) { edges { node { id applicant { ...Probe } } } }
          archiveDocuments(first: 200) { edges { node { id title citizen { ...Probe } } } }
          serviceRecords(first: 200) { edges { node { id citizen { nik familyCardNumber address } } } }
          socialAssistances(first: 200) { edges { node { id citizen { ...Probe } } } }
          agencies(first: 100) { edges { node { code
            taxRecords(first: 100) { edges { node { citizen { ...Probe } } } }
            permits(first: 100) { edges { node { applicant { ...Probe } } } }
            serviceRecords(first: 100) { edges { node { citizen { nik familyCardNumber address } } } }
            archiveDocuments(first: 100) { edges { node { citizen { ...Probe } } } } } } }
        } ${PROBE}`,
    },
    {
      label: "single records down to the citizen",
      query: `query($tax: ID!, $permit: ID!, $service: ID!, $archive: ID!, $assistance: ID!) {
          taxRecord(id: $tax) { id citizen { ...Probe taxRecords { edges { node { citizen { ...Probe } } } } } }
          permit(id: $permit) { id applicant { ...Probe } }
          serviceRecord(id: $service) { id citizen { ...Probe serviceRecords { edges { node { citizen { nik address } } } } } }
          archiveDocument(id: $archive) { id citizen { ...Probe } }
          socialAssistance(id: $assistance) { id citizen { ...Probe } }
        } ${PROBE}`,
      variables: {
        tax: t.taxRecordId,
        permit: t.permitId,
        service: t.serviceRecordId,
        archive: t.archiveDocumentId,
        assistance: t.socialAssistanceId,
      },
    },
  ];
}

describe.each(databaseKinds())("policy attacks on %s", (kind) => {
  const fx = policyAttackFixture(kind);

  describe("1. leak scan: no full NIK, No. KK or street leaves for roles that do not see them clear", () => {
    /** Masked NIKs of seeded citizens seen per role: proof that the scan reached real data. */
    const maskedSeen = new Map<string, number>();

    it("derives the scanned roles from all ten role files", () => {
      expect([...ALL_ROLES].sort()).toEqual([...ROLES].sort());
      expect(LEAK_ROLES).toContain("front_office");
      expect(LEAK_ROLES).toContain("registry_officer");
      expect(ALL_PURPOSES.length).toBeGreaterThan(0);
    });

    for (const role of LEAK_ROLES) {
      it(`${role}: nothing identifying in any body or error message`, async () => {
        const claims = SCAN_CLAIMS[role] ?? DEFAULT_CLAIMS;
        const token = await fx.gw.token(role, { subject: `scan-${role}`, ...claims });
        const ownPurposes = new Set(policy.role(role)?.purposes.keys() ?? []);
        const probes = scanQueries(fx.targets);
        const runs: Array<{ probe: Probe; headers: Record<string, string> }> = probes.map((probe) => ({
          probe,
          headers: {},
        }));
        const broad = probes.filter((p) => /root list|tax records, permits/.test(p.label));
        for (const purpose of ALL_PURPOSES) {
          // A stated purpose without a case reference never unlocks anything.
          for (const probe of broad) runs.push({ probe, headers: { "x-purpose": purpose } });
          // A purpose borrowed from another role's policy does not unlock anything either, case ref or not.
          if (!ownPurposes.has(purpose)) {
            for (const probe of broad) runs.push({ probe, headers: { "x-purpose": purpose, "x-case-ref": CASE_REF } });
          }
        }

        const texts: Array<{ label: string; text: string }> = [];
        for (const { probe, headers } of runs) {
          const res = await fx.gw.query(probe.query, {
            token,
            headers,
            ...(probe.variables ? { variables: probe.variables } : {}),
          });
          const label = `${probe.label} ${JSON.stringify(headers)}`;
          // Every probe is valid GraphQL and was executed: a typo in the scan must not pass as "no leak".
          expect(res.status, `${label}: ${res.text.slice(0, 300)}`).toBe(200);
          texts.push({ label, text: withDecodedCursors(res.text) });
        }

        const niks = new Map(fx.citizens.map((c) => [c.nik, c.id]));
        const kks = new Map(fx.citizens.map((c) => [c.familyCardNumber, c.id]));
        const masks = new Set(fx.citizens.map((c) => maskedNik(c.nik)));
        const checkStreets = policy.access(role, "Citizen", "address")?.kind !== "clear";
        const streets = new RegExp(
          [...new Set(fx.citizens.map((c) => c.addressStreet))].map((s) => `${escapeRegExp(s)}, RT`).join("|"),
          "g",
        );
        const leaks: string[] = [];
        let masked = 0;
        for (const { label, text } of texts) {
          for (const run of text.match(/\d{16,}/g) ?? []) {
            for (let i = 0; i + 16 <= run.length; i++) {
              const digits = run.slice(i, i + 16);
              if (niks.has(digits)) leaks.push(`${label}: NIK of citizen ${niks.get(digits)}`);
              if (kks.has(digits)) leaks.push(`${label}: No. KK of citizen ${kks.get(digits)}`);
            }
          }
          for (const m of text.match(STANDALONE_16) ?? []) leaks.push(`${label}: a 16-digit number ${m}`);
          if (checkStreets) for (const m of text.match(streets) ?? []) leaks.push(`${label}: street "${m}"`);
          masked += (text.match(MASKED_NIK) ?? []).filter((m) => masks.has(m)).length;
        }
        expect([...new Set(leaks)]).toEqual([]);
        maskedSeen.set(role, masked);
        // A role that sees the NIK masked must actually have been shown masked NIKs of real citizens;
        // a scan that only collected errors proves nothing.
        if (policy.access(role, "Citizen", "nik")?.kind === "masked") expect(masked).toBeGreaterThanOrEqual(5);
        else expect(masked).toBe(0);
      });
    }

    it("the scan exercised real data: many masked NIKs of seeded citizens were returned", () => {
      const maskedRoles = LEAK_ROLES.filter((r) => policy.access(r, "Citizen", "nik")?.kind === "masked");
      expect(maskedRoles.length).toBeGreaterThanOrEqual(5);
      for (const role of maskedRoles) expect(maskedSeen.get(role), role).toBeGreaterThanOrEqual(5);
      const total = [...maskedSeen.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(500);
    });
  });
});
