// The curious officer of issue 10, written out: given everything a role was shown about one citizen
// (clear and masked fields, as the gateway answered them) and the public region list, rebuild each
// masked value the way a person with a spreadsheet would. Written independently of src/policy and
// src/masking on purpose: it attacks the answers, not the rule that is meant to prevent the attack.

/** What the gateway answered about one citizen, merged over every path the role reached them by. */
export type Seen = Record<string, unknown>;

/** The true values, read from the database. */
export interface Truth {
  nik: string;
  familyCardNumber: string;
  birthDate: string;
  addressStreet: string;
  addressRt: string;
  addressRw: string;
}

/** Public reference data every officer may read: region code ↔ name. */
export interface RegionIndex {
  /** "Cibinong|Kabupaten Bogor" (district name | regency name) → "32.01.01". */
  districtByNames: Map<string, string>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Digits 1–6 of a NIK or No. KK as the attacker guesses them: the domicile district. */
function districtDigits(seen: Seen, regions: RegionIndex): string | undefined {
  const domicile = seen.domicile as { code?: unknown } | null | undefined;
  const code = str(seen.domicileCode) ?? str(domicile?.code);
  if (code) return code.split(".").slice(0, 3).join("");
  // A masked or clear address names the area; the region list turns names into a code.
  const parts = str(seen.address)?.split(", ") ?? [];
  for (let i = 0; i + 1 < parts.length; i++) {
    const district = regions.districtByNames.get(`${parts[i]}|${parts[i + 1]}`);
    if (district) return district.replaceAll(".", "");
  }
  return undefined;
}

/** The characters a masked (or clear) number shows, `undefined` where it hides one. */
function shown(value: unknown, length: number): Array<string | undefined> {
  const s = str(value) ?? "";
  return Array.from({ length }, (_, i) => (s[i] && /\d/.test(s[i] as string) ? s[i] : undefined));
}

function fill(digits: Array<string | undefined>, from: number, text: string | undefined): void {
  if (!text) return;
  for (let i = 0; i < text.length; i++) digits[from + i] ??= text[i];
}

const complete = (digits: Array<string | undefined>): string | undefined =>
  digits.every((d) => d !== undefined) ? digits.join("") : undefined;

/** DDMMYY of a NIK from a full birth date and the sex (women: day + 40). */
function birthDigits(seen: Seen): string | undefined {
  const date = str(seen.birthDate);
  const sex = str(seen.sex);
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || (sex !== "MALE" && sex !== "FEMALE")) return undefined;
  const [y, m, d] = date.split("-") as [string, string, string];
  const day = Number(d) + (sex === "FEMALE" ? 40 : 0);
  return `${String(day).padStart(2, "0")}${m}${y.slice(2)}`;
}

export interface Rebuilt {
  field: string;
  value: string;
}

/** Every masked value the attacker rebuilt exactly (compared with the truth). */
export function rebuildAttack(seen: Seen, truth: Truth, regions: RegionIndex, masked: Set<string>): Rebuilt[] {
  const out: Rebuilt[] = [];
  const district = districtDigits(seen, regions);

  if (masked.has("nik") && seen.nik) {
    const nik = shown(seen.nik, 16);
    fill(nik, 0, district);
    fill(nik, 6, birthDigits(seen));
    const guess = complete(nik);
    if (guess === truth.nik) out.push({ field: "nik", value: guess });
  }

  if (masked.has("familyCardNumber") && seen.familyCardNumber) {
    // No. KK: district + issue date + serial. The issue date is shown nowhere but in the number.
    const kk = shown(seen.familyCardNumber, 16);
    fill(kk, 0, district);
    const guess = complete(kk);
    if (guess === truth.familyCardNumber) out.push({ field: "familyCardNumber", value: guess });
  }

  if (masked.has("birthDate") && seen.birthDate) {
    // Year from the mask; day, month (and the year's last digits) from whatever NIK digits are shown.
    const year = str(seen.birthDate)?.slice(0, 4);
    const nik = shown(seen.nik, 16);
    const [d1, d2, m1, m2] = nik.slice(6, 10);
    if (year && /^\d{4}$/.test(year) && d1 && d2 && m1 && m2) {
      const nikDay = Number(d1 + d2);
      const day = nikDay > 40 ? nikDay - 40 : nikDay;
      const guess = `${year}-${m1}${m2}-${String(day).padStart(2, "0")}`;
      if (guess === truth.birthDate) out.push({ field: "birthDate", value: guess });
    }
  }

  if (masked.has("address") && seen.address) {
    // The house is found by street and RT/RW; the area alone finds a village, not a door.
    const text = JSON.stringify(seen);
    const rt = `RT ${truth.addressRt}/RW ${truth.addressRw}`;
    if (text.includes(truth.addressStreet) && text.includes(rt))
      out.push({ field: "address", value: `${truth.addressStreet}, ${rt}` });
  }
  return out;
}
