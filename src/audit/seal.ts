// The sealer: every few seconds, on any instance, takes the entries not yet sealed (by the
// "sealId IS NULL" marker, not by a seq range, so an entry whose transaction committed late is
// taken in by the next seal) and seals them as one batch chained to the previous seal. An advisory
// lock makes concurrent instances take turns instead of sealing twice.
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Logger } from "../log.ts";
import { headMac, sealDigest, sealHash, ZERO_HASH } from "./hash.ts";

/** Arbitrary constant naming Gerbang's sealer lock. */
const SEAL_LOCK = 7_269_001;
const BATCH = 10_000;

/** Seals one batch of pending entries; returns how many were sealed (0 if none, or another instance is sealing). */
export async function sealPending(prisma: PrismaClient, key: string, limit = BATCH): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<
        { locked: boolean }[]
      >`select pg_try_advisory_xact_lock(${SEAL_LOCK}) as locked`;
      if (!lock?.locked) return 0;
      const rows = await tx.$queryRaw<{ seq: bigint; hash: string }[]>`
        select seq, hash from "AuditEntry" where "sealId" is null order by seq limit ${limit}`;
      if (rows.length === 0) return 0;
      const head = await tx.auditHead.findUnique({ where: { id: 1 } });
      const [next] = await tx.$queryRaw<
        { id: number }[]
      >`select nextval(pg_get_serial_sequence('"AuditSeal"', 'id'))::int as id`;
      if (!next) throw new Error("no seal id");
      const digest = sealDigest(key);
      for (const r of rows) digest.add(r.seq, r.hash);
      const seal = {
        id: next.id,
        sealedAt: new Date(),
        entryCount: rows.length,
        firstSeq: rows[0]?.seq ?? 0n,
        lastSeq: rows[rows.length - 1]?.seq ?? 0n,
        digest: digest.hex(),
        prevHash: head?.sealHash ?? ZERO_HASH,
      };
      const hash = sealHash(key, seal);
      await tx.auditSeal.create({ data: { ...seal, hash } });
      const seqs = rows.map((r) => r.seq);
      await tx.$executeRaw`update "AuditEntry" set "sealId" = ${seal.id} where seq = any(${seqs}::bigint[]) and "sealId" is null`;
      const mac = headMac(key, seal.id, hash);
      if (head) await tx.auditHead.update({ where: { id: 1 }, data: { sealId: seal.id, sealHash: hash, mac } });
      else await tx.auditHead.create({ data: { id: 1, sealId: seal.id, sealHash: hash, mac } });
      return rows.length;
    },
    { timeout: 60_000 },
  );
}

/** Seals until nothing is pending (used by tools and tests). */
export async function sealAll(prisma: PrismaClient, key: string): Promise<number> {
  let total = 0;
  for (let n = await sealPending(prisma, key); n > 0; n = await sealPending(prisma, key)) total += n;
  return total;
}

/**
 * Runs the sealer in the background of a server; returns a function that stops it. One pass per
 * tick, repeated only while a pass fills a whole batch: under steady load there is always something
 * pending, and sealing a few entries pass after pass cost the mutations ~1 extra statement each
 * (bench/mutations.ts). A tick that finds the previous pass still running skips.
 */
export function startSealer(prisma: PrismaClient, key: string, log: Logger, intervalMs = 2_000): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const pass = async () => {
    while ((await sealPending(prisma, key)) === BATCH) {
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
