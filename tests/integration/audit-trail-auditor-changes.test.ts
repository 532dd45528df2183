// The audit trail, 3: what an auditor reads inside AuditEntry.changes (issue 10). Auditors must tell
// who changed what and when, but their policy grants no Citizen field, so the values themselves come
// through that policy: keyed hashes (the same value, the same hash), never a clear name, birth date,
// religion or domicile. A court order with a case reference shows them as stored, and that reveal
// is an access entry like any other; NIK, family-card number and street stay hashed even then.
import { beforeAll, describe, expect, it } from "vitest";
import { keyedValueHash } from "../../src/audit/hash.ts";
import {
  auditTrailFixture,
  CHANGE_ADDRESS,
  CORRECT,
  citizenInput,
  expectOk,
  type Json,
  KEY,
} from "../support/audit-trail.ts";
import { databaseKinds } from "../support/db.ts";

const HASH = /^hmac:[0-9a-f]{32}$/;
const COURT = { "x-purpose": "court-order", "x-case-ref": "PN-BGR-2026-31" };
type Change = { before: unknown; after: unknown };
type Entries = { auditEntries: { edges: Array<{ node: { event: string; changes: Record<string, Change | Json> } }> } };

describe.each(databaseKinds())("the auditor's view of changes on %s", (kind) => {
  const fx = auditTrailFixture(kind);
  let auditor: string;
  let id: string;
  let input: ReturnType<typeof citizenInput>;
  /** Clear values of the scenario that no auditor may read without a court order. */
  let secrets: string[];

  const read = (headers: Record<string, string> = {}) =>
    fx.gw.query<Entries>(
      `query($c: String!) { auditEntries(first: 50, where: { citizenId: $c }) { edges { node { event changes } } } }`,
      { token: auditor, variables: { c: id }, headers },
    );
  const accessCount = async () =>
    Number((await fx.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM "AccessEntry"`))[0]?.n);
  const byEvent = (res: Awaited<ReturnType<typeof read>>, event: string) =>
    expectOk(res, event).auditEntries.edges.find((e) => e.node.event === event)?.node.changes ?? {};

  beforeAll(async () => {
    auditor = await fx.gw.token("auditor", { subject: "inspektorat-changes" });
    input = citizenInput({ fullName: "Siti Rahmawati Kusuma", birthPlace: "Cibinong", religion: "CATHOLIC" });
    id = expectOk(await fx.register(input), "register").registerCitizen.id;
    const corrected = expectOk(
      await fx.gw.query<{ correctCitizen: { version: number } }>(CORRECT, {
        token: fx.registry,
        variables: {
          input: { id, version: 1, fullName: "Siti Rahmawati", religion: "ISLAM", occupation: "Guru Honorer" },
        },
      }),
      "correct",
    );
    expectOk(
      await fx.gw.query(CHANGE_ADDRESS, {
        token: fx.registry,
        variables: {
          input: {
            id,
            version: corrected.correctCitizen.version,
            addressStreet: "Jl. Kenanga 12",
            addressRt: "002",
            addressRw: "005",
            domicileCode: "32.01.01.1004",
          },
        },
      }),
      "move",
    );
    secrets = [
      "Siti Rahmawati",
      "Cibinong",
      "1988-02-14",
      "CATHOLIC",
      "ISLAM",
      "Guru Honorer",
      String(input.occupation),
      "32.01.01.1003",
      "32.01.01.1004",
      input.nik,
      input.familyCardNumber,
      input.addressStreet,
      "Jl. Kenanga 12",
    ];
  });

  it("shows who changed which fields, with every value a keyed hash", async () => {
    const before = await accessCount();
    const res = await read();
    for (const secret of secrets) expect(res.text, secret).not.toContain(secret);
    const registered = byEvent(res, "CITIZEN_REGISTERED") as Record<string, Change>;
    const corrected = byEvent(res, "CITIZEN_CORRECTED") as Record<string, Change>;
    const moved = byEvent(res, "CITIZEN_ADDRESS_CHANGED") as Record<string, Change>;
    // Which fields changed stays readable: that is what auditing needs.
    expect(Object.keys(corrected).sort()).toEqual(["fullName", "occupation", "religion"]);
    expect(Object.keys(moved).sort()).toEqual(["addressRt", "addressRw", "addressStreet", "domicileCode"]);
    for (const change of [registered, corrected, moved].flatMap((c) => Object.values(c))) {
      for (const value of [change.before, change.after]) if (value !== null) expect(value).toMatch(HASH);
    }
    // The same value has the same hash in every entry: an auditor follows it without reading it.
    expect(corrected.fullName?.before).toBe(registered.fullName?.after);
    expect(moved.domicileCode?.before).toBe(registered.domicileCode?.after);
    expect(corrected.fullName?.after).not.toBe(corrected.fullName?.before);
    // Reading the trail reveals nothing, so it writes no access entry.
    expect(await accessCount()).toBe(before);
  });

  it("a purpose without a case reference, or one the auditor does not hold, shows hashes still", async () => {
    const before = await accessCount();
    for (const headers of [
      { "x-purpose": "court-order" },
      { "x-purpose": "civil-registration", "x-case-ref": "X-1" },
    ]) {
      const res = await read(headers);
      for (const secret of secrets) expect(res.text, `${JSON.stringify(headers)} ${secret}`).not.toContain(secret);
      expect(res.extensions?.masking).toMatchObject({ applied: false });
    }
    expect(await accessCount()).toBe(before);
  });

  it("a court order with a case reference shows the values as stored, and is logged", async () => {
    const res = await read(COURT);
    const registered = byEvent(res, "CITIZEN_REGISTERED") as Record<string, Change>;
    const corrected = byEvent(res, "CITIZEN_CORRECTED") as Record<string, Change>;
    expect(registered.fullName?.after).toBe("Siti Rahmawati Kusuma");
    expect(registered.birthDate?.after).toBe("1988-02-14T00:00:00.000Z");
    expect(registered.religion?.after).toBe("CATHOLIC");
    expect(registered.domicileCode?.after).toBe("32.01.01.1003");
    expect(corrected.religion).toEqual({ before: "CATHOLIC", after: "ISLAM" });
    // Stored as keyed hashes, so not even a court order reads them here.
    for (const column of ["nik", "familyCardNumber", "addressStreet", "addressRt", "addressRw"]) {
      expect(registered[column]?.after, column).toMatch(HASH);
    }
    for (const clear of [input.nik, input.familyCardNumber, input.addressStreet]) expect(res.text).not.toContain(clear);
    expect(res.extensions?.masking).toEqual({
      purpose: "court-order",
      applied: true,
      unlocks: ["AuditEntry.changes"],
    });
    const entries = await fx.db.query<Json>(
      `SELECT "actor", "role", "kind"::text AS kind, "citizenId", "field", "purpose", "caseRef"
         FROM "AccessEntry" WHERE "field" = 'AuditEntry.changes'`,
    );
    expect(entries).toEqual([
      {
        actor: "inspektorat-changes",
        role: "auditor",
        kind: "REVEAL",
        citizenId: id,
        field: "AuditEntry.changes",
        purpose: "court-order",
        caseRef: "PN-BGR-2026-31",
      },
    ]);
    // The citizen's own history names the auditor's reveal.
    const history = await fx.gw.query<{ citizenAccessHistory: Array<{ kind: string; what: string; actor: string }> }>(
      `query($id: ID!) { citizenAccessHistory(citizenId: $id) { kind what actor } }`,
      { token: auditor, variables: { id } },
    );
    expect(expectOk(history, "history").citizenAccessHistory).toContainEqual({
      kind: "REVEALED",
      what: "AuditEntry.changes",
      actor: "inspektorat-changes",
    });
  });

  it("the keyed hashes in changes are not those of another key", async () => {
    const registered = byEvent(await read(), "CITIZEN_REGISTERED") as Record<string, Change>;
    expect(registered.fullName?.after).toBe(keyedValueHash(KEY, "Siti Rahmawati Kusuma"));
    expect(registered.fullName?.after).not.toBe(keyedValueHash(`${KEY}-other`, "Siti Rahmawati Kusuma"));
  });
});
