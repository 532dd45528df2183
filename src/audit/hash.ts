// Keyed hashes for the audit trail. Entries are hashed when written; seals hash batches of entries
// and chain to each other; verify recomputes all of it. Everything is HMAC-SHA256 with AUDIT_HMAC_KEY,
// so someone with database access but without the key cannot forge a consistent history.
import { createHash, createHmac } from "node:crypto";

export const ZERO_HASH = "0".repeat(64);

export function hmac(key: string, data: string): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

/**
 * JSON with object keys sorted (by UTF-16 code units) at every level: the same value always gives
 * the same text. Objects are rebuilt with their keys in that order and written by JSON.stringify,
 * which is twice as fast as writing the text out piece by piece (verify canonicalizes a million
 * `changes`). JavaScript enumerates integer-like keys ("2", "10") first and in numeric order
 * whatever the insertion order, and "__proto__" cannot be set as a plain member, so an object with
 * such keys is written piece by piece instead.
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(sortedCopy(value)) ?? "null";
  } catch (error) {
    if (error !== UNUSUAL_KEYS) throw error;
    return canonicalText(value);
  }
}

const UNUSUAL_KEYS = Symbol("integer-like or __proto__ keys");
const isIntegerKey = (k: string) => /^(?:0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

function sortedCopy(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function")
    return sortedCopy((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) return v.map(sortedCopy);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  // Integer-like keys are always enumerated first: checking the first key checks them all.
  if (keys[0] !== undefined && isIntegerKey(keys[0])) throw UNUSUAL_KEYS;
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === "__proto__") throw UNUSUAL_KEYS;
    if (i > 0 && (keys[i - 1] as string) > (keys[i] as string)) sorted = false;
  }
  const out: Record<string, unknown> = {};
  for (const k of sorted ? keys : keys.sort()) out[k] = sortedCopy(o[k]);
  return out;
}

/** The same text as canonicalJson, written out piece by piece (for objects with integer-like keys). */
function canonicalText(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (typeof (value as { toJSON?: unknown }).toJSON === "function")
    return canonicalText((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
  const members = Object.keys(value)
    .sort()
    .flatMap((k) => {
      const v = (value as Record<string, unknown>)[k];
      return v === undefined || typeof v === "function" || typeof v === "symbol"
        ? []
        : [`${JSON.stringify(k)}:${canonicalText(v)}`];
    });
  return `{${members.join(",")}}`;
}

/** The content of an entry that its hash covers (everything but seq and seal, which the seal covers). */
export interface EntryContent {
  /** A Date, or its ISO 8601 text in UTC with milliseconds (what verify reads straight from SQL). */
  at: Date | string;
  actor: string;
  role: string;
  agencyCode: string | null;
  clientId: string | null;
  operation: string | null;
  mutation: string;
  event: string;
  entityType: string | null;
  entityId: string | null;
  citizenId: string | null;
  outcome: string;
  changes: unknown;
  purpose: string | null;
  caseRef: string | null;
  requestId: string;
  clientIp: string | null;
  /** The caller's own x-request-id; hashed only when present (see OPTIONAL_TAIL_FIELDS). */
  clientRequestId: string | null;
}

/**
 * The hashed fields in the order the hash takes them: the text is the JSON array of the HEAD values,
 * `changes` (canonical JSON) and the TAIL values. HEAD and TAIL values are strings or null, so plain
 * JSON writes them canonically, and verify has PostgreSQL write those two arrays.
 */
export const HEAD_FIELDS = [
  "at",
  "actor",
  "role",
  "agencyCode",
  "clientId",
  "operation",
  "mutation",
  "event",
  "entityType",
  "entityId",
  "citizenId",
  "outcome",
] as const satisfies ReadonlyArray<keyof EntryContent>;
export const TAIL_FIELDS = ["purpose", "caseRef", "requestId", "clientIp"] as const satisfies ReadonlyArray<
  keyof EntryContent
>;

/**
 * Hashed after TAIL_FIELDS, and only when not null: entries written before these columns existed
 * keep their hash, and a null is never confused with a value (the array is one element shorter).
 */
export const OPTIONAL_TAIL_FIELDS = ["clientRequestId"] as const satisfies ReadonlyArray<keyof EntryContent>;

/** Every hashed field, in hash order: the columns an entry is written with, but for its hash. */
export const ENTRY_FIELDS = [...HEAD_FIELDS, "changes", ...TAIL_FIELDS, ...OPTIONAL_TAIL_FIELDS] as const;

/** The version of the entry hash that new entries are written with (the hashVersion column). */
export const ENTRY_HASH_VERSION = 2;

const headJson = (e: EntryContent) =>
  JSON.stringify(HEAD_FIELDS.map((f) => (f === "at" ? (typeof e.at === "string" ? e.at : e.at.toISOString()) : e[f])));
const tailJson = (e: EntryContent) =>
  JSON.stringify([...TAIL_FIELDS.map((f) => e[f]), ...OPTIONAL_TAIL_FIELDS.flatMap((f) => e[f] ?? [])]);

/** The text fields of an entry in the order version 2 hashes them (`changes` comes last). */
export const TEXT_FIELDS = [...HEAD_FIELDS, ...TAIL_FIELDS, ...OPTIONAL_TAIL_FIELDS] as const;

/**
 * Text values as version 2 hashes them: each as "<UTF-8 length>:<value>," and a null as ":,", so
 * that no value can pass for another, whatever characters it holds. PostgreSQL writes the same text
 * with one concat() of octet_length() and the column (rows.ts): far cheaper for it than JSON.
 */
export const lengthPrefixed = (values: ReadonlyArray<string | null>) =>
  values.map((v) => (v === null ? ":," : `${Buffer.byteLength(v, "utf8")}:${v},`)).join("");

const isoAt = (at: Date | string) => (typeof at === "string" ? at : at.toISOString());

/** The text version 2 hashes: the text fields, length-prefixed, then `changes` as jsonb text ("" for none). */
export function entryTextV2(e: EntryContent): string {
  const values = TEXT_FIELDS.map((f) => (f === "at" ? isoAt(e.at) : e[f]));
  return lengthPrefixed(values) + (e.changes === null || e.changes === undefined ? "" : jsonbText(e.changes));
}

/**
 * Version 2 of the entry hash: HMAC of the SHA-256 of entryTextV2. PostgreSQL computes the SHA-256 of
 * every entry itself, in C, from its own columns (rows.ts), and verify only HMACs 64 characters per
 * entry instead of parsing and re-serializing the entry in JavaScript. HMAC over a collision-resistant
 * digest is as strong as HMAC over the text.
 */
export function entryHash(key: string, e: EntryContent): string {
  return entryHashOfDigest(key, sha256Hex(entryTextV2(e)));
}

/** Version 1 (entries written before 2026-12-02): HMAC over the canonical JSON array of the content. */
export function entryHashV1(key: string, e: EntryContent): string {
  return entryHashOfJson(key, headJson(e), e.changes, tailJson(e));
}

/** The keyed hash of an entry of version 2 from the SHA-256 of its text, as PostgreSQL computes it. */
export const entryHashOfDigest = (key: string, sha256: string) => hmac(key, `entry.v2|${sha256}`);

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * A JSON value as PostgreSQL writes a jsonb value as text: object keys shortest first, then by their
 * UTF-8 bytes; ", " and ": " between items. Strings are escaped as JSON.stringify escapes them (pinned
 * by tests/integration/audit-verify.test.ts). Numbers are safe integers only (storable() makes any
 * other number a string): their text is the same in both.
 */
export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`jsonbText: ${value} is not a safe integer`);
    return String(value);
  }
  if (typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (typeof (value as { toJSON?: unknown }).toJSON === "function")
    return jsonbText((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(", ")}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== "function" && typeof v !== "symbol")
    .map(([k, v]) => ({ k, bytes: Buffer.from(k, "utf8"), v }))
    .sort((a, b) => a.bytes.length - b.bytes.length || Buffer.compare(a.bytes, b.bytes));
  return `{${members.map((m) => `${JSON.stringify(m.k)}: ${jsonbText(m.v)}`).join(", ")}}`;
}

