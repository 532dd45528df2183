// A lookup by a full NIK is an access (issue 10): an officer who may ask "is this number someone?"
// confirms guessed numbers. Every lookup needs a stated purpose that unlocks Citizen.nik, costs a unit
// of the caller's budget, leaves an access entry found or not, and answers "not found" the same way
// for no one and for someone outside the caller's rows. Registration, which answers on the same
// uniqueness, refers the applicant to the registry without confirming the number.
import { describe, expect, it } from "vitest";
import { keyedValueHash } from "../../src/audit/hash.ts";
import { loadConfig } from "../../src/config.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { Policy, type RolePolicy } from "../../src/policy/policy.ts";
import { schema } from "../../src/schema/index.ts";
import { REGISTER, citizenInput as validCitizen } from "../support/audit-trail.ts";
import { databaseKinds } from "../support/db.ts";
import { TEST_AUDIT_KEY, type TestGateway, testConfig, testGateway } from "../support/gateway.ts";
import {
  CASE_REF,
  codes,
  type Json,
  LOOKUP_PURPOSE,
  policyAttackFixture,
  type SeededCitizen,
} from "../support/policy-attacks.ts";

/** The budget of the gateway under test: small, so that the test reaches it. */
const BUDGET = 8;
const config = loadConfig({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  AUDIT_HMAC_KEY: TEST_AUDIT_KEY,
  LOOKUP_RATE_LIMIT: `${BUDGET}/1h`,
});
const PURPOSE = LOOKUP_PURPOSE;
const BY_NIK = "query($nik: String!) { citizenByNik(nik: $nik) { id fullName } }";

type AccessRow = { kind: string; citizenId: string | null; field: string; outcome: string | null; valueHash: string };

