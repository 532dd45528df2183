// What `gerbang token` refuses, decided from the policy and what the database knows (given here, no
// I/O): a token that would silently see nothing is refused with the fix, and `token --help` tells
// each role what it needs, derived from the same policy files.
import { describe, expect, it } from "vitest";
import { devTokenProblems, type KnownCodes } from "../../src/auth/dev-token.ts";
import { token } from "../../src/cli/commands.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";

const policy = loadPolicy("policies", schema);
const ROLES = [...policy.roles.keys()].sort();
const needs = (role: string, rule: "region" | "agency") => [...(policy.role(role)?.rows.values() ?? [])].includes(rule);

const CODES: KnownCodes = {
  region: { code: "32.01", name: "Kabupaten Bogor" },
  agency: { code: "DUKCAPIL-3201", name: "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bogor" },
  regencies: [
    { code: "32.01", name: "Kabupaten Bogor" },
    { code: "32.73", name: "Kota Bandung" },
  ],
  agencies: [
    { code: "BAPENDA-3201", name: "Badan Pendapatan Daerah Kabupaten Bogor" },
    { code: "DUKCAPIL-3201", name: "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bogor" },
  ],
  agenciesIn: "32.01",
};

describe("devTokenProblems", () => {
  it("refuses an unknown role, naming the roles policies/ defines", () => {
    expect(devTokenProblems(policy, { role: "nonsense" }, CODES)).toEqual([
      `unknown role "nonsense": the roles in policies/ are ${ROLES.join(", ")}`,
    ]);
  });

  it("asks every role for exactly the claims its row rules need, with a code from the database", () => {
    for (const role of ROLES) {
      const problems = devTokenProblems(policy, { role }, CODES);
      const asked = problems.join("\n");
      expect(
        /add --region 32\.01 \(a code from the Region table, e\.g\. 32\.01 Kabupaten Bogor/.test(asked),
        role,
      ).toBe(needs(role, "region"));
      expect(
        /add --agency CODE \(a code from the Agency table; in 32\.01: BAPENDA-3201, DUKCAPIL-3201\)/.test(asked),
        role,
      ).toBe(needs(role, "agency"));
      expect(devTokenProblems(policy, { role, region: "32.01", agency: "DUKCAPIL-3201" }, CODES), role).toEqual([]);
    }
    expect(devTokenProblems(policy, { role: "front_office" }, CODES)).toEqual([
      "front_office sees Citizen, ServiceRecord rows by region: add --region 32.01 (a code from the Region table, e.g. 32.01 Kabupaten Bogor, 32.73 Kota Bandung)",
    ]);
  });

  it("refuses a region or agency the database does not have, suggesting real ones", () => {
    const missing = { ...CODES, region: null, agency: null };
    expect(devTokenProblems(policy, { role: "tax_officer", region: "99.99", agency: "NOPE-1" }, missing)).toEqual([
      "--region 99.99 is not in the Region table: use a code from it, e.g. 32.01 Kabupaten Bogor, 32.73 Kota Bandung",
      "--agency NOPE-1 is not in the Agency table: use a code from it; in 32.01: BAPENDA-3201, DUKCAPIL-3201",
    ]);
    // A role that does not need the claim still may not name a code that does not exist.
    expect(devTokenProblems(policy, { role: "admin", region: "99.99" }, missing)).toHaveLength(1);
  });

  it("refuses a purpose the role does not hold", () => {
    const request = { role: "registry_officer", region: "32.01", purposes: ["court-order", "tax-assessment"] };
    expect(devTokenProblems(policy, request, CODES)).toEqual([
      "--purpose tax-assessment: role registry_officer may not state it (its purposes are civil-registration, court-order)",
    ]);
    expect(
      devTokenProblems(policy, { role: "front_office", region: "32.01", purposes: ["court-order"] }, CODES),
    ).toEqual(["--purpose court-order: role front_office may not state it (it has none)"]);
  });

  it("without the database, still refuses what the policy alone shows cannot work", () => {
    expect(devTokenProblems(policy, { role: "front_office" }, undefined)).toEqual([
      "front_office sees Citizen, ServiceRecord rows by region: add --region CODE (a code from the Region table)",
    ]);
    expect(devTokenProblems(policy, { role: "front_office", region: "99.99" }, undefined)).toEqual([]);
  });
});

describe("gerbang token --help", () => {
  it("lists every role of policies/ once, with the claims its rows need", () => {
    const lines = token.help.split("\n").filter((l) => /^ {2}[a-z_]+(, [a-z_]+)* {2,}\S/.test(l));
    const listed = new Map<string, string>();
    for (const line of lines) {
      const [names = "", need = ""] = line.trim().split(/ {2,}/);
      for (const name of names.split(", ")) listed.set(name, need);
    }
    expect([...listed.keys()].sort()).toEqual(ROLES);
    for (const role of ROLES) {
      const need = listed.get(role) ?? "";
      expect(need.includes("--region"), role).toBe(needs(role, "region"));
      expect(need.includes("--agency"), role).toBe(needs(role, "agency"));
    }
    expect(token.help).toMatch(/--subject/);
  });
});
