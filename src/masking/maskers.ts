// Pure maskers. Each keeps the value's shape so frontends keep working, and shows only parts of the
// value that a role could not use to rebuild it: what each one shows is declared in MASKER_INFO, and
// the policy loader judges it together with the role's other fields (src/policy/rebuild.ts).
import type { Part } from "../domain/parts.ts";
import { type ChangeReader, maskChanges } from "./changes.ts";

/** Keeps the characters at the given positions (0-based, [from, to) ranges) and stars the rest. */
function keepDigits(value: string, keep: ReadonlyArray<readonly [number, number]>): string {
  return [...value].map((ch, i) => (keep.some(([from, to]) => i >= from && i < to) ? ch : "*")).join("");
}

/**
 * `3201014501900007` → `32**************`: the province only. Every other digit is a part a role may
 * combine with what it reads elsewhere (district from the domicile, birth digits from the birth date
 * and sex); the province it knows from the domicile anyway.
 */
export function maskNik(nik: string): string {
  return keepDigits(nik, nik.length === 16 ? [[0, 2]] : []);
}

/**
 * `3201014501900007` → `32**********0007`: province and serial. Only for a role that cannot learn the
 * district, full birth date and sex together; the loader refuses it anywhere else.
 */
export function maskNikKeepSerial(nik: string): string {
  return keepDigits(
    nik,
    nik.length === 16
      ? [
          [0, 2],
          [12, 16],
        ]
      : [],
  );
}

/** No. KK: the province only, like the NIK (district, issue date and serial hidden). */
export const maskFamilyCardNumber = maskNik;

export interface AddressParts {
  street: string;
  rt: string;
  rw: string;
  village: string | undefined;
  district: string | undefined;
  regency: string | undefined;
  province: string | undefined;
}

export function formatAddress(a: AddressParts): string {
  return [`${a.street}, RT ${a.rt}/RW ${a.rw}`, a.village, a.district, a.regency, a.province]
    .filter((p): p is string => Boolean(p))
    .join(", ");
}

/**
 * The area only: village, district, regency, province. Street, house number and RT/RW (what finds the
 * door) are hidden. The area is the domicile, which every role that sees a masked address also reads
 * (and which its rows are scoped by), so showing a coarser area would only pretend to hide it.
 */
export function maskAddress(a: AddressParts): string {
  return [a.village, a.district, a.regency, a.province].filter((p): p is string => Boolean(p)).join(", ");
}

/** `1990-01-05` → `1990-**-**`: the birth year only. */
export function maskBirthDate(date: Date): string {
  return `${date.toISOString().slice(0, 4)}-**-**`;
}

type Named = { name: string; parent?: Named | null } | null | undefined;

/** A citizen row with the columns and region chain an address is made of. */
export interface AddressRow {
  addressStreet: string;
  addressRt: string;
  addressRw: string;
  domicile: Named;
}

export function addressParts(c: AddressRow): AddressParts {
  const village = c.domicile;
  const district = village?.parent;
  const regency = district?.parent;
  const province = regency?.parent;
  return {
    street: c.addressStreet,
    rt: c.addressRt,
    rw: c.addressRw,
    village: village?.name,
    district: district?.name,
    regency: regency?.name,
    province: province?.name,
  };
}

/**
 * What a masker names in policies/, mapped to its function; policy loading rejects any other name.
 * Each receives the clear value and the row it belongs to (the address is rebuilt from the row).
 */
export const MASKERS = {
  nik: (value: unknown) => maskNik(String(value)),
  nikKeepSerial: (value: unknown) => maskNikKeepSerial(String(value)),
  familyCard: (value: unknown) => maskFamilyCardNumber(String(value)),
  address: (_value: unknown, row: unknown) => maskAddress(addressParts(row as AddressRow)),
  birthYear: (value: unknown) => maskBirthDate(value as Date),
  /** An audit entry's `changes`, through the reader's own read policy for the entity (changes.ts). */
  changes: (value: unknown, row: unknown, reader?: ChangeReader) =>
    reader ? maskChanges(value, (row as { entityType?: string | null }).entityType ?? null, reader) : null,
} as const;

export type MaskerName = keyof typeof MASKERS;

/** The output scalars of masked fields (src/schema/scalars.ts): a masked value is not a Date or a number. */
export type MaskedScalar = "MaskableNik" | "MaskableFamilyCardNumber" | "MaskableAddress" | "MaskableDate" | "JSON";

/** What a masker returns and which parts of the value it lets through; the loader and the docs read this. */
export interface MaskerInfo {
  /** The scalar of the fields it may mask: the loader refuses it on a field of another type. */
  scalar: MaskedScalar;
  /** Parts of the value the masked form still shows (src/domain/parts.ts). */
  shows: readonly Part[];
  /** What it returns, in plain words, with an example. */
  returns: string;
}

export const MASKER_INFO: Readonly<Record<MaskerName, MaskerInfo>> = {
  nik: {
    scalar: "MaskableNik",
    shows: ["province"],
    returns: "the province digits, 14 stars: `32**************`",
  },
  nikKeepSerial: {
    scalar: "MaskableNik",
    shows: ["province", "nikSerial"],
    returns: "province and serial, 10 stars between: `32**********0007`",
  },
  familyCard: {
    scalar: "MaskableFamilyCardNumber",
    shows: ["province"],
    returns: "the province digits, 14 stars: `32**************`",
  },
  address: {
    scalar: "MaskableAddress",
    shows: ["village"],
    returns: "the area without street, house number and RT/RW: `Pakansari, Cibinong, Kabupaten Bogor, Jawa Barat`",
  },
  birthYear: {
    scalar: "MaskableDate",
    shows: ["birthYear"],
    returns: "the year, with month and day as stars: `1990-**-**`",
  },
  changes: {
    scalar: "JSON",
    shows: [],
    returns:
      "(AuditEntry.changes) each changed value as the reader's own read policy shows that field of the entity, a keyed hash where it may not read it",
  },
};
