// The sealer: every few seconds, on any instance, takes the entries not yet sealed (by the
// "sealId IS NULL" marker, not by a seq range, so an entry whose transaction committed late is
// taken in by the next seal) and seals them as one batch chained to the previous seal. Audit entries
// and access entries (reveals) go into the same seal, each kind with its own digest. An advisory
// lock makes concurrent instances take turns instead of sealing twice. Once committed, the seal is
// anchored outside the database (anchor.ts).
//
// The sealer recomputes every entry's hash before sealing it: an entry whose content does not match
// its hash (forged, or edited before it was sealed) is left unsealed and reported as a security
// event, so that it stays visible to verify as what it is instead of being vouched for by a seal.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Logger } from "../log.ts";
import type { AnchorRecord, AnchorSink } from "./anchor.ts";
import { headMac, type SealContent, sealDigest, sealHash, ZERO_HASH } from "./hash.ts";
import { type ChainKind, type ChainRow, ROW_COLUMNS, rowHashMatches, TABLE } from "./rows.ts";

/** Arbitrary constant naming Gerbang's sealer lock. */
const SEAL_LOCK = 7_269_001;
const BATCH = 10_000;
/** The version of the seals made now (hash.ts sealHash). */
const SEAL_VERSION = 2;

/** The security event logged for an entry whose hash does not match (alerting keys on this name). */
export const ENTRY_HASH_INVALID = "audit.entry_hash_invalid";

export interface SealOptions {
  /** Where each committed seal is anchored (none: the seal lives in the database only). */
  anchors?: AnchorSink | undefined;
  /** Where security events go. */
  log?: Logger | undefined;
  /** The instance named in anchor records. */
  instance?: string | undefined;
}

/** Entries found invalid, per database client: skipped by later passes, reported once. */
const invalid = new WeakMap<PrismaClient, Record<ChainKind, Set<string>>>();

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Reads up to `limit` unsealed rows of `kind` (but those known to be invalid); keeps those whose hash matches. */
async function pendingRows(
  tx: Tx,
  kind: ChainKind,
  key: string,
  limit: number,
  skip: Set<string>,
  onInvalid: (seq: string) => void,
): Promise<ChainRow[]> {
  // Access entries without a hash were written before they were hashed: never sealed (verify counts them).
  const result = await tx.$queryRawUnsafe<{ r: ChainRow }[]>(
    `select json_build_array(${ROW_COLUMNS[kind]}) as r from ${TABLE[kind]}
      where "sealId" is null ${kind === "access" ? "and hash is not null" : ""}
        and not (seq::text = any($1::text[])) order by seq limit ${limit}`,
    [...skip],
  );
  const good: ChainRow[] = [];
  for (const { r } of result) {
    const row = (typeof r === "string" ? JSON.parse(r) : r) as ChainRow;
    if (rowHashMatches(kind, key, row)) good.push(row);
    else onInvalid(row[0]);
  }
  return good;
}

/**
 * Seals one batch of pending entries and access entries; returns how many were sealed (0 if none, or
 * another instance is sealing). The seal is anchored after it is committed.
 */
