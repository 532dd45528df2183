// Where alert windows are counted. Requests only add to a map in memory (monitor.ts); every second
// or so the map is handed to a store in one batch, and the store answers with each window's total
// across every instance that shares it: PostgreSQL (one statement per batch), Redis (one pipeline per
// batch), or this process alone (PGlite, which one process holds).
import type { Redis } from "ioredis";
import type { Db } from "../db/database.ts";

/** Who was counted (the first of a window is kept on the alert). */
export interface Who {
  actor?: string | undefined;
  role?: string | undefined;
  agencyCode?: string | undefined;
  clientId?: string | undefined;
  clientIp?: string | undefined;
}

/** One window's count as this instance saw it since the last flush, or as the store totals it. */
export interface WindowCount {
  rule: string;
  key: string;
  windowStart: Date;
  windowEnd: Date;
  count: number;
  firstRequestId: string | null;
  lastRequestId: string | null;
  firstAt: Date;
  lastAt: Date;
  who: Who;
}

export interface WindowStore {
  /** Adds the batch's counts; returns the total of each window touched. `now`: the monitor's clock. */
  add(batch: WindowCount[], now: Date): Promise<WindowCount[]>;
  close(): Promise<void>;
}

/** This process only (PGlite: one process holds the database). Windows are dropped when they end. */
export function memoryWindows(): WindowStore {
  const windows = new Map<string, WindowCount>();
  return {
    async add(batch, now) {
      for (const [k, w] of windows) if (w.windowEnd < now) windows.delete(k);
      return batch.map((b) => {
        const k = `${b.rule}\u0000${b.key}\u0000${b.windowStart.getTime()}`;
        const w = windows.get(k);
        if (!w) {
          windows.set(k, { ...b });
          return { ...b };
        }
        w.count += b.count;
        if (b.lastRequestId) w.lastRequestId = b.lastRequestId;
        if (b.lastAt > w.lastAt) w.lastAt = b.lastAt;
        return { ...w };
      });
    },
    async close() {},
  };
}

/** A stored window row has exactly the fields of a count. */
type WindowRow = WindowCount;

/**
 * The AlertWindow table: one upsert per batch, answering the totals. One row per rule and key, reset
 * when a newer window starts (the runtime role has no DELETE); a late count for an older window is
 * dropped, since that window's alert, if any, was already decided.
 */
export function postgresWindows(db: Db): WindowStore {
  return {
    async add(batch) {
      if (batch.length === 0) return [];
      const col = <T>(f: (w: WindowCount) => T) => batch.map(f);
      const rows = await db.$queryRaw<WindowRow[]>`
        insert into "AlertWindow" as w (rule, key, "windowStart", "windowEnd", count, "firstRequestId",
          "lastRequestId", "firstAt", "lastAt", who)
        select * from unnest(${col((w) => w.rule)}::text[], ${col((w) => w.key)}::text[],
          ${col((w) => w.windowStart.toISOString())}::timestamptz[], ${col((w) => w.windowEnd.toISOString())}::timestamptz[],
          ${col((w) => w.count)}::int[], ${col((w) => w.firstRequestId)}::text[], ${col((w) => w.lastRequestId)}::text[],
          ${col((w) => w.firstAt.toISOString())}::timestamptz[], ${col((w) => w.lastAt.toISOString())}::timestamptz[],
          ${col((w) => JSON.stringify(w.who))}::jsonb[])
        on conflict (rule, key) do update set
          count = case when excluded."windowStart" = w."windowStart" then w.count + excluded.count
                       when excluded."windowStart" > w."windowStart" then excluded.count else w.count end,
          "firstRequestId" = case when excluded."windowStart" > w."windowStart" then excluded."firstRequestId" else w."firstRequestId" end,
          "firstAt" = case when excluded."windowStart" > w."windowStart" then excluded."firstAt" else w."firstAt" end,
          who = case when excluded."windowStart" > w."windowStart" then excluded.who else w.who end,
          "lastRequestId" = case when excluded."windowStart" >= w."windowStart"
                                 then coalesce(excluded."lastRequestId", w."lastRequestId") else w."lastRequestId" end,
          "lastAt" = case when excluded."windowStart" >= w."windowStart" then greatest(w."lastAt", excluded."lastAt") else w."lastAt" end,
          "windowStart" = greatest(w."windowStart", excluded."windowStart"),
          "windowEnd" = greatest(w."windowEnd", excluded."windowEnd")
        returning rule, key, "windowStart", "windowEnd", count, "firstRequestId", "lastRequestId", "firstAt", "lastAt", who`;
      return rows.map((r) => ({
        ...r,
        windowStart: new Date(r.windowStart),
        windowEnd: new Date(r.windowEnd),
        firstAt: new Date(r.firstAt),
        lastAt: new Date(r.lastAt),
      }));
    },
    async close() {},
  };
}

/** Redis hashes, one per window, expiring a day after the window ends; one pipeline per batch. */
export function redisWindows(redis: Redis): WindowStore {
  return {
    async add(batch, now) {
      if (batch.length === 0) return [];
      const pipeline = redis.pipeline();
      // Where each window's HINCRBY and HMGET answers are in the pipeline's results.
      const at: Array<{ count: number; fields: number }> = [];
      let n = 0;
      for (const w of batch) {
        const k = `gerbang:alert-window:${w.rule}:${w.windowStart.getTime()}:${w.key}`;
        const count = n;
        pipeline.hincrby(k, "count", w.count);
        pipeline.hsetnx(k, "first", JSON.stringify({ id: w.firstRequestId, at: w.firstAt, who: w.who }));
        n += 2;
        if (w.lastRequestId) {
          pipeline.hset(k, "last", w.lastRequestId);
          n++;
        }
        // Relative to the monitor's clock, which is the one the window was cut by.
        pipeline.pexpire(k, Math.max(1000, w.windowEnd.getTime() - now.getTime()) + 86_400_000);
        pipeline.hmget(k, "first", "last");
        at.push({ count, fields: n + 1 });
        n += 2;
      }
      const results = (await pipeline.exec()) ?? [];
      return batch.map((w, i) => {
        const where = at[i] as { count: number; fields: number };
        const [countErr, count] = results[where.count] ?? [new Error("no answer from Redis"), 0];
        if (countErr) throw countErr;
        const [, fields] = results[where.fields] ?? [null, []];
        const [firstText, last] = (fields as Array<string | null>) ?? [];
        const first = firstText ? (JSON.parse(firstText) as { id: string | null; at: string; who: Who }) : undefined;
        return {
          ...w,
          count: Number(count),
          firstRequestId: first ? first.id : w.firstRequestId,
          firstAt: first ? new Date(first.at) : w.firstAt,
          who: first ? first.who : w.who,
          lastRequestId: last ?? w.lastRequestId,
        };
      });
    },
    async close() {
      await redis.quit().catch(() => {});
    },
  };
}
