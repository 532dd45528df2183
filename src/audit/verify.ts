// `gerbang audit verify`: recomputes every entry's hash, every seal's digest and the seal chain up
// to the head, and names the first entry (or seal) that does not match. Reads only.
//
// Hashing a million entries is CPU work (canonical JSON + HMAC, and pg's parsing of ~1 GB of rows),
// so on PostgreSQL the seq range is split between worker threads, each reading and checking its
// part on its own connection (verify-worker.ts). The seal digests still need their members in seq
// order, so each part hands back its "seq:hash" lines per seal and the digests are fed part by part.
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Database } from "../db/database.ts";
import {
  entryHashOfJson,
  HEAD_FIELDS,
  headMac,
  OPTIONAL_TAIL_FIELDS,
  sealDigest,
  sealDigestLine,
  sealHash,
  TAIL_FIELDS,
  ZERO_HASH,
} from "./hash.ts";

export interface VerifyReport {
  intact: boolean;
  entries: number;
  sealed: number;
  unsealed: number;
  seals: number;
  /** The first problem found, in seq order for entries. */
  firstProblem?: { seq?: string; sealId?: number; reason: string };
}

export interface VerifyOptions {
  /** Called after each page with the number of entries checked so far. */
  onProgress?: (entries: number) => void;
  /**
   * PostgreSQL only: check the entries in this many worker threads, each on its own connection to
   * `url` (the same database as `db`). Without it, everything runs on this thread.
   */
  parallel?: { url: string; workers: number };
}

/** Worker threads worth starting on this machine: one per core (PostgreSQL gets its share too). */
export const defaultVerifyWorkers = () => Math.min(8, os.availableParallelism());

type QueryRows = Database["queryRows"];
type Problem = { order: bigint; seq?: string; sealId?: number; reason: string };

/** What one part of the seq range, checked alone, tells the whole (also the worker's reply). */
export interface PartResult {
  entries: number;
  sealed: number;
  unsealed: number;
  /** Its first problem in seq order: nothing later in the part can come first overall. */
  problem?: Problem;
}

/** The seals as read at the start: entries naming a newer one were sealed while verify ran. */
export interface SealView {
  ids: number[];
  newest: number;
}

// An entry page row: [seq, head, changes, tail, hash, sealId], where head and tail are the JSON
// arrays of the hashed HEAD_FIELDS and TAIL_FIELDS values, written by PostgreSQL (array_to_json, in
// C) rather than fetched as 16 columns and written again here: a third less CPU per entry, most of
// it garbage collection. `at` is the ISO text it was hashed as.
/** A timestamptz column as the ISO 8601 text (UTC, milliseconds) that toISOString gives. */
const isoText = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLUMN: Record<string, string> = { at: isoText("at") };
const textArray = (fields: readonly string[]) => `array[${fields.map((f) => COLUMN[f] ?? `"${f}"::text`).join(", ")}]`;
const jsonArray = (fields: readonly string[]) => `array_to_json(${textArray(fields)})::text`;
/** TAIL, then the OPTIONAL_TAIL values that are not null (array_remove drops NULLs). */
const tailArray = `array_to_json(${textArray(TAIL_FIELDS)} || array_remove(${textArray(OPTIONAL_TAIL_FIELDS)}, null))::text`;
const ENTRY_COLUMNS = `seq::text, ${jsonArray(HEAD_FIELDS)}, changes, ${tailArray}, hash, "sealId"`;

/** Takes a run of one seal's members, as joined "seq:hash" lines, in seq order. */
type Members = (sealId: number, lines: string, count: number) => void;

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

/** Rows per page: a page is garbage as soon as it is hashed; 5,000 measured a little faster than 20,000. */
const PAGE = 5_000;
const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const asJson = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

