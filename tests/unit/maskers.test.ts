import { describe, expect, it } from "vitest";
import {
  addressParts,
  formatAddress,
  MASKER_INFO,
  MASKERS,
  maskAddress,
  maskBirthDate,
  maskFamilyCardNumber,
  maskNik,
  maskNikKeepSerial,
} from "../../src/masking/maskers.ts";

describe("maskers", () => {
  it("keep only the NIK's province by default: district, birth digits and serial are hidden", () => {
    expect(maskNik("3201014501900007")).toBe("32**************");
    expect(maskFamilyCardNumber("3201011502150012")).toBe("32**************");
  });

  it("nikKeepSerial keeps province and serial and hides the district and birth-date digits", () => {
    const masked = maskNikKeepSerial("3374115708850123");
    expect(masked).toBe("33**********0123");
    // Digits 7–12 (DDMMYY, +40 for women) reveal birth date and sex: never shown.
    expect(masked.slice(6, 12)).toBe("******");
  });

  it("never returns a malformed value clear", () => {
    expect(maskNik("1234")).toBe("****");
    expect(maskNikKeepSerial("32010145019000071")).toBe("*".repeat(17));
  });

  it("show exactly what MASKER_INFO declares (the loader judges masks by it)", () => {
    const nik = "3201014501900007";
    const shown = (m: string) => [...m].filter((c) => c !== "*").join("");
    expect(shown(MASKERS.nik(nik))).toBe("32"); // province
    expect(MASKER_INFO.nik.shows).toEqual(["province"]);
    expect(shown(MASKERS.nikKeepSerial(nik))).toBe("320007"); // province, serial
    expect(MASKER_INFO.nikKeepSerial.shows).toEqual(["province", "nikSerial"]);
    expect(shown(MASKERS.familyCard(nik))).toBe("32");
    expect(MASKER_INFO.familyCard.shows).toEqual(["province"]);
    expect(MASKERS.birthYear(new Date("1990-01-05T00:00:00Z"))).toBe("1990-**-**");
    expect(MASKER_INFO.birthYear.shows).toEqual(["birthYear"]);
    expect(MASKER_INFO.address.shows).toEqual(["village"]);
  });

  const row = {
    addressStreet: "Jl. Merdeka No. 12",
    addressRt: "003",
    addressRw: "005",
    domicile: {
      name: "Pakansari",
      parent: { name: "Cibinong", parent: { name: "Kabupaten Bogor", parent: { name: "Jawa Barat" } } },
    },
  };

  it("format the full address and mask it to the area (village and up)", () => {
    const parts = addressParts(row);
    expect(formatAddress(parts)).toBe(
      "Jl. Merdeka No. 12, RT 003/RW 005, Pakansari, Cibinong, Kabupaten Bogor, Jawa Barat",
    );
    expect(maskAddress(parts)).toBe("Pakansari, Cibinong, Kabupaten Bogor, Jawa Barat");
    expect(maskAddress(parts)).not.toMatch(/Merdeka|RT|RW|12/);
  });

  it("reduce a birth date to its year", () => {
    expect(maskBirthDate(new Date("1990-01-05T00:00:00Z"))).toBe("1990-**-**");
  });
});
