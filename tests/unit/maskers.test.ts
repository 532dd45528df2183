import { describe, expect, it } from "vitest";
import { addressParts, formatAddress, maskAddress, maskBirthDate, maskNik } from "../../src/masking/maskers.ts";

describe("maskers", () => {
  it("keep the NIK's province and serial and hide the birth-date digits", () => {
    expect(maskNik("3201014501900001")).toBe("32**********0001");
    const masked = maskNik("3374115708850123");
    expect(masked).toHaveLength(16);
    // Digits 7–12 (DDMMYY, +40 for women) reveal birth date and sex: never shown.
    expect(masked.slice(6, 12)).toBe("******");
    expect(masked).not.toContain("570885");
  });

  it("never returns a short value clear", () => {
    expect(maskNik("1234")).toBe("****");
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

  it("format the full address and mask it to district and regency", () => {
    const parts = addressParts(row);
    expect(formatAddress(parts)).toBe(
      "Jl. Merdeka No. 12, RT 003/RW 005, Pakansari, Cibinong, Kabupaten Bogor, Jawa Barat",
    );
    expect(maskAddress(parts)).toBe("Cibinong, Kabupaten Bogor");
    expect(maskAddress(parts)).not.toMatch(/Merdeka|RT|Pakansari/);
  });

  it("reduce a birth date to its year", () => {
    expect(maskBirthDate(new Date("1990-01-05T00:00:00Z"))).toBe("1990-**-**");
  });
});
