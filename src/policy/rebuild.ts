// Masks are judged together, per role. A mask hides a value only if the role cannot learn every part
// of it elsewhere: a social officer who reads the birth date, the sex and the domicile clear, and the
// NIK with its serial shown, has all four parts of the NIK (issue 10: 87 % of a region rebuilt). The
// loader runs this for every role at start-up and refuses a role that can rebuild a masked value.
import {
  ADDRESS_PARTS,
  BIRTH_DATE_PARTS,
  FAMILY_CARD_PARTS,
  NIK_PARTS,
  PART_NAMES,
  type Part,
  withImplied,
} from "../domain/parts.ts";
import type { MaskerInfo } from "../masking/maskers.ts";
import type { FieldAccess } from "./policy.ts";

/** The values a policy may mask (`Type.field`), and the parts each is made of. */
export const MASKABLE: Readonly<Record<string, readonly Part[]>> = {
  "Citizen.nik": NIK_PARTS,
  "Citizen.familyCardNumber": FAMILY_CARD_PARTS,
  "Citizen.address": ADDRESS_PARTS,
  "Citizen.birthDate": BIRTH_DATE_PARTS,
  // Its masker shows each value as the reader's own read policy does, so it adds no part the
  // reader does not already have; the values themselves stay the hidden part.
  "AuditEntry.changes": ["changedValues"],
};

/**
 * What a field read clear gives away. A maskable value read clear gives all its parts; the domicile
 * (code or region) gives the village and so the district, regency and province. A field not listed
 * gives no part (names, occupations, statuses).
 */
export const GIVES: Readonly<Record<string, readonly Part[]>> = {
  ...MASKABLE,
  "Citizen.sex": ["sex"],
  "Citizen.domicileCode": ["village"],
  "Citizen.domicile": ["village"],
};

/** Where a role learns one part: a field it reads clear, or the mask of a field it reads masked. */
export interface Source {
  part: Part;
  /** `Type.field` */
  field: string;
  /** The masker, when the part is shown by a mask. */
  masker?: string;
}

/** Every part a role can learn, with where it learns it. */
export function learnable(
  fields: ReadonlyMap<string, FieldAccess>,
  maskers: Readonly<Record<string, MaskerInfo>>,
): Map<Part, Source[]> {
  const out = new Map<Part, Source[]>();
  const add = (given: readonly Part[], source: Omit<Source, "part">) => {
    for (const part of given.flatMap(withImplied)) {
      const list = out.get(part) ?? [];
      if (!list.some((s) => s.field === source.field)) list.push({ part, ...source });
      out.set(part, list);
    }
  };
  for (const [field, access] of fields) {
    if (access.kind === "clear") add(GIVES[field] ?? [], { field });
    else add(maskers[access.masker]?.shows ?? [], { field, masker: access.masker });
  }
  return out;
}

/** A masked value the role can rebuild, and where each of its parts comes from. */
export interface Rebuild {
  /** `Type.field` */
  field: string;
  masker: string;
  /** Every source of every part (a part may come from several fields: all must go to hide it). */
  from: Source[];
}

/** The masked values of one role that its other fields (and the masks themselves) give back. */
export function rebuilds(
  fields: ReadonlyMap<string, FieldAccess>,
  maskers: Readonly<Record<string, MaskerInfo>>,
): Rebuild[] {
  const known = learnable(fields, maskers);
  const out: Rebuild[] = [];
  for (const [field, access] of fields) {
    const parts = MASKABLE[field];
    if (access.kind !== "masked" || !parts) continue;
    if (!parts.every((p) => known.has(p))) continue;
    out.push({ field, masker: access.masker, from: parts.flatMap((p) => known.get(p) ?? []) });
  }
  return out;
}

/** The loader's message for a rebuild: the role, the masked field, the fields that rebuild it, the way out. */
export function rebuildMessage(role: string, r: Rebuild): string {
  const others = [...new Set(r.from.filter((s) => s.field !== r.field).map((s) => s.field))];
  const parts = [...new Set(r.from.map((s) => s.part))];
  const how = parts
    .map((part) => {
      const from = r.from
        .filter((s) => s.part === part)
        .map((s) => (s.field === r.field ? "its own mask" : s.masker ? `${s.field} (masked "${s.masker}")` : s.field));
      return `${PART_NAMES[part]} ← ${from.join(" or ")}`;
    })
    .join("; ");
  const ownMask = r.from.some((s) => s.field === r.field) ? " and its own mask" : "";
  return (
    `role ${role}: ${r.field} is masked with "${r.masker}" but can be rebuilt from ${others.join(", ")}${ownMask} ` +
    `(${how}). Masks are judged together (policies/README.md): stop granting the fields behind one part, ` +
    "or choose a masker that shows less."
  );
}

/** For the matrix: which parts of a masked value the role learns, and which stay hidden. */
export function partsSummary(
  field: string,
  fields: ReadonlyMap<string, FieldAccess>,
  maskers: Readonly<Record<string, MaskerInfo>>,
): { known: Part[]; hidden: Part[] } {
  const known = learnable(fields, maskers);
  const parts = MASKABLE[field] ?? [];
  return { known: parts.filter((p) => known.has(p)), hidden: parts.filter((p) => !known.has(p)) };
}
