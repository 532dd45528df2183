// The `changes` masker: an audit entry's before/after values shown to a reader through the reader's
// own read policy for the entity the entry is about. A value the reader reads clear stays clear, one
// it reads masked gets its masker, and one it may not read at all becomes a keyed hash (the same
// value gives the same hash, so a reader can still follow a value from entry to entry without
// seeing it). NIK, family-card number and street are stored hashed already and stay so.
import { SENSITIVE_COLUMNS } from "../audit/events.ts";

/** How the reader sees a field, and the two ways of hiding a value from it. */
export interface ChangeReader {
  access(type: string, field: string): { kind: "clear" } | { kind: "masked"; masker: string } | undefined;
  /** The value through the named masker; undefined when that masker cannot take it. */
  mask(masker: string, value: string): string | undefined;
  hash(value: string): string | null;
}

/** Columns stored under another field's name: the address is made of street and RT/RW. */
const ADDRESS_COLUMNS = new Set(["addressStreet", "addressRt", "addressRw"]);

/** The field a column is read as: itself, its relation (`citizenId` → `citizen`) or the address. */
function accessOf(reader: ChangeReader, type: string, column: string) {
  const candidates = [column, column.replace(/(Id|Code)$/, ""), ...(ADDRESS_COLUMNS.has(column) ? ["address"] : [])];
  for (const field of candidates) {
    const access = reader.access(type, field);
    if (access) return access;
  }
  return undefined;
}

function isChange(value: unknown): value is { before: unknown; after: unknown } {
  return value !== null && typeof value === "object" && "before" in value && "after" in value;
}

/** `changes` of an entry about `entityType`, as `reader` may see them. */
export function maskChanges(changes: unknown, entityType: string | null, reader: ChangeReader): unknown {
  if (changes === null || typeof changes !== "object" || Array.isArray(changes)) return null;
  const view = (column: string, value: unknown): unknown => {
    if (value === null || value === undefined) return null;
    if (SENSITIVE_COLUMNS.has(column)) return value; // a keyed hash since it was written
    const text = String(value);
    const access = entityType ? accessOf(reader, entityType, column) : undefined;
    if (access?.kind === "clear") return value;
    if (access?.kind === "masked") return reader.mask(access.masker, text) ?? reader.hash(text);
    return reader.hash(text);
  };
  return Object.fromEntries(
    Object.entries(changes).map(([column, change]) =>
      // Anything else (`refused: { code, field, rule }`) is the gateway's own words, not a value.
      isChange(change)
        ? [column, { before: view(column, change.before), after: view(column, change.after) }]
        : [column, change],
    ),
  );
}