export async function verifyAudit(db: Database, key: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  // Seals and head in one statement, so that they are one snapshot.
  const [view] = await db.query<{
    seals: SealRow[] | null;
    head: { sealId: number; sealHash: string; mac: string } | null;
  }>(
    `select (select json_agg(s order by s.id) from (
               select id, ${isoText('"sealedAt"')} as "sealedAt",
                      "entryCount", "firstSeq"::text as "firstSeq", "lastSeq"::text as "lastSeq", digest, "prevHash", hash
                 from "AuditSeal") s) as seals,
            (select json_build_object('sealId', "sealId", 'sealHash', "sealHash", 'mac', mac)
               from "AuditHead" where id = 1) as head`,
  );
  const seals: SealRow[] = asJson(view?.seals) ?? [];
  const head: { sealId: number; sealHash: string; mac: string } | null = asJson(view?.head);
  const report: VerifyReport = { intact: true, entries: 0, sealed: 0, unsealed: 0, seals: seals.length };
  const problems = checkSealChain(key, seals, head);

  // Every entry against its own hash, and its "seq:hash" line into its seal's digest.
  const digests = new Map(seals.map((s) => [s.id, { d: sealDigest(key), count: 0 }]));
  const feed: Members = (sealId, lines, count) => {
    const seal = digests.get(sealId);
    if (!seal) return; // an unknown seal is the part's problem to report
    seal.d.addLines(lines);
    seal.count += count;
  };
  const sealView: SealView = { ids: seals.map((s) => s.id), newest: seals[seals.length - 1]?.id ?? 0 };
  const parts =
    options.parallel && options.parallel.workers > 0
      ? await checkInWorkers(db, key, sealView, options.parallel, feed, options.onProgress)
      : [await checkPart(db.queryRows, key, sealView, { after: "-1", upTo: null }, feed, options.onProgress)];
  for (const part of parts) {
    report.entries += part.entries;
    report.sealed += part.sealed;
    report.unsealed += part.unsealed;
    if (part.problem) problems.push(part.problem);
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

/** The seal chain, and the head that pins its end. */
function checkSealChain(
  key: string,
  seals: SealRow[],
  head: { sealId: number; sealHash: string; mac: string } | null,
): Problem[] {
  const problems: Problem[] = [];
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
  return problems;
}

/**
 * Checks the entries with after < seq <= upTo (no upper bound when upTo is null) in seq order, and
 * hands each seal's "seq:hash" lines to `members`, a page at a time, in seq order. The next page is
 * fetched while the current one is hashed; `at` comes as ISO text, exactly as it was hashed.
 */
export async function checkPart(
  queryRows: QueryRows,
  key: string,
  seals: SealView,
  range: { after: string; upTo: string | null },
  members: Members,
  onPage?: (entries: number) => void,
): Promise<PartResult> {
  const known = new Set(seals.ids);
  const result: PartResult = { entries: 0, sealed: 0, unsealed: 0 };
  const page = (after: string) =>
    // Qualified "AuditEntry".seq: a bare `seq` in ORDER BY would name the seq::text output column
    // and sort 1, 10, 2.
    queryRows(
      `select ${ENTRY_COLUMNS} from "AuditEntry"
        where seq > $1::bigint and ($2::bigint is null or seq <= $2::bigint) order by "AuditEntry".seq limit ${PAGE}`,
      [after, range.upTo],
    );
  const note = (p: Problem) => {
    result.problem ??= p;
  };
  let next = page(range.after);
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1]?.[0] as string | undefined;
    if (rows.length === PAGE && last) next = page(last);
    // Lines of consecutive rows of the same seal are joined and handed over together.
    let runSeal: number | null = null;
    let run: string[] = [];
    const flush = () => {
      if (runSeal !== null && run.length) members(runSeal, run.join(""), run.length);
      run = [];
    };
    for (const r of rows) {
      const [seq, head, changes, tail, hash, sealId] = r as [string, string, unknown, string, string, number | null];
      result.entries++;
      if (hash !== entryHashOfJson(key, head, changes, tail)) {
        note({ order: BigInt(seq), seq, reason: `entry ${seq} was altered (its content does not match its hash)` });
      }
      if (sealId === null || (sealId > seals.newest && !known.has(sealId))) {
        // Not sealed when verify read the seals (the sealer may have taken it in since).
        result.unsealed++;
        continue;
      }
      result.sealed++;
      if (!known.has(sealId)) {
        note({ order: BigInt(seq), seq, reason: `entry ${seq} names seal ${sealId}, which does not exist` });
        continue;
      }
      if (sealId !== runSeal) {
        flush();
        runSeal = sealId;
      }
      run.push(sealDigestLine(seq, hash));
    }
    flush();
    if (rows.length) onPage?.(result.entries);
    if (rows.length < PAGE) break;
  }
  return result;
}

