// A stated purpose that unlocks nothing says why, in the response's `extensions.masking`: a purpose
// without a case reference, a purpose the role (or the token) does not hold, a case reference without
// a purpose. The hint is decided from headers, token and policy only, so it is the same whether the
// record asked for exists, is out of scope or not: it reveals nothing about the data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { seed } from "../../src/db/seed.ts";
import { maskNik } from "../../src/masking/maskers.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds, openTestDatabase } from "../support/db.ts";
import { type TestGateway, testGateway } from "../support/gateway.ts";

const CASE_REF = "PN-BDG-2026-001";
const Q = "query($id: ID!) { citizen(id: $id) { id nik } }";
type R = { citizen: { id: string; nik: string } | null };

describe.each(databaseKinds())("purpose hint on %s", (kind) => {
  let db: Database;
  let gw: TestGateway;
  /** A citizen of Kabupaten Bogor (in the officers' scope) and one of Kota Semarang (outside it). */
  let bogor: { id: string; nik: string };
  let semarang: { id: string };

  beforeAll(async () => {
    db = await openTestDatabase(kind);
    await seed(db.prisma, { citizens: 30 });
    gw = testGateway(db);
    const pick = async (prefix: string) => {
      const [row] = await db.query<{ id: string; nik: string }>(
        `select id, nik from "Citizen" where "domicileCode" like $1 order by id limit 1`,
        [`${prefix}.%`],
      );
      if (!row) throw new Error(`the seed has no citizen in ${prefix}`);
      return row;
    };
    bogor = await pick("32.01");
    semarang = await pick("33.74");
  });
  afterAll(async () => {
    await db?.close();
  });

  async function ask(token: string, headers: Record<string, string>, id = bogor.id) {
    const res = await gw.query<R>(Q, { token, headers, variables: { id } });
    expect(res.status, res.text).toBe(200);
    expect(res.errors, res.text).toBeUndefined();
    return res;
  }

  it("says nothing when no purpose is stated", async () => {
    const res = await ask(await tokenFor(gw, "registryBogor"), {});
    expect(res.data?.citizen?.nik).toBe(maskNik(bogor.nik));
    expect(res.extensions).toBeUndefined();
  });

  it("names the missing case reference when a purpose comes without one", async () => {
    const res = await ask(await tokenFor(gw, "registryBogor"), { "x-purpose": "court-order" });
    expect(res.data?.citizen?.nik).toBe(maskNik(bogor.nik));
    expect(res.extensions?.masking).toEqual({
      purpose: "court-order",
      applied: false,
      reason: "x-case-ref header missing: a clear value needs a case reference",
    });
  });

  it("names the missing purpose when a case reference comes alone", async () => {
    const res = await ask(await tokenFor(gw, "registryBogor"), { "x-case-ref": CASE_REF });
    expect(res.data?.citizen?.nik).toBe(maskNik(bogor.nik));
    expect(res.extensions?.masking).toEqual({
      purpose: null,
      applied: false,
      reason: "x-purpose header missing: a case reference alone unlocks nothing",
    });
  });

  it("says the role does not hold the purpose, and which purposes it does hold", async () => {
    const headers = { "x-purpose": "tax-assessment", "x-case-ref": CASE_REF };
    const registry = await ask(await tokenFor(gw, "registryBogor"), headers);
    expect(registry.data?.citizen?.nik).toBe(maskNik(bogor.nik));
    expect(registry.extensions?.masking).toEqual({
      purpose: "tax-assessment",
      applied: false,
      reason:
        'role registry_officer may not state purpose "tax-assessment": its purposes are civil-registration, court-order',
    });
    const front = await ask(await tokenFor(gw, "frontOfficeBogor"), {
      "x-purpose": "court-order",
      "x-case-ref": CASE_REF,
    });
    expect(front.data?.citizen?.nik).toBe(maskNik(bogor.nik));
    expect(front.extensions?.masking).toMatchObject({
      applied: false,
      reason: 'role front_office may not state purpose "court-order": it has none',
    });
  });

  it("says the token's purposes claim does not allow a purpose the role holds", async () => {
    const civilOnly = await gw.token("registry_officer", {
      subject: "registry-civil-only",
      region: "32.01",
      purposes: ["civil-registration"],
    });
    const res = await ask(civilOnly, { "x-purpose": "court-order", "x-case-ref": CASE_REF });
    expect(res.data?.citizen?.nik).toBe(maskNik(bogor.nik));
    expect(res.extensions?.masking).toEqual({
      purpose: "court-order",
      applied: false,
      reason: 'your token does not allow purpose "court-order": it allows civil-registration',
    });
  });

  it("with a held purpose and a case reference, says it applied and what it unlocks", async () => {
    const res = await ask(await tokenFor(gw, "registryBogor"), { "x-purpose": "court-order", "x-case-ref": CASE_REF });
    expect(res.data?.citizen?.nik).toBe(bogor.nik);
    expect(res.extensions?.masking).toEqual({
      purpose: "court-order",
      applied: true,
      unlocks: ["Citizen.familyCardNumber", "Citizen.nik"],
    });
  });

  it("gives the same hint whether the record exists, is out of scope or is missing", async () => {
    const token = await tokenFor(gw, "frontOfficeBogor");
    const headers = { "x-purpose": "court-order" };
    const query = (id: string) => gw.query<R>(Q, { token, headers, variables: { id } });
    const seen = await query(bogor.id);
    const outOfScope = await query(semarang.id);
    const missing = await query("00000000-0000-7000-8000-000000000000");
    expect(seen.data?.citizen?.id).toBe(bogor.id);
    expect(outOfScope.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(seen.extensions?.masking).toMatchObject({ applied: false });
    expect(outOfScope.extensions).toEqual(seen.extensions);
    expect(missing.extensions).toEqual(seen.extensions);
  });
});