/** The content of an access entry (a reveal of a clear value, or a lookup by identifier) that its hash covers. */
export interface AccessContent {
  at: Date | string;
  actor: string;
  role: string;
  agencyCode: string | null;
  clientId: string | null;
  /** REVEAL or LOOKUP. */
  kind: string;
  citizenId: string | null;
  field: string;
  /** A lookup's outcome (FOUND, NOT_FOUND, OUT_OF_SCOPE); null for a reveal. */
  outcome: string | null;
  /** A lookup's searched identifier, as a keyed hash. */
  valueHash: string | null;
  purpose: string;
  caseRef: string;
  requestId: string;
}

/** The hashed fields of an access entry, in hash order. */
export const ACCESS_FIELDS = [
  "at",
  "actor",
  "role",
  "agencyCode",
  "clientId",
  "kind",
  "citizenId",
  "field",
  "outcome",
  "valueHash",
  "purpose",
  "caseRef",
  "requestId",
] as const satisfies ReadonlyArray<keyof AccessContent>;

/** HMAC of the SHA-256 of the fields, length-prefixed (PostgreSQL computes the SHA-256 in verify). */
export function accessHash(key: string, a: AccessContent): string {
  return accessHashOfDigest(
    key,
    sha256Hex(lengthPrefixed(ACCESS_FIELDS.map((f) => (f === "at" ? isoAt(a.at) : a[f])))),
  );
}