describe.each(databaseKinds())("lookups by a full identifier on %s", (kind) => {
  const fx = policyAttackFixture(kind);
  const gateway = (): TestGateway => testGateway(fx.db, config);
  let officers = 0;
  /** A Bogor registry officer of its own (a fresh budget). */
  const officer = (gw: TestGateway, region = "32.01") =>
    gw.token("registry_officer", { region, agency: "DUKCAPIL-3201", subject: `lookup-officer-${++officers}` });
  const accessSince = async (seq: string) =>
    fx.db.query<AccessRow>(
      `SELECT "kind"::text AS kind, "citizenId", "field", "outcome"::text AS outcome, "valueHash"
         FROM "AccessEntry" WHERE "seq" > $1::bigint ORDER BY "seq"`,
      [seq],
    );
  const lastAccess = async () =>
    (await fx.db.query<{ seq: string }>(`SELECT coalesce(max("seq"), 0)::text AS seq FROM "AccessEntry"`))[0]?.seq ??
    "0";
  /** Well-formed NIKs nobody has (a Bogor district, a plausible birth date, serials from 9000). */
  const nobody = (n: number) => {
    const out: string[] = [];
    for (let serial = 9000; out.length < n; serial++) {
      const nik = `320101120590${serial}`;
      if (!fx.citizens.some((c) => c.nik === nik)) out.push(nik);
    }
    return out;
  };

  it("refuses a lookup without a purpose that unlocks Citizen.nik, before reading anything", async () => {
    const gw = gateway();
    const token = await officer(gw);
    const target = fx.bogor[0] as SeededCitizen;
    const before = await lastAccess();
    for (const headers of [
      {},
      { "x-purpose": "civil-registration" },
      { "x-case-ref": CASE_REF },
      { "x-purpose": "tax-assessment", "x-case-ref": CASE_REF },
    ]) {
      const res = await gw.query(BY_NIK, { token, variables: { nik: target.nik }, headers });
      expect(res.data, JSON.stringify(headers)).toEqual({ citizenByNik: null });
      expect(codes(res.errors), JSON.stringify(headers)).toEqual(["FORBIDDEN"]);
      expect(res.text).not.toContain(target.fullName);
      expect(res.text).not.toContain(target.id);
    }
    expect(await accessSince(before)).toEqual([]);
    // A refusal costs no budget: the same officer still has all of it.
    for (const nik of nobody(BUDGET)) {
      const res = await gw.query(BY_NIK, { token, variables: { nik }, headers: PURPOSE });
      expect(codes(res.errors)).toEqual(["NOT_FOUND"]);
    }
  });

  it("writes an access entry for every candidate, found or not, and the rate limit bites", async () => {
    const gw = gateway();
    const token = await officer(gw);
    const inScope = fx.bogor[1] as SeededCitizen;
    const outOfScope = fx.semarang[1] as SeededCitizen;
    const guesses = nobody(BUDGET - 2);
    const candidates = [inScope.nik, outOfScope.nik, ...guesses];
    const before = await lastAccess();
    const answers = [];
    for (const nik of candidates) answers.push(await gw.query(BY_NIK, { token, variables: { nik }, headers: PURPOSE }));

    const [found, outside, ...missing] = answers;
    expect(found?.errors).toBeUndefined();
    expect(found?.data).toEqual({ citizenByNik: { id: inScope.id, fullName: inScope.fullName } });
    // Someone outside the officer's rows and no one at all: the same answer, byte for byte.
    for (const m of missing) {
      expect(m.status).toBe(outside?.status);
      expect(m.text).toBe(outside?.text);
    }
    expect(codes(outside?.errors)).toEqual(["NOT_FOUND"]);
    expect(outside?.text).not.toContain(outOfScope.id);

    const entries = await accessSince(before);
    const hash = (nik: string) => keyedValueHash(testConfig.auditKey, nik);
    expect(entries).toEqual([
      { kind: "LOOKUP", citizenId: inScope.id, field: "Citizen.nik", outcome: "FOUND", valueHash: hash(inScope.nik) },
      {
        kind: "LOOKUP",
        citizenId: outOfScope.id,
        field: "Citizen.nik",
        outcome: "OUT_OF_SCOPE",
        valueHash: hash(outOfScope.nik),
      },
      ...guesses.map((nik) => ({
        kind: "LOOKUP",
        citizenId: null,
        field: "Citizen.nik",
        outcome: "NOT_FOUND",
        valueHash: hash(nik),
      })),
    ]);
    for (const e of entries) expect(JSON.stringify(e)).not.toMatch(/(?<!\d)\d{16}(?!\d)/);
    // The auditor reads the truth: the out-of-scope holder's history names the probe of their number.
    const auditor = await gw.token("auditor", { subject: "lookup-auditor" });
    const history = await gw.query<{ citizenAccessHistory: Json[] }>(
      `query($id: ID!) { citizenAccessHistory(citizenId: $id) { kind what outcome purpose caseRef } }`,
      { token: auditor, variables: { id: outOfScope.id } },
    );
    expect(history.data?.citizenAccessHistory).toContainEqual({
      kind: "LOOKED_UP",
      what: "Citizen.nik",
      outcome: "OUT_OF_SCOPE",
      purpose: "civil-registration",
      caseRef: CASE_REF,
    });

    // The budget is spent: the next candidate is refused before it is looked up, and leaves nothing.
    const afterBudget = await lastAccess();
    const refused = await gw.query(BY_NIK, { token, variables: { nik: outOfScope.nik }, headers: PURPOSE });
    expect(refused.data).toEqual({ citizenByNik: null });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
    expect(refused.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    const again = await gw.query(BY_NIK, { token, variables: { nik: guesses[0] }, headers: PURPOSE });
    expect(again.text).toBe(refused.text);
    expect(await accessSince(afterBudget)).toEqual([]);
    // The budget is the officer's own: a colleague still looks up.
    const colleague = await officer(gw);
    const theirs = await gw.query(BY_NIK, { token: colleague, variables: { nik: inScope.nik }, headers: PURPOSE });
    expect(theirs.errors).toBeUndefined();
  });

  it("counts every aliased lookup of one request", async () => {
    const gw = gateway();
    const token = await officer(gw);
    const aliases = nobody(BUDGET + 2)
      .map((nik, i) => `a${i}: citizenByNik(nik: "${nik}") { id }`)
      .join(" ");
    const before = await lastAccess();
    const res = await gw.query(`{ ${aliases} }`, { token, headers: PURPOSE });
    expect(codes(res.errors).filter((c) => c === "NOT_FOUND")).toHaveLength(BUDGET);
    expect(codes(res.errors).filter((c) => c === "RATE_LIMITED")).toHaveLength(2);
    expect(await accessSince(before)).toHaveLength(BUDGET);
  });

  it("no list is filtered or sorted by a full identifier, whatever purpose is stated", async () => {
    const gw = gateway();
    const target = fx.bogor[2] as SeededCitizen;
    const roles: Array<[string, Json]> = [
      ["registry_officer", { region: "32.01", agency: "DUKCAPIL-3201" }],
      ["front_office", { region: "32.01", agency: "DUKCAPIL-3201" }],
      ["social_officer", { region: "32.01", agency: "DINSOS-3201" }],
      ["tax_officer", { region: "32.01", agency: "BAPENDA-3201" }],
    ];
    const probes = [
      `{ citizens(where: { nik: { equals: "${target.nik}" } }) { totalCount edges { node { id } } } }`,
      `{ citizens(where: { nik: { in: ["${target.nik}"] } }) { edges { node { id } } } }`,
      `{ citizens(where: { familyCardNumber: { equals: "${target.familyCardNumber}" } }) { totalCount } }`,
      `{ citizens(orderBy: [{ field: nik }]) { edges { node { id } } } }`,
    ];
    for (const [role, claims] of roles) {
      const token = await gw.token(role, claims);
      for (const query of probes) {
        for (const headers of [{}, PURPOSE]) {
          const res = await gw.query(query, { token, headers });
          expect(codes(res.errors), `${role} ${query}`).toContain("FORBIDDEN");
          expect(res.text).not.toContain(target.id);
        }
      }
    }
    // Even under a policy that shows the registry officer NIK and family card clear: a list is no lookup.
    const shipped = loadPolicy(testConfig.policyDir, schema);
    const registry = shipped.role("registry_officer") as RolePolicy;
    const fields = new Map(registry.fields);
    for (const f of ["nik", "familyCardNumber"]) fields.set(`Citizen.${f}`, { kind: "clear" });
    const roleMap = new Map(shipped.roles).set("registry_officer", { ...registry, fields });
    const lenient = testGateway(fx.db, config, { policy: new Policy(roleMap, shipped.unreachable) });
    const token = await lenient.token("registry_officer", { region: "32.01", agency: "DUKCAPIL-3201" });
    for (const query of probes) {
      const res = await lenient.query(query, { token });
      expect(codes(res.errors), query).toContain("FORBIDDEN");
      expect(res.errors?.[0]?.message, query).toMatch(/identifies one person/);
      expect(res.text).not.toContain(target.id);
    }
  });

  it("registration of a taken NIK refers to the registry, the same answer wherever the holder lives", async () => {
    const gw = gateway();
    const token = await officer(gw);
    const register = async (holder: SeededCitizen) => {
      const [row] = await fx.db.query<{ birthDate: string; sex: string }>(
        `SELECT "birthDate"::text AS "birthDate", "sex"::text AS sex FROM "Citizen" WHERE "id" = $1`,
        [holder.id],
      );
      const input = validCitizen({ nik: holder.nik, birthDate: row?.birthDate, sex: row?.sex });
      return gw.query(REGISTER, { token, variables: { input } });
    };
    const seqBefore = (
      await fx.db.query<{ seq: string }>(`SELECT coalesce(max("seq"), 0)::text AS seq FROM "AuditEntry"`)
    )[0]?.seq;
    const inside = fx.bogor[3] as SeededCitizen;
    const outside = fx.semarang[3] as SeededCitizen;
    const a = await register(inside);
    const b = await register(outside);
    expect(a.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "input.nik", rule: "contact_registry" });
    expect(a.errors?.[0]?.message).toMatch(/civil registry/);
    expect(a.errors?.[0]?.message).not.toMatch(/already|exists|registered in/i);
    expect(b.status).toBe(a.status);
    expect(b.text).toBe(a.text);
    for (const holder of [inside, outside]) {
      for (const secret of [holder.id, holder.fullName, holder.nik]) expect(a.text + b.text).not.toContain(secret);
    }
    // The audit trail keeps the truth for auditors: whose number it was, and whether in the officer's rows.
    const rows = await fx.db.query<{ citizenId: string | null; outcome: string; changes: unknown }>(
      `SELECT "citizenId", "outcome"::text AS outcome, "changes" FROM "AuditEntry"
        WHERE "seq" > $1::bigint AND "mutation" = 'registerCitizen' ORDER BY "seq"`,
      [seqBefore],
    );
    const refused = (r: (typeof rows)[number]) =>
      (typeof r.changes === "string" ? JSON.parse(r.changes) : r.changes) as { refused: Json };
    expect(rows.map((r) => [r.citizenId, r.outcome, refused(r).refused.finding])).toEqual([
      [inside.id, "CONFLICT", "nik_registered_in_scope"],
      [outside.id, "CONFLICT", "nik_registered_out_of_scope"],
    ]);

    // Each registration takes a unit of the lookup budget: probing by registering is bounded too.
    for (let i = 2; i < BUDGET; i++) await register(outside);
    const limited = await register(outside);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED" });
    const fresh = await gw.query(REGISTER, { token, variables: { input: validCitizen() } });
    expect(codes(fresh.errors)).toEqual(["RATE_LIMITED"]);
  });
});
