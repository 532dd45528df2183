// `gerbang audit verify`: recomputes every entry's hash, every seal's digest and the seal chain up
// to the head, and names the first entry (or seal) that does not match. Reads only; streams the
// entries in seq order in large pages so that a million entries take seconds, not minutes.
import type { Database } from "../db/database.ts";
import { type EntryContent, entryHash, headMac, sealDigest, sealHash, ZERO_HASH } from "./hash.ts";

export interface VerifyReport {
  intact: boolean;
  entries: number;
  sealed: number;
  unsealed: number;
  seals: number;
  /** The first problem found, in seq order for entries. */
  firstProblem?: { seq?: string; sealId?: number; reason: string };
}

type EntryRow = Omit<EntryContent, "at"> & { seq: string; at: string; sealId: number | null; hash: string };
type SealRow = {
  id: number;
  sealedAt: Date | string;
  entryCount: number;
  firstSeq: string;
  lastSeq: string;
  digest: string;
  prevHash: string;
  hash: string;
};

const PAGE = 20_000;
const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const asJson = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

export async function verifyAudit(
  db: Database,
  key: string,
  onProgress?: (entries: number) => void,
): Promise<VerifyReport> {
  const seals = await db.query<SealRow>(
    `select id, "sealedAt", "entryCount", "firstSeq"::text as "firstSeq", "lastSeq"::text as "lastSeq", digest, "prevHash", hash from "AuditSeal" order by id`,
  );
  const [head] = await db.query<{ sealId: number; sealHash: string; mac: string }>(
    `select "sealId", "sealHash", mac from "AuditHead" where id = 1`,
  );
  const report: VerifyReport = { intact: true, entries: 0, sealed: 0, unsealed: 0, seals: seals.length };
  const problems: Array<{ order: bigint; seq?: string; sealId?: number; reason: string }> = [];

  // The seal chain, and the head that pins its end.
  let prev = ZERO_HASH;
  for (const s of seals) {
    const expected = sealHash(key, {
      ...s,
      sealedAt: asDate(s.sealedAt),
      firstSeq: BigInt(s.firstSeq),
      lastSeq: BigInt(s.lastSeq),
    });
    if (s.prevHash !== prev)
      problems.push({
        order: BigInt(s.firstSeq),
        sealId: s.id,
        reason: `seal ${s.id} does not follow the previous seal (a seal was removed or replaced)`,
      });
    else if (s.hash !== expected)
      problems.push({ order: BigInt(s.firstSeq), sealId: s.id, reason: `seal ${s.id} was altered` });
    prev = s.hash;
  }
  const last = seals[seals.length - 1];
  if (last && !head)
    problems.push({ order: BigInt(last.lastSeq), sealId: last.id, reason: "the audit head is missing" });
  if (
    head &&
    (!last ||
      head.sealId !== last.id ||
      head.sealHash !== last.hash ||
      head.mac !== headMac(key, head.sealId, head.sealHash))
  ) {
    problems.push({
      order: last ? BigInt(last.lastSeq) : 0n,
      reason: `the newest seals are missing or the head was altered (head names seal ${head.sealId}, newest seal is ${last?.id ?? "none"}): entries were truncated`,
    });
  }

  // Every entry against its own hash, and into its seal's digest (entries arrive in seq order).
  // The next page is fetched while the current one is hashed; `at` comes as ISO text, as it was hashed.
  const digests = new Map(seals.map((s) => [s.id, { d: sealDigest(key), count: 0 }]));
  const page = (after: string) =>
    // Qualified "AuditEntry".seq: a bare `seq` in ORDER BY would name the text alias and sort 1, 10, 2.
    db.query<EntryRow>(
      `select seq::text as seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, role,
              "agencyCode", "clientId", operation, mutation, event, "entityType", "entityId", "citizenId",
              outcome::text as outcome, changes, purpose, "caseRef", "requestId", "clientIp", hash, "sealId"
         from "AuditEntry" where "AuditEntry".seq > $1::bigint order by "AuditEntry".seq limit ${PAGE}`,
      [after],
    );
  let next = page("-1");
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1]?.seq;
    if (rows.length === PAGE && last) next = page(last);
    for (const r of rows) {
      report.entries++;
      const expected = entryHash(key, { ...r, changes: asJson(r.changes) });
      if (r.hash !== expected) {
        problems.push({
          order: BigInt(r.seq),
          seq: r.seq,
          reason: `entry ${r.seq} was altered (its content does not match its hash)`,
        });
      }
      if (r.sealId === null) {
        report.unsealed++;
        continue;
      }
      report.sealed++;
      const seal = digests.get(r.sealId);
      if (!seal) {
        problems.push({
          order: BigInt(r.seq),
          seq: r.seq,
          reason: `entry ${r.seq} names seal ${r.sealId}, which does not exist`,
        });
      } else {
        seal.d.add(r.seq, r.hash);
        seal.count++;
      }
    }
    if (rows.length < PAGE) break;
    onProgress?.(report.entries);
  }
  for (const s of seals) {
    const got = digests.get(s.id);
    if (!got || got.count !== s.entryCount || got.d.hex() !== s.digest) {
      problems.push({
        order: BigInt(s.firstSeq),
        sealId: s.id,
        reason: `seal ${s.id} (entries ${s.firstSeq}..${s.lastSeq}): ${got?.count ?? 0} of ${s.entryCount} entries match; an entry was deleted, inserted or renumbered`,
      });
    }
  }

  if (problems.length) {
    problems.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    const first = problems[0];
    report.intact = false;
    if (first) {
      report.firstProblem = { reason: first.reason };
      if (first.seq !== undefined) report.firstProblem.seq = first.seq;
      if (first.sealId !== undefined) report.firstProblem.sealId = first.sealId;
    }
  }
  return report;
}
