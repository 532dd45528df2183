// The loader judges masks together, per role (issue 10): a crafted role whose clear and masked fields
// rebuild a masked value stops start-up with a message naming the role and the fields. Each crafted
// role is one edit of a real policy file, so the test also shows which single change would be unsafe.
import { describe, expect, it } from "vitest";
import { MASKER_INFO, type MaskerInfo } from "../../src/masking/maskers.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { schema } from "../../src/schema/index.ts";
import { copyWith, problems, REAL_POLICIES } from "../support/policy-dir.ts";

/** A copy of the real policies with one role file edited. */
const editing = (role: string, edit: (text: string) => string) =>
  copyWith((file, text) => (file === `roles/${role}.yaml` ? edit(text) : text));

/** The real masker catalogue plus maskers that show too much (what a careless future masker might do). */
const WITH_LEAKY_MASKERS: Record<string, MaskerInfo> = {
  ...MASKER_INFO,
  familyCardKeepDateAndSerial: {
    scalar: "MaskableFamilyCardNumber",
    shows: ["familyCardIssueDate", "familyCardSerial"],
    returns: "issue date and serial: `******150215****`",
  },
  addressStreetOnly: {
    scalar: "MaskableAddress",
    shows: ["street"],
    returns: "street, house number and RT/RW, without the area",
  },
};

describe("masks are judged together, per role", () => {
  it("the shipped roles pass: no role can rebuild a value it sees masked", () => {
    expect(() => loadPolicy(REAL_POLICIES, schema)).not.toThrow();
  });

  it("refuses issue 10's social officer: birth date, sex and domicile clear, NIK masked with its serial shown", () => {
    const dir = editing("social_officer", (t) => t.replace("      nik: nik\n", "      nik: nikKeepSerial\n"));
    const found = problems(dir);
    expect(found).toHaveLength(1);
    const [message] = found;
    expect(message).toMatch(
      /^gerbang-policy-\w+\/roles\/social_officer\.yaml: role social_officer: Citizen\.nik is masked/,
    );
    expect(message).toContain('masked with "nikKeepSerial" but can be rebuilt from');
    for (const field of ["Citizen.birthDate", "Citizen.sex", "Citizen.domicileCode", "Citizen.domicile"])
      expect(message).toContain(field);
    expect(message).toContain("NIK serial (digits 13–16) ← its own mask");
    expect(message).toContain("district ← Citizen.domicileCode or Citizen.domicile");
  });

  it("accepts the same masker for a role that cannot learn the birth date and sex (tax officer)", () => {
    const dir = editing("tax_officer", (t) => t.replace("      nik: nik\n", "      nik: nikKeepSerial\n"));
    expect(loadPolicy(dir, schema).access("tax_officer", "Citizen", "nik")).toEqual({
      kind: "masked",
      masker: "nikKeepSerial",
    });
  });

  it("refuses a role that reads the NIK clear but the birth date masked (digits 7–12 are the birth date)", () => {
    const dir = editing("front_office", (t) =>
      t.replace("clear: [id, fullName,", "clear: [id, nik, fullName,").replace("      nik: nik\n", ""),
    );
    const [message, ...rest] = problems(dir);
    expect(rest).toEqual([]);
    expect(message).toMatch(/role front_office: Citizen\.birthDate is masked with "birthYear" but can be rebuilt from/);
    expect(message).toContain("day and month of birth ← Citizen.nik");
  });

  it("refuses a family-card mask that shows the issue date and serial to a role that reads the domicile", () => {
    const dir = editing("front_office", (t) =>
      t.replace("familyCardNumber: familyCard", "familyCardNumber: familyCardKeepDateAndSerial"),
    );
    const [message, ...rest] = problems(dir, schema, { maskers: WITH_LEAKY_MASKERS });
    expect(rest).toEqual([]);
    expect(message).toMatch(
      /role front_office: Citizen\.familyCardNumber is masked with "familyCardKeepDateAndSerial"/,
    );
    expect(message).toContain("Citizen.domicileCode");
    expect(message).toContain("family-card issue date ← its own mask");
  });

  it("refuses an address mask that shows the street to a role that reads the domicile", () => {
    const dir = editing("licensing_officer", (t) => t.replace("address: address", "address: addressStreetOnly"));
    const [message, ...rest] = problems(dir, schema, { maskers: WITH_LEAKY_MASKERS });
    expect(rest).toEqual([]);
    expect(message).toMatch(/role licensing_officer: Citizen\.address is masked with "addressStreetOnly"/);
    expect(message).toContain("village ← Citizen.domicileCode or Citizen.domicile");
  });

  it("judges the same leaky address mask safe for a role that reads no domicile (the rule, not the name)", () => {
    const dir = editing("licensing_officer", (t) =>
      t.replace("address: address", "address: addressStreetOnly").replace("domicileCode, domicile, ", ""),
    );
    expect(
      loadPolicy(dir, schema, { maskers: WITH_LEAKY_MASKERS }).access("licensing_officer", "Citizen", "address"),
    ).toEqual({ kind: "masked", masker: "addressStreetOnly" });
  });

  it("refuses a masker whose output the field's type does not declare, and masking a field it cannot judge", () => {
    const dir = editing("front_office", (t) =>
      t
        .replace("birthDate: birthYear", "birthDate: nik")
        .replace("clear: [id, fullName,", "clear: [id,")
        .replace("      address: address\n", "      address: address\n      fullName: nik\n"),
    );
    const all = problems(dir).join("\n");
    expect(all).toMatch(
      /front_office\.yaml:\d+:\d+: masker "nik" returns a MaskableNik, but Citizen\.birthDate is a MaskableDate/,
    );
    expect(all).toMatch(/front_office\.yaml:\d+:\d+: read: Citizen\.fullName cannot be masked/);
  });
});
