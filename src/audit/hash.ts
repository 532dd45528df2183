// Keyed hashes for the audit trail. Entries are hashed when written; seals hash batches of entries
// and chain to each other; verify recomputes all of it. Everything is HMAC-SHA256 with AUDIT_HMAC_KEY,
// so someone with database access but without the key cannot forge a consistent history.
import { createHmac } from "node:crypto";

export const ZERO_HASH = "0".repeat(64);

export function hmac(key: string, data: string): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
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
}

const json = (v: string | null) => (v === null ? "null" : JSON.stringify(v));

/**
 * HMAC over the canonical JSON array of the content. Written out field by field rather than through
 * canonicalJson (same bytes): verify hashes a million entries, and this is most of its time.
 */
export function entryHash(key: string, e: EntryContent): string {
  const at = typeof e.at === "string" ? e.at : e.at.toISOString();
  const text = `[${json(at)},${json(e.actor)},${json(e.role)},${json(e.agencyCode)},${json(e.clientId)},${json(e.operation)},${json(e.mutation)},${json(e.event)},${json(e.entityType)},${json(e.entityId)},${json(e.citizenId)},${json(e.outcome)},${canonicalJson(e.changes ?? null)},${json(e.purpose)},${json(e.caseRef)},${json(e.requestId)},${json(e.clientIp)}]`;
  return hmac(key, text);
}

/** A sensitive value as it appears in an audit entry: comparable (same value, same hash), not readable. */
export function keyedValueHash(key: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return `hmac:${hmac(key, `value|${String(value)}`).slice(0, 32)}`;
}

export function sealHash(
  key: string,
  s: {
    id: number;
    sealedAt: Date;
    entryCount: number;
    firstSeq: bigint;
    lastSeq: bigint;
    digest: string;
    prevHash: string;
  },
): string {
  return hmac(
    key,
    ["seal", s.id, s.sealedAt.toISOString(), s.entryCount, s.firstSeq, s.lastSeq, s.digest, s.prevHash].join("|"),
  );
}

export function headMac(key: string, sealId: number, sealHashValue: string): string {
  return hmac(key, `head|${sealId}|${sealHashValue}`);
}

/** Incremental digest over the members of a seal, fed in seq order (the sealer and verify share it). */
export function sealDigest(key: string) {
  const h = createHmac("sha256", key);
  return {
    add(seq: bigint | number | string, hash: string) {
      h.update(`${seq}:${hash}\n`);
    },
    hex: () => h.digest("hex"),
  };
}