export async function sealPending(
  prisma: PrismaClient,
  key: string,
  limit = BATCH,
  options: SealOptions = {},
): Promise<number> {
  const skip = invalid.get(prisma) ?? { entry: new Set<string>(), access: new Set<string>() };
  invalid.set(prisma, skip);
  let anchor: AnchorRecord | undefined;
  const sealed = await prisma.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<
        { locked: boolean }[]
      >`select pg_try_advisory_xact_lock(${SEAL_LOCK}) as locked`;
      if (!lock?.locked) return 0;
      const reject = (kind: ChainKind) => (seq: string) => {
        skip[kind].add(seq);
        options.log?.error(ENTRY_HASH_INVALID, {
          event: ENTRY_HASH_INVALID,
          table: TABLE[kind].replaceAll('"', ""),
          seq,
          action: "left unsealed",
        });
      };
      const entries = await pendingRows(tx, "entry", key, limit, skip.entry, reject("entry"));
      const access = await pendingRows(tx, "access", key, limit, skip.access, reject("access"));
      if (entries.length === 0 && access.length === 0) return 0;
      const head = await tx.auditHead.findUnique({ where: { id: 1 } });
      const [next] = await tx.$queryRaw<
        { id: number }[]
      >`select nextval(pg_get_serial_sequence('"AuditSeal"', 'id'))::int as id`;
      if (!next) throw new Error("no seal id");
      const digestOf = (rows: ChainRow[]) => {
        const digest = sealDigest(key);
        // Version-2 seals take the content's SHA-256 in too, where there is one (hash.ts sealDigestLine).
        for (const r of rows) digest.add(r[0], r[5] as string, r[1]);
        return digest.hex();
      };
      const seqOf = (r: ChainRow | undefined) => (r ? BigInt(r[0]) : null);
      const seal: SealContent = {
        id: next.id,
        sealedAt: new Date(),
        entryCount: entries.length,
        // A seal of access entries only has no entry range: 0..0, with no members.
        firstSeq: seqOf(entries[0]) ?? 0n,
        lastSeq: seqOf(entries[entries.length - 1]) ?? 0n,
        digest: digestOf(entries),
        prevHash: head?.sealHash ?? ZERO_HASH,
        version: SEAL_VERSION,
        accessCount: access.length,
        accessFirstSeq: seqOf(access[0]),
        accessLastSeq: seqOf(access[access.length - 1]),
        accessDigest: access.length ? digestOf(access) : null,
      };
      const hash = sealHash(key, seal);
      await tx.auditSeal.create({ data: { ...seal, hash } });
      for (const [kind, rows] of [
        ["entry", entries],
        ["access", access],
      ] as const) {
        if (rows.length === 0) continue;
        await tx.$executeRawUnsafe(
          `update ${TABLE[kind]} set "sealId" = $1 where seq = any($2::bigint[]) and "sealId" is null`,
          seal.id,
          rows.map((r) => r[0]),
        );
      }
      const mac = headMac(key, seal.id, hash);
      if (head) await tx.auditHead.update({ where: { id: 1 }, data: { sealId: seal.id, sealHash: hash, mac } });
      else await tx.auditHead.create({ data: { id: 1, sealId: seal.id, sealHash: hash, mac } });
      anchor = {
        sealId: seal.id,
        sealHash: hash,
        sealedAt: seal.sealedAt.toISOString(),
        entryCount: seal.entryCount,
        firstSeq: seal.firstSeq.toString(),
        lastSeq: seal.lastSeq.toString(),
        accessCount: seal.accessCount,
        accessFirstSeq: seal.accessFirstSeq?.toString() ?? null,
        accessLastSeq: seal.accessLastSeq?.toString() ?? null,
        instance: options.instance ?? "",
      };
      return entries.length + access.length;
    },
    { timeout: 60_000 },
  );
  // Only a committed seal is anchored: an anchor never names a seal that was rolled back.
  if (anchor && options.anchors) await options.anchors.append([anchor]);
  return sealed;
}

/** Seals until nothing is pending (used by tools and tests). */
export async function sealAll(prisma: PrismaClient, key: string, options: SealOptions = {}): Promise<number> {
  let total = 0;
  for (
    let n = await sealPending(prisma, key, BATCH, options);
    n > 0;
    n = await sealPending(prisma, key, BATCH, options)
  )
    total += n;
  return total;
}

/**
 * Runs the sealer in the background of a server; returns a function that stops it. One pass per
 * tick, repeated only while a pass fills a whole batch: under steady load there is always something
 * pending, and sealing a few entries pass after pass cost the mutations ~1 extra statement each
 * (bench/mutations.ts). A tick that finds the previous pass still running skips.
 */
export function startSealer(
  prisma: PrismaClient,
  key: string,
  log: Logger,
  options: Omit<SealOptions, "log"> = {},
  intervalMs = 2_000,
): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const pass = async () => {
    while ((await sealPending(prisma, key, BATCH, { ...options, log })) >= BATCH) {
      // a full batch: more may be waiting, keep going
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = pass()
      .catch((error: unknown) => log.error("audit sealer failed; will retry", { error: (error as Error).message }))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
