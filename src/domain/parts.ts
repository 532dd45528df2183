// What identifying values are made of. A NIK is not a random number (src/domain/nik.ts): it is a
// district, a birth date with the sex folded in, and a serial. Whoever knows every part of a value
// knows the value, however it was masked; so masks are judged by the parts a role can learn, from the
// mask itself and from every other field it reads (src/policy/rebuild.ts).

/** The facts about a citizen that the masked values are built from, in plain words for reviewers. */
export const PART_NAMES = {
  province: "province",
  regency: "regency",
  district: "district",
  village: "village",
  street: "street, house number and RT/RW",
  birthYear: "birth year",
  birthDayMonth: "day and month of birth",
  sex: "sex",
  nikSerial: "NIK serial (digits 13–16)",
  familyCardIssueDate: "family-card issue date",
  familyCardSerial: "family-card serial (digits 13–16)",
  changedValues: "the values an audit entry recorded as changed",
} as const;

export type Part = keyof typeof PART_NAMES;

/** Knowing a region means knowing the regions above it. */
const INSIDE: Partial<Record<Part, Part>> = { village: "district", district: "regency", regency: "province" };

/** `part` and every part it implies (a village implies its district, regency and province). */
export function withImplied(part: Part): Part[] {
  const out: Part[] = [part];
  for (let p = INSIDE[part]; p; p = INSIDE[p]) out.push(p);
  return out;
}

/**
 * The parts of each value. Digits 1–6 of a NIK are the district of *first registration*, which is
 * not always the domicile; but it is for most people (87 % of region 32.01 in issue 10), so an
 * attacker who knows the domicile district is taken to know them.
 */
export const NIK_PARTS: readonly Part[] = ["district", "birthYear", "birthDayMonth", "sex", "nikSerial"];
/** No. KK: district where the card was issued (the household's), issue date, serial. */
export const FAMILY_CARD_PARTS: readonly Part[] = ["district", "familyCardIssueDate", "familyCardSerial"];
/** The full address: what finds the door (street, house number, RT/RW) and the village it is in. */
export const ADDRESS_PARTS: readonly Part[] = ["street", "village"];
export const BIRTH_DATE_PARTS: readonly Part[] = ["birthYear", "birthDayMonth"];
