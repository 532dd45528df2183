import { describe, expect, it } from "vitest";
import { buildFamilyCardNumber, buildNik, isValidNik, parseFamilyCardNumber, parseNik } from "../../src/domain/nik.ts";

const TODAY = new Date("2026-01-01T00:00:00Z");
const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe("buildNik", () => {
  it("lays out district, birth date DDMMYY and serial", () => {
    expect(buildNik({ districtCode: "32.01.01", birthDate: utc("1985-03-07"), sex: "MALE", serial: 1 })).toBe(
      "3201010703850001",
    );
  });

  it("adds 40 to the day for women", () => {
    expect(buildNik({ districtCode: "33.74.10", birthDate: utc("2001-12-31"), sex: "FEMALE", serial: 42 })).toBe(
      "3374107112010042",
    );
  });

  it("refuses input that cannot make a valid NIK", () => {
    const base = { districtCode: "32.01.01", birthDate: utc("1990-01-01"), sex: "MALE" as const, serial: 1 };
    expect(() => buildNik({ ...base, serial: 0 })).toThrow(RangeError);
    expect(() => buildNik({ ...base, serial: 10000 })).toThrow(RangeError);
    expect(() => buildNik({ ...base, serial: 1.5 })).toThrow(RangeError);
    expect(() => buildNik({ ...base, districtCode: "3201.01" })).toThrow(RangeError);
    expect(() => buildNik({ ...base, districtCode: "32.00.01" })).toThrow(RangeError);
    expect(() => buildNik({ ...base, birthDate: new Date("not a date") })).toThrow(RangeError);
  });
});

describe("parseNik", () => {
  it("round-trips men and women across both centuries", () => {
    const cases = [
      { districtCode: "32.01.01", birthDate: utc("1940-01-01"), sex: "MALE" as const, serial: 1 },
      { districtCode: "32.73.02", birthDate: utc("1999-12-31"), sex: "FEMALE" as const, serial: 9999 },
      { districtCode: "33.74.10", birthDate: utc("2000-02-29"), sex: "FEMALE" as const, serial: 17 },
      { districtCode: "51.71.03", birthDate: utc("2008-06-15"), sex: "MALE" as const, serial: 305 },
      { districtCode: "12.71.01", birthDate: utc("1964-02-29"), sex: "MALE" as const, serial: 2 },
    ];
    for (const parts of cases) {
      expect(parseNik(buildNik(parts), TODAY)).toEqual({ ok: true, ...parts });
    }
  });

  it("reads a day above 40 as a woman's birthday", () => {
    const parsed = parseNik("3201014507900003", TODAY);
    expect(parsed).toMatchObject({ ok: true, sex: "FEMALE", birthDate: utc("1990-07-05"), serial: 3 });
  });

  it("resolves the century as the latest date not after today", () => {
    expect(parseNik("3201010101250001", TODAY)).toMatchObject({ birthDate: utc("2025-01-01") });
    expect(parseNik("3201010101260001", TODAY)).toMatchObject({ birthDate: utc("2026-01-01") });
    expect(parseNik("3201010201260001", TODAY)).toMatchObject({ birthDate: utc("1926-01-02") });
    // The time of day of `today` does not matter, only its calendar date.
    expect(parseNik("3201010101260001", new Date("2026-01-01T23:59:59Z"))).toMatchObject({
      birthDate: utc("2026-01-01"),
    });
  });

  it("rejects dates that do not exist", () => {
    for (const nik of [
      "3201013002900001", // 30 February
      "3201017002900001", // 30 February, woman
      "3201017202900001", // day 72 = 32 for a woman
      "3201013201900001", // 32 January
      "3201014001900001", // day 40: neither a man's nor a woman's day
      "3201010001900001", // day 00
      "3201010113900001", // month 13
      "3201010100900001", // month 00
      "3201013104900001", // 31 April
      "3201012902010001", // 29 February 2001
    ]) {
      const parsed = parseNik(nik, TODAY);
      expect(parsed.ok, nik).toBe(false);
    }
    expect(parseNik("3201012902000001", TODAY).ok).toBe(true); // 29 February 2000
    // 29 February 1900 does not exist: "00" is 1900 for someone parsing in 1999.
    expect(parseNik("3201012902000001", utc("1999-06-01")).ok).toBe(false);
  });

  it("rejects serial 0000", () => {
    const parsed = parseNik("3201010703850000", TODAY);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(/serial/);
  });

  it("rejects anything but 16 digits", () => {
    for (const nik of [
      "",
      "320101070385000",
      "32010107038500011",
      "32010107038500a1",
      " 3201010703850001",
      "3201-10703850001",
      "３２０１０１０７０３８５０００１",
    ]) {
      const parsed = parseNik(nik, TODAY);
      expect(parsed.ok, nik).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/16 digits/);
    }
    expect(isValidNik(undefined as unknown as string, TODAY)).toBe(false);
  });

  it("rejects a 00 province, regency or district", () => {
    expect(parseNik("0001010703850001", TODAY).ok).toBe(false);
    expect(parseNik("3200010703850001", TODAY).ok).toBe(false);
    expect(parseNik("3201000703850001", TODAY).ok).toBe(false);
  });
});

describe("family-card number", () => {
  it("lays out district, issue date DDMMYY (no +40) and serial, and round-trips", () => {
    const parts = { districtCode: "32.73.01", issueDate: utc("2015-08-17"), serial: 12 };
    const kk = buildFamilyCardNumber(parts);
    expect(kk).toBe("3273011708150012");
    expect(parseFamilyCardNumber(kk, TODAY)).toEqual({ ok: true, ...parts });
  });

  it("rejects invalid issue dates and serial 0000", () => {
    expect(parseFamilyCardNumber("3273015708150012", TODAY).ok).toBe(false); // day 57
    expect(parseFamilyCardNumber("3273011708150000", TODAY).ok).toBe(false);
    expect(parseFamilyCardNumber("327301170815001", TODAY).ok).toBe(false);
  });
});
