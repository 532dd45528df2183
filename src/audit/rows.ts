// The two kinds of rows in the sealed chain, as the sealer and verify read them: audit entries and
// access entries (reveals of clear values). Each is read with PostgreSQL computing as much of its hash
// as it can without the key (the SHA-256 of its canonical text, see hash.ts), so that JavaScript only
// does one HMAC of 64 characters per row.
import {
  ACCESS_FIELDS,
  accessHashOfDigest,
  entryHashOfDigest,
  entryHashOfJson,
  HEAD_FIELDS,
  OPTIONAL_TAIL_FIELDS,
  TAIL_FIELDS,
  TEXT_FIELDS,
} from "./hash.ts";

export type ChainKind = "entry" | "access";

/** A timestamptz column as the ISO 8601 text (UTC, milliseconds) that toISOString gives. */
export const isoText = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLUMN: Record<string, string> = { at: isoText("at") };
const textArray = (fields: readonly string[]) => `array[${fields.map((f) => COLUMN[f] ?? `"${f}"::text`).join(", ")}]`;
// Version 1: JSON arrays written by PostgreSQL (array_to_json, in C): its text for strings and null is
// JSON.stringify's (tests/integration/audit-verify.test.ts pins that, character by character).
const jsonArray = (fields: readonly string[]) => `array_to_json(${textArray(fields)})::text`;
/** TAIL, then the OPTIONAL_TAIL values that are not null (array_remove drops NULLs). */
const tailArray = `array_to_json(${textArray(TAIL_FIELDS)} || array_remove(${textArray(OPTIONAL_TAIL_FIELDS)}, null))::text`;
const sha256Of = (text: string) => `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;
/**
 * hash.ts lengthPrefixed, written by PostgreSQL: one concat() (which writes a NULL as nothing, so a
 * null field is ":,"), then `tail` (jsonb text, nothing when NULL). A chain of || would copy the
 * growing text at every step: three times the CPU.
 */
const lengthPrefixed = (fields: readonly string[], tail?: string) => {
  const column = (f: string) => COLUMN[f] ?? `"${f}"::text`;
  return `concat(${fields.map((f) => `octet_length(${column(f)}), ':', ${column(f)}, ','`).join(", ")}${tail ? `, ${tail}` : ""})`;
};
const v1 = (expr: string) => `case when "hashVersion" = 1 then ${expr} end`;

/**
 * The columns of a row, in array mode: [seq, sha256 (v2 entries, access entries), head, changes,
 * tail (v1 entries only), hash, sealId, hashVersion]. `seq` is text.
 */
export const ROW_COLUMNS: Record<ChainKind, string> = {
  entry: `seq::text, case when "hashVersion" = 2 then ${sha256Of(lengthPrefixed(TEXT_FIELDS, "changes::text"))} end,
    ${v1(jsonArray(HEAD_FIELDS))}, ${v1("changes")}, ${v1(tailArray)}, hash, "sealId", "hashVersion"`,
  access: `seq::text, ${sha256Of(lengthPrefixed(ACCESS_FIELDS))}, null, null, null, hash, "sealId", 1`,
};

export const TABLE: Record<ChainKind, string> = { entry: '"AuditEntry"', access: '"AccessEntry"' };

export type ChainRow = [
  seq: string,
  sha256: string | null,
  head: string | null,
  changes: unknown,
  tail: string | null,
  hash: string | null,
  sealId: number | null,
  hashVersion: number,
];

/** Does the row's content match its own hash? (An access entry without a hash is legacy: see verify.) */
export function rowHashMatches(kind: ChainKind, key: string, r: ChainRow): boolean {
  const [, sha256, head, changes, tail, hash, , version] = r;
  if (hash === null) return false;
  if (kind === "access") return sha256 !== null && hash === accessHashOfDigest(key, sha256);
  if (version === 2) return sha256 !== null && hash === entryHashOfDigest(key, sha256);
  if (version === 1 && head !== null && tail !== null) {
    return hash === entryHashOfJson(key, head, typeof changes === "string" ? JSON.parse(changes) : changes, tail);
  }
  return false;
}

/** What a row is called in messages. */
export const rowName = (kind: ChainKind, seq: string) => (kind === "entry" ? `entry ${seq}` : `access entry ${seq}`);
