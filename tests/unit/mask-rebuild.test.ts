// The rule behind the loader's mask check, on hand-made field grants (no policy files, no I/O).
import { describe, expect, it } from "vitest";
import { MASKER_INFO, type MaskerName } from "../../src/masking/maskers.ts";
import type { FieldAccess } from "../../src/policy/policy.ts";
import { learnable, partsSummary, rebuilds } from "../../src/policy/rebuild.ts";

const clear: FieldAccess = { kind: "clear" };
const masked = (masker: MaskerName): FieldAccess => ({ kind: "masked", masker });
const grants = (entries: Array<[string, FieldAccess]>) => new Map(entries);

describe("masks judged together", () => {
  it("a NIK is rebuilt when district, birth date, sex and serial are all learnable", () => {
    const role = grants([
      ["Citizen.nik", masked("nikKeepSerial")],
      ["Citizen.birthDate", clear],
      ["Citizen.sex", clear],
      ["Citizen.domicileCode", clear],
    ]);
    const [found, ...rest] = rebuilds(role, MASKER_INFO);
    expect(rest).toEqual([]);
    expect(found?.field).toBe("Citizen.nik");
    expect(new Set(found?.from.map((s) => s.field))).toEqual(
      new Set(["Citizen.nik", "Citizen.birthDate", "Citizen.sex", "Citizen.domicileCode"]),
    );
  });

  it("one hidden part is enough: without the sex, or with the province-only mask, nothing is rebuilt", () => {
    const base: Array<[string, FieldAccess]> = [
      ["Citizen.birthDate", clear],
      ["Citizen.domicileCode", clear],
    ];
    expect(rebuilds(grants([...base, ["Citizen.nik", masked("nikKeepSerial")]]), MASKER_INFO)).toEqual([]);
    expect(rebuilds(grants([...base, ["Citizen.sex", clear], ["Citizen.nik", masked("nik")]]), MASKER_INFO)).toEqual(
      [],
    );
  });

  it("a village implies its district, regency and province; a masked address shows the village", () => {
    const known = learnable(grants([["Citizen.address", masked("address")]]), MASKER_INFO);
    expect([...known.keys()].sort()).toEqual(["district", "province", "regency", "village"]);
    expect(partsSummary("Citizen.nik", grants([["Citizen.address", masked("address")]]), MASKER_INFO)).toEqual({
      known: ["district"],
      hidden: ["birthYear", "birthDayMonth", "sex", "nikSerial"],
    });
  });

  it("a value read clear gives all its parts: a clear NIK rebuilds a masked birth date", () => {
    const found = rebuilds(
      grants([
        ["Citizen.nik", clear],
        ["Citizen.birthDate", masked("birthYear")],
      ]),
      MASKER_INFO,
    );
    expect(found.map((r) => r.field)).toEqual(["Citizen.birthDate"]);
  });
});