/** Splits the seq range into equal parts, one per worker, and feeds their members in part order. */
async function checkInWorkers(
  db: Database,
  key: string,
  seals: SealView,
  parallel: { url: string; workers: number },
  members: Members,
  onProgress?: (entries: number) => void,
): Promise<PartResult[]> {
  const [bounds] = await db.query<{ min: string | null; max: string | null }>(
    `select min(seq)::text as min, max(seq)::text as max from "AuditEntry"`,
  );
  const min = BigInt(bounds?.min ?? "0");
  const max = BigInt(bounds?.max ?? "0");
  const n = BigInt(parallel.workers);
  const span = max - min + 1n;
  const ranges = Array.from({ length: parallel.workers }, (_, i) => {
    const after = i === 0 ? -1n : min - 1n + (span * BigInt(i)) / n;
    const upTo = i === parallel.workers - 1 ? null : min - 1n + (span * BigInt(i + 1)) / n;
    return { after: after.toString(), upTo: upTo === null ? null : upTo.toString() };
  });
  const checked = ranges.map(() => 0);
  const workers: Worker[] = [];
  let results: WorkerResult[];
  try {
    results = await Promise.all(
      ranges.map((range, i) =>
        runWorker({ url: parallel.url, key, seals, range }, workers, (entries) => {
          checked[i] = entries;
          onProgress?.(checked.reduce((a, b) => a + b, 0));
        }),
      ),
    );
  } finally {
    // When one part fails the others are of no use: stop them rather than wait for them.
    await Promise.all(workers.map((w) => w.terminate()));
  }
  // In part order, so each seal's digest takes its members in seq order.
  for (const r of results) for (const [sealId, lines, count] of r.members) members(sealId, lines, count);
  return results.map((r) => r.part);
}

export interface WorkerJob {
  url: string;
  key: string;
  seals: SealView;
  range: { after: string; upTo: string | null };
}
/** A part's result and, per seal, its members' "seq:hash" lines (joined) and their count. */
type WorkerResult = { part: PartResult; members: Array<[number, string, number]> };
export type WorkerMessage = { progress: number } | { done: WorkerResult } | { failed: string };

/**
 * tsx's ESM register API, by the path its package exports (require.resolve would give the CommonJS
 * build, whose import of the ESM loader breaks when loaded from a worker).
 */
function tsxRegisterUrl(): string {
  const manifest = createRequire(import.meta.url).resolve("tsx/package.json");
  const exports = JSON.parse(fs.readFileSync(manifest, "utf8")).exports as Record<
    string,
    { import: { default: string } }
  >;
  const api = exports["./esm/api"]?.import.default;
  if (!api) throw new Error("tsx does not export ./esm/api");
  return pathToFileURL(path.join(path.dirname(manifest), api)).href;
}

/**
 * Starts verify-worker in a thread, from the same kind of file as this one: the build's .js in dist/
 * (the CLI), or the .ts source under tsx or vitest (development, tests). A worker does not inherit
 * the TypeScript loader of this thread, so for a .ts source a tiny script registers tsx there first.
 */
function startWorker(job: WorkerJob): Worker {
  const entry = new URL(`./verify-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (entry.pathname.endsWith(".js")) return new Worker(entry, { workerData: job });
  return new Worker(
    `import(${JSON.stringify(tsxRegisterUrl())}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`,
    { eval: true, workerData: job },
  );
}

function runWorker(job: WorkerJob, started: Worker[], onProgress: (entries: number) => void): Promise<WorkerResult> {
  const worker = startWorker(job);
  started.push(worker);
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on("message", (m: WorkerMessage) => {
      if ("progress" in m) onProgress(m.progress);
      else if ("done" in m) {
        settled = true;
        resolve(m.done);
      } else {
        settled = true;
        reject(new Error(`audit verify worker: ${m.failed}`));
      }
    });
    worker.on("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.on("exit", (code) => {
      if (!settled) reject(new Error(`verify worker stopped (exit code ${code}) before it finished`));
    });
  });
}
