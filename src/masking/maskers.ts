import { type ChangeReader, maskChanges } from "./changes.ts";

// Pure maskers. Each keeps the value's shape so frontends keep working, and hides exactly what
// identifies a person: the birth-date digits (7–12) of a NIK, the street of an address.

/** `3201014501900001` → `32**********0001`: province and serial stay, everything between is hidden. */
export function maskNik(nik: string): string {
  if (nik.length < 6) return "*".repeat(nik.length);
  return nik.slice(0, 2) + "*".repeat(nik.length - 6) + nik.slice(-4);
}

/** Family-card numbers carry the same region + date structure as a NIK and are masked alike. */
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

/** Only the district and regency names: enough for a frontend to group by area, not to find a house. */
export function maskAddress(a: AddressParts): string {
  return [a.district, a.regency].filter((p): p is string => Boolean(p)).join(", ");
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
  familyCard: (value: unknown) => maskFamilyCardNumber(String(value)),
  address: (_value: unknown, row: unknown) => maskAddress(addressParts(row as AddressRow)),
  birthYear: (value: unknown) => maskBirthDate(value as Date),
  /** An audit entry's `changes`, through the reader's own read policy for the entity (changes.ts). */
  changes: (value: unknown, row: unknown, reader?: ChangeReader) =>
    reader ? maskChanges(value, (row as { entityType?: string | null }).entityType ?? null, reader) : null,
} as const;

export type MaskerName = keyof typeof MASKERS;