export const accessHashOfDigest = (key: string, sha256: string) => hmac(key, `access.v1|${sha256}`);

/**
 * The same hash from the JSON arrays of the HEAD and TAIL values (`at` as ISO text; TAIL followed by
 * the OPTIONAL_TAIL values that are not null), as verify
 * reads them from PostgreSQL's array_to_json: its text for strings and null is JSON.stringify's
 * (tests/integration/audit-verify.test.ts pins that, character by character).
 */
export function entryHashOfJson(key: string, head: string, changes: unknown, tail: string): string {
  return hmac(key, `${head.slice(0, -1)},${canonicalJson(changes ?? null)},${tail.slice(1)}`);
}

/** A sensitive value as it appears in an audit entry: comparable (same value, same hash), not readable. */
export function keyedValueHash(key: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return `hmac:${hmac(key, `value|${String(value)}`).slice(0, 32)}`;
}

export interface SealContent {
  id: number;
  sealedAt: Date;
  entryCount: number;
  firstSeq: bigint;
  lastSeq: bigint;
  digest: string;
  prevHash: string;
  /** 1: audit entries only (seals made before 2026-12-02); 2: and access entries. */
  version: number;
  accessCount: number;
  accessFirstSeq: bigint | null;
  accessLastSeq: bigint | null;
  accessDigest: string | null;
}

export function sealHash(key: string, s: SealContent): string {
  const common = [s.id, s.sealedAt.toISOString(), s.entryCount, s.firstSeq, s.lastSeq, s.digest];
  if (s.version === 1) return hmac(key, ["seal", ...common, s.prevHash].join("|"));
  const access = [s.accessCount, s.accessFirstSeq ?? "", s.accessLastSeq ?? "", s.accessDigest ?? ""];
  return hmac(key, [`seal.v${s.version}`, ...common, ...access, s.prevHash].join("|"));
}

export function headMac(key: string, sealId: number, sealHashValue: string): string {
  return hmac(key, `head|${sealId}|${sealHashValue}`);
}

/**
 * One member of a seal as its digest takes it in: "seq:hash" in version-1 seals and for version-1
 * entries; "seq:sha256:hash" in version-2 seals for entries whose content SHA-256 PostgreSQL computes
 * (hash version 2, access entries). The digest then covers the content itself, so verify checks a
 * sealed entry with one streaming HMAC per seal rather than one HMAC per entry, and HMACs entries
 * one by one only in a seal that does not match (to name them).
 */
export const sealDigestLine = (seq: bigint | number | string, hash: string, sha256?: string | null) =>
  sha256 ? `${seq}:${sha256}:${hash}\n` : `${seq}:${hash}\n`;

/** Incremental digest over the members of a seal, fed in seq order (the sealer and verify share it). */
export function sealDigest(key: string) {
  const h = createHmac("sha256", key);
  return {
    add(seq: bigint | number | string, hash: string, sha256?: string | null) {
      h.update(sealDigestLine(seq, hash, sha256));
    },
    /** Several members' lines at once, already joined (verify's worker threads hand them over so). */
    addLines(lines: string) {
      h.update(lines);
    },
    hex: () => h.digest("hex"),
  };
}
