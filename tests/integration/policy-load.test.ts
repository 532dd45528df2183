// The policy loader refuses anything it cannot trust, naming the file, line and problem.
import fs from "node:fs";
import path from "node:path";
import { buildSchema, extendSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { copyWith, problems, REAL_POLICIES as REAL } from "../support/policy-dir.ts";

describe("policy loading", () => {
  it("loads the committed policies", () => {
    const policy = loadPolicy(REAL, schema);
    expect(policy.roles.size).toBe(10);
    expect(policy.access("front_office", "Citizen", "nik")).toEqual({ kind: "masked", masker: "nik" });
    expect(policy.access("front_office", "Citizen", "taxRecords")).toBeUndefined();
    expect(policy.rows("tax_officer", "TaxRecord")).toBe("agency");
    expect(policy.unlocks("registry_officer", "court-order", "Citizen", "nik")).toBe(true);
    expect(policy.unlocks("front_office", "court-order", "Citizen", "nik")).toBe(false);
  });

  it("names file, line and column of a YAML syntax error", () => {
    const dir = copyWith((f, t) => (f === "roles/admin.yaml" ? t.replace("queries: [", "queries: [[") : t));
    expect(problems(dir).join("\n")).toMatch(
      /policies-?\w*\/roles\/admin\.yaml:\d+:\d+: YAML syntax|roles\/admin\.yaml:\d+:\d+: YAML syntax/,
    );
  });

  it("refuses an unknown field, type, masker, query, mutation, row rule and key", () => {
    const dir = copyWith((f, t) =>
      f === "roles/front_office.yaml"
        ? t
            .replace("clear: [id, fullName,", "clear: [id, fulName,")
            .replace("  ServiceRecord:\n    clear:", "  ServiceRecrd:\n    clear:")
            .replace("nik: nik", "nik: hide")
            .replace("queries: [citizen,", "queries: [citizenz,")
            .replace("mutations: [recordService]", "mutations: [deleteEverything]\nextra: 1")
            .replace("Citizen: region", "Citizen: agency")
        : t,
    );
    const all = problems(dir).join("\n");
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: read: Citizen has no field "fulName"/);
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: read: unknown type "ServiceRecrd"/);
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: unknown masker "hide"/);
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: queries: unknown query "citizenz"/);
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: mutations: unknown mutation "deleteEverything"/);
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: unknown key "extra"/);
    expect(all).toMatch(/rows: "agency" is not a row rule for Citizen/);
  });

  it("refuses an unknown role and a missing role file", () => {
    const dir = copyWith((_f, t) => t);
    fs.renameSync(path.join(dir, "roles", "auditor.yaml"), path.join(dir, "roles", "superuser.yaml"));
    fs.writeFileSync(path.join(dir, "roles", "superuser.yaml"), "role: superuser\nrows: {}\n");
    const all = problems(dir).join("\n");
    expect(all).toMatch(/unknown role "superuser"/);
    expect(all).toMatch(/roles\/auditor\.yaml: missing/);
  });

  it("refuses a purpose that unlocks a field the role does not see masked", () => {
    const dir = copyWith((f, t) =>
      f === "roles/front_office.yaml" ? t.replace("purposes: {}", "purposes:\n  court-order: [Citizen.fullName]") : t,
    );
    expect(problems(dir).join("\n")).toMatch(
      /purposes\.court-order: Citizen\.fullName is not a field this role sees masked/,
    );
  });

  it("refuses reading a type without saying which rows", () => {
    const dir = copyWith((f, t) => (f === "roles/front_office.yaml" ? t.replace("  ServiceRecord: region\n", "") : t));
    expect(problems(dir).join("\n")).toMatch(/ServiceRecord is readable but rows: says nothing/);
  });

  it("stops when the schema has a field that no policy names (deny by default, decided by someone)", () => {
    const extended = extendSchema(
      schema,
      parse("extend type Citizen { motherMaidenName: String } extend type Query { everything: String }"),
    );
    const all = problems(REAL, extended).join("\n");
    expect(all).toMatch(/Citizen\.motherMaidenName: no policy names this field/);
    expect(all).toMatch(/Query\.everything: no role may call this query/);
  });

  it("accepts a field listed as unreachable, and refuses an unknown one there", () => {
    const extended = extendSchema(schema, parse("extend type Citizen { motherMaidenName: String }"));
    const ok = copyWith((f, t) =>
      f === "unreachable.yaml" ? t.replace("unreachable: []", "unreachable: [Citizen.motherMaidenName]") : t,
    );
    expect(loadPolicy(ok, extended).unreachable.has("Citizen.motherMaidenName")).toBe(true);
    const bad = copyWith((f, t) =>
      f === "unreachable.yaml" ? t.replace("unreachable: []", "unreachable: [Citizen.nothing]") : t,
    );
    expect(problems(bad).join("\n")).toMatch(/unknown field "Citizen\.nothing"/);
  });

  it("ignores nothing: an unrelated schema is refused field by field", () => {
    const other = buildSchema("type Query { hello: String } type Citizen { id: ID }");
    expect(problems(REAL, other).length).toBeGreaterThan(5);
  });
});
