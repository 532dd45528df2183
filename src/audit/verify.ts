// `gerbang audit verify`: recomputes every entry's and access entry's hash, every seal's digests
// and the seal chain up to the head, checks the seals against their anchors outside the database, and
// lists every problem it finds. Reads only.
//
// PostgreSQL computes the SHA-256 of each row's canonical text (rows.ts); Node computes one HMAC
// per row and the seal digests. On PostgreSQL the seq ranges are split between worker threads, each
// reading and checking its part on its own connection (verify-worker.ts). The seal digests still need
// their members in seq order, so each part hands back its "seq:hash" lines per seal and the digests
// are fed part by part.
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Database } from "../db/database.ts";
import { type AnchorRecord, type AnchorSet, readAnchors } from "./anchor.ts";
import { headMac, sealDigest, sealDigestLine, sealHash, ZERO_HASH } from "./hash.ts";
import { type ChainKind, type ChainRow, isoText, ROW_COLUMNS, rowHashMatches, rowName, TABLE } from "./rows.ts";

export interface VerifyReport {
  intact: boolean;
  entries: number;
  sealed: number;
  unsealed: number;
  seals: number;
  /** Access entries (reveals of clear values). */
  access: { entries: number; sealed: number; unsealed: number; legacy: number };
  /** What the anchors outside the database say (absent when verify was not given an anchor directory). */
  anchors?: AnchorSummary;
  /** True when nothing verifies with the key: it is probably not the key the trail was written with. */
  wrongKey?: boolean;
  /** The first problem, in seq order for entries. */
  firstProblem?: ProblemView;
  /** Every problem found, in order (at most PROBLEMS_KEPT of them); problemCount counts them all. */
  problems: ProblemView[];
  problemCount: number;
}

export interface AnchorSummary {
  files: number;
  records: number;
  /** The newest anchored seal that still matches, up to the first that does not. */
  lastMatchingSeal: { id: number; sealedAt: string } | null;
  /** Seals in the database that no anchor names (the newest ones, normally: anchored a moment later). */
  unanchoredSeals: number;
}

export interface ProblemView {
  seq?: string;
  accessSeq?: string;
  sealId?: number;
  reason: string;
}

export interface VerifyOptions {
  /** Called after each page with the number of entries checked so far. */
  onProgress?: (entries: number) => void;
  /**
   * PostgreSQL only: check the entries in this many worker threads, each on its own connection to
   * `url` (the same database as `db`). Without it, everything runs on this thread.
   */
  parallel?: { url: string; workers: number };
  /** The anchor directory (AUDIT_ANCHOR_DIR) to check the seals against. */
  anchorDir?: string;
}

/** Problems kept in full; the rest are counted. */
export const PROBLEMS_KEPT = 1_000;
/** Problems `gerbang audit verify` prints in full, before "and N more". */
export const PROBLEMS_SHOWN = 50;

/** Worker threads worth starting on this machine: one per core (PostgreSQL gets its share too). */
export const defaultVerifyWorkers = () => Math.min(8, os.availableParallelism());

type QueryRows = Database["queryRows"];
type Problem = ProblemView & { order: bigint };

/** What one part of a seq range, checked alone, tells the whole (also the worker's reply). */
export interface PartResult {
  entries: number;
  sealed: number;
  unsealed: number;
  /** Entries whose content matches their hash. */
  matching: number;
  /** Access entries without a hash (written before access entries were hashed). */
  legacy: number;
  /** Its first PROBLEMS_KEPT problems in seq order, and how many there are. */
  problems: Problem[];
  problemCount: number;
}

/** The seals as read at the start: entries naming a newer one were sealed while verify ran. */
export interface SealView {
  ids: number[];
  newest: number;
  /** Version-1 seals: their digests do not cover content, so their members are checked one by one. */
  v1: number[];
}

/** Takes a run of one seal's members, as joined "seq:hash" lines, in seq order. */
type Members = (kind: ChainKind, sealId: number, lines: string, count: number) => void;

type SealRow = {
  id: number;
  sealedAt: Date | string;
  entryCount: number;
  firstSeq: string;
  lastSeq: string;
  digest: string;
  prevHash: string;
  hash: string;
  version: number;
  accessCount: number;
  accessFirstSeq: string | null;
  accessLastSeq: string | null;
  accessDigest: string | null;
};

/** Rows per page: a page is garbage as soon as it is hashed. */
const PAGE = 5_000;
const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const asJson = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
const byOrder = (a: Problem, b: Problem) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);
const KINDS: ChainKind[] = ["entry", "access"];

export async function verifyAudit(db: Database, key: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  // Seals and head in one statement, so that they are one snapshot.
  const [view] = await db.query<{
    seals: SealRow[] | null;
    head: { sealId: number; sealHash: string; mac: string } | null;
  }>(
    `select (select json_agg(s order by s.id) from (
               select id, ${isoText('"sealedAt"')} as "sealedAt",
                      "entryCount", "firstSeq"::text as "firstSeq", "lastSeq"::text as "lastSeq", digest, "prevHash", hash,
                      version, "accessCount", "accessFirstSeq"::text as "accessFirstSeq",
                      "accessLastSeq"::text as "accessLastSeq", "accessDigest"
                 from "AuditSeal") s) as seals,
            (select json_build_object('sealId', "sealId", 'sealHash', "sealHash", 'mac', mac)
               from "AuditHead" where id = 1) as head`,
  );
  const seals: SealRow[] = asJson(view?.seals) ?? [];
  const head: { sealId: number; sealHash: string; mac: string } | null = asJson(view?.head);
  const report: VerifyReport = {
    intact: true,
    entries: 0,
    sealed: 0,
    unsealed: 0,
    seals: seals.length,
    access: { entries: 0, sealed: 0, unsealed: 0, legacy: 0 },
    problems: [],
    problemCount: 0,
  };
  const chain = checkSealChain(key, seals, head);
  const problems = chain.problems;
  let extraCount = 0;

  // Every entry against its own hash, and its "seq:hash" line into its seal's digest of its kind.
  const digests = new Map(
    KINDS.flatMap((kind) =>
      seals.map((s): [string, { d: ReturnType<typeof sealDigest>; count: number }] => [
        `${kind}:${s.id}`,
        { d: sealDigest(key), count: 0 },
      ]),
    ),
  );
  const feed: Members = (kind, sealId, lines, count) => {
    const seal = digests.get(`${kind}:${sealId}`);
    if (!seal) return; // an unknown seal is the part's problem to report
    seal.d.addLines(lines);
    seal.count += count;
  };
  const sealView: SealView = {
    ids: seals.map((s) => s.id),
    newest: seals[seals.length - 1]?.id ?? 0,
    v1: seals.filter((s) => s.version === 1).map((s) => s.id),
  };
  const parts =
    options.parallel && options.parallel.workers > 0
      ? await checkInWorkers(db, key, sealView, options.parallel, feed, options.onProgress)
      : {
          entry: [await checkPart(db.queryRows, "entry", key, sealView, WHOLE, feed, options.onProgress)],
          access: [await checkPart(db.queryRows, "access", key, sealView, WHOLE, feed)],
        };
  let matching = 0;
  for (const kind of KINDS) {
    const sum = kind === "entry" ? report : report.access;
    for (const part of parts[kind]) {
      sum.entries += part.entries;
      sum.sealed += part.sealed;
      sum.unsealed += part.unsealed;
      matching += part.matching;
      report.access.legacy += part.legacy;
      problems.push(...part.problems);
      extraCount += part.problemCount - part.problems.length;
    }
  }
  // A version-2 seal whose digest matches vouches for its members' content; one that does not is
  // checked member by member, to name what was altered. When nothing at all verifies, the key is
  // wrong: the member-by-member pass would only say so a million times.
  const hopeless = chain.matchingSeals === 0 && matching === 0;
  for (const s of seals) {
    for (const kind of KINDS) {
      const got = digests.get(`${kind}:${s.id}`);
      const [count, digest, range] =
        kind === "entry"
          ? [s.entryCount, s.digest, `entries ${s.firstSeq}..${s.lastSeq}`]
          : [s.accessCount, s.accessDigest, `access entries ${s.accessFirstSeq}..${s.accessLastSeq}`];
      if (kind === "access" && s.version === 1 && (got?.count ?? 0) === 0) continue; // v1 seals held none
      const expected = digest ?? sealDigest(key).hex();
      if (got && got.count === count && got.d.hex() === expected) {
        if (s.version !== 1) matching += count;
        continue;
      }
      let altered = 0;
      if (s.version !== 1 && !hopeless) {
        const recheck = await checkSealMembers(db.queryRows, kind, key, s.id);
        matching += recheck.matching;
        altered = recheck.problems.length;
        problems.push(...recheck.problems);
      }
      // Members altered in place explain the digest; otherwise one was deleted, inserted or renumbered.
      if (altered > 0 && got?.count === count) continue;
      problems.push({
        order: BigInt(kind === "entry" ? s.firstSeq : (s.accessFirstSeq ?? s.firstSeq)),
        sealId: s.id,
        reason: `seal ${s.id} (${count ? range : `no ${kind === "entry" ? "entries" : "access entries"}`}): ${got?.count ?? 0} of ${count} ${kind === "entry" ? "entries" : "access entries"} match; one was deleted, inserted or renumbered`,
      });
    }
  }
  problems.push(...(await legacyAccessProblems(db)));
  if (options.anchorDir !== undefined) {
    const anchored = checkAnchors(seals, readAnchors(options.anchorDir));
    report.anchors = anchored.summary;
    problems.push(...anchored.problems);
  }

  const total = problems.length + extraCount;
  if (total > 0) {
    report.intact = false;
    // Nothing verifies with this key (no entry, no seal): almost certainly the wrong key, not a
    // rewritten trail; saying "every entry was altered" a million times would hide that.
    if (matching === 0 && chain.matchingSeals === 0 && report.entries + report.access.entries + seals.length > 0) {
      report.wrongKey = true;
      const reason =
        "nothing verifies with this key: no entry and no seal matches its hash. AUDIT_HMAC_KEY is probably not the key the trail was written with";
      report.firstProblem = { reason };
      report.problems = [{ reason }];
      report.problemCount = 1;
      return report;
    }
    problems.sort(byOrder);
    report.problems = problems.slice(0, PROBLEMS_KEPT).map(({ order: _, ...p }) => p);
    report.problemCount = total;
    const [first] = report.problems;
    if (first) report.firstProblem = first;
  }
  return report;
}

const WHOLE = { after: "-1", upTo: null };

/**
 * Access entries without a hash are those written before access entries were hashed: they come
 * before every hashed one. One after a hashed one was put there since (a forged reveal).
 */
async function legacyAccessProblems(db: Database): Promise<Problem[]> {
  const rows = await db.query<{ seq: string }>(
    `select seq::text as seq from "AccessEntry"
      where hash is null and seq > (select min(seq) from "AccessEntry" where hash is not null)
      order by "AccessEntry".seq limit ${PROBLEMS_KEPT}`,
  );
  return rows.map((r) => ({
    order: BigInt(r.seq),
    accessSeq: r.seq,
    reason: `access entry ${r.seq} has no hash but was written after access entries were hashed: it was inserted past the gateway`,
  }));
}

/**
 * The seals against their anchors: every anchored seal must be in the database with the hash it was
 * anchored with. A missing one means the trail was truncated or rolled back; a different one, that it
 * was re-sealed (two anchors for one seal id say the same).
 */
function checkAnchors(seals: SealRow[], anchors: AnchorSet): { summary: AnchorSummary; problems: Problem[] } {
  const problems: Problem[] = [];
  const inDb = new Map(seals.map((s) => [s.id, s]));
  const byId = new Map<number, AnchorRecord[]>();
  for (const r of anchors.records) byId.set(r.sealId, [...(byId.get(r.sealId) ?? []), r]);
  for (const where of anchors.unreadable) {
    problems.push({ order: 0n, reason: `anchor file line ${where} is not an anchor record (edited or torn)` });
  }
  let lastMatching: AnchorSummary["lastMatchingSeal"] = null;
  let broken = false;
  for (const id of [...byId.keys()].sort((a, b) => a - b)) {
    const records = byId.get(id) ?? [];
    const seal = inDb.get(id);
    const first = records[0] as AnchorRecord;
    const anchoredAs = `anchored at ${first.sealedAt} with entries ${first.firstSeq}..${first.lastSeq}`;
    let reason: string | undefined;
    if (new Set(records.map((r) => r.sealHash)).size > 1)
      reason = `seal ${id} was anchored twice with different hashes: the trail was re-sealed`;
    else if (!seal)
      reason = `seal ${id} (${anchoredAs}) is missing from the database: the trail was truncated or rolled back`;
    else if (seal.hash !== first.sealHash)
      reason = `seal ${id} differs from its anchor (${anchoredAs}): the trail was re-sealed or rewritten`;
    if (reason) {
      broken = true;
      // In the order of what the seal covered when it was anchored.
      problems.push({ order: BigInt(first.firstSeq), sealId: id, reason });
    } else if (!broken && seal) lastMatching = { id, sealedAt: first.sealedAt };
  }
  const last = lastMatching
    ? `; the last seal that still matches its anchor is seal ${lastMatching.id} (sealed ${lastMatching.sealedAt})`
    : "; no anchored seal still matches";
  for (const p of problems) if (p.sealId !== undefined) p.reason += last;
  return {
    summary: {
      files: anchors.files.length,
      records: anchors.records.length,
      lastMatchingSeal: lastMatching,
      unanchoredSeals: seals.filter((s) => !byId.has(s.id)).length,
    },
    problems,
  };
}

/** The seal chain, and the head that pins its end. */
function checkSealChain(
  key: string,
  seals: SealRow[],
  head: { sealId: number; sealHash: string; mac: string } | null,
): { problems: Problem[]; matchingSeals: number } {
  const problems: Problem[] = [];
  let matchingSeals = 0;
  let prev = ZERO_HASH;
  for (const s of seals) {
    const expected = sealHash(key, {
      ...s,
      sealedAt: asDate(s.sealedAt),
      firstSeq: BigInt(s.firstSeq),
      lastSeq: BigInt(s.lastSeq),
      accessFirstSeq: s.accessFirstSeq === null ? null : BigInt(s.accessFirstSeq),
      accessLastSeq: s.accessLastSeq === null ? null : BigInt(s.accessLastSeq),
    });
    if (s.hash === expected) matchingSeals++;
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
  return { problems, matchingSeals };
}

/** Checks the members of one seal whose digest covers their content one by one against their own hashes. */
async function checkSealMembers(
  queryRows: QueryRows,
  kind: ChainKind,
  key: string,
  sealId: number,
): Promise<{ matching: number; problems: Problem[] }> {
  const rows = (await queryRows(
    `select ${ROW_COLUMNS[kind]} from ${TABLE[kind]} where "sealId" = $1 order by ${TABLE[kind]}.seq`,
    [sealId],
  )) as ChainRow[];
  const problems: Problem[] = [];
  let matching = 0;
  for (const r of rows) {
    if (r[1] === null) continue; // no content digest (a version-1 entry): checked one by one already
    if (rowHashMatches(kind, key, r)) matching++;
    else problems.push(alteredProblem(kind, r[0]));
  }
  return { matching, problems };
}

function alteredProblem(kind: ChainKind, seq: string): Problem {
  return {
    order: BigInt(seq),
    ...(kind === "entry" ? { seq } : { accessSeq: seq }),
    reason: `${rowName(kind, seq)} was altered or forged (its content does not match its hash)`,
  };
}

/**
 * Checks the rows of `kind` with after < seq <= upTo (no upper bound when upTo is null) in seq order,
 * and hands each seal's "seq:hash" lines to `members`, a page at a time, in seq order. The next page
 * is fetched while the current one is hashed.
 */
export async function checkPart(
  queryRows: QueryRows,
  kind: ChainKind,
  key: string,
  seals: SealView,
  range: { after: string; upTo: string | null },
  members: Members,
  onPage?: (entries: number) => void,
): Promise<PartResult> {
  const known = new Set(seals.ids);
  const v1 = new Set(seals.v1);
  const result: PartResult = {
    entries: 0,
    sealed: 0,
    unsealed: 0,
    matching: 0,
    legacy: 0,
    problems: [],
    problemCount: 0,
  };
  const table = TABLE[kind];
  const page = (after: string) =>
    // Qualified seq: a bare `seq` in ORDER BY would name the seq::text output column and sort 1, 10, 2.
    queryRows(
      `select ${ROW_COLUMNS[kind]} from ${table}
        where seq > $1::bigint and ($2::bigint is null or seq <= $2::bigint) order by ${table}.seq limit ${PAGE}`,
      [after, range.upTo],
    );
  const note = (p: Problem) => {
    result.problemCount++;
    if (result.problems.length < PROBLEMS_KEPT) result.problems.push(p);
  };
  const at = (seq: string) => (kind === "entry" ? { seq } : { accessSeq: seq });
  let next = page(range.after);
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1]?.[0] as string | undefined;
    if (rows.length === PAGE && last) next = page(last);
    // Lines of consecutive rows of the same seal are joined and handed over together.
    let runSeal: number | null = null;
    let run: string[] = [];
    const flush = () => {
      if (runSeal !== null && run.length) members(kind, runSeal, run.join(""), run.length);
      run = [];
    };
    for (const r of rows as ChainRow[]) {
      const [seq, sha256, , , , hash, sealId] = r;
      result.entries++;
      if (kind === "access" && hash === null && sealId === null) {
        result.legacy++; // written before access entries were hashed (see legacyAccessProblems)
        continue;
      }
      // In a version-2 seal, the seal's digest covers the content's SHA-256: checked there, per seal.
      const inV2Seal = sealId !== null && known.has(sealId) && !v1.has(sealId) && sha256 !== null;
      if (!inV2Seal) {
        if (rowHashMatches(kind, key, r)) result.matching++;
        else note(alteredProblem(kind, seq));
      }
      if (sealId === null || (sealId > seals.newest && !known.has(sealId))) {
        // Not sealed when verify read the seals (the sealer may have taken it in since).
        result.unsealed++;
        continue;
      }
      result.sealed++;
      if (!known.has(sealId)) {
        note({
          order: BigInt(seq),
          ...at(seq),
          reason: `${rowName(kind, seq)} names seal ${sealId}, which does not exist`,
        });
        continue;
      }
      if (sealId !== runSeal) {
        flush();
        runSeal = sealId;
      }
      run.push(sealDigestLine(seq, hash ?? "", inV2Seal ? sha256 : null));
    }
    flush();
    if (rows.length) onPage?.(result.entries);
    if (rows.length < PAGE) break;
  }
  return result;
}

/** Splits the seq range of `kind` into `workers` equal parts. */
async function splitRange(db: Database, kind: ChainKind, workers: number): Promise<WorkerJob["ranges"]["entry"][]> {
  const [bounds] = await db.query<{ min: string | null; max: string | null }>(
    `select min(seq)::text as min, max(seq)::text as max from ${TABLE[kind]}`,
  );
  const min = BigInt(bounds?.min ?? "0");
  const max = BigInt(bounds?.max ?? "0");
  const n = BigInt(workers);
  const span = max - min + 1n;
  return Array.from({ length: workers }, (_, i) => {
    const after = i === 0 ? -1n : min - 1n + (span * BigInt(i)) / n;
    const upTo = i === workers - 1 ? null : min - 1n + (span * BigInt(i + 1)) / n;
    return { after: after.toString(), upTo: upTo === null ? null : upTo.toString() };
  });
}

/**
 * Splits the seq ranges of both kinds into equal parts, one of each per worker, and feeds their
 * members in part order.
 */
async function checkInWorkers(
  db: Database,
  key: string,
  seals: SealView,
  parallel: { url: string; workers: number },
  members: Members,
  onProgress?: (entries: number) => void,
): Promise<Record<ChainKind, PartResult[]>> {
  const entry = await splitRange(db, "entry", parallel.workers);
  const access = await splitRange(db, "access", parallel.workers);
  const checked = entry.map(() => 0);
  const workers: Worker[] = [];
  let results: WorkerResult[];
  try {
    results = await Promise.all(
      entry.map((range, i) =>
        runWorker(
          { url: parallel.url, key, seals, ranges: { entry: range, access: access[i] ?? range } },
          workers,
          (entries) => {
            checked[i] = entries;
            onProgress?.(checked.reduce((a, b) => a + b, 0));
          },
        ),
      ),
    );
  } finally {
    // When one part fails the others are of no use: stop them rather than wait for them.
    await Promise.all(workers.map((w) => w.terminate()));
  }
  // In part order, so each seal's digest takes its members in seq order.
  for (const r of results) for (const [kind, sealId, lines, count] of r.members) members(kind, sealId, lines, count);
  return { entry: results.map((r) => r.parts.entry), access: results.map((r) => r.parts.access) };
}

export interface WorkerJob {
  url: string;
  key: string;
  seals: SealView;
  ranges: Record<ChainKind, { after: string; upTo: string | null }>;
}
/** A part's results and, per kind and seal, its members' "seq:hash" lines (joined) and their count. */
type WorkerResult = { parts: Record<ChainKind, PartResult>; members: Array<[ChainKind, number, string, number]> };
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

/** The report as `gerbang audit verify` prints it: "intact: …", or "BROKEN …" and the problems. */
export function describeReport(report: VerifyReport, run: { seconds: string; anchorDir: string }): string {
  const a = report.access;
  const anchors = report.anchors;
  const summary = [
    `${report.entries} entries (${report.sealed} sealed, ${report.unsealed} not yet sealed)`,
    `${a.entries} access entries (${a.sealed} sealed, ${a.unsealed} not yet sealed${a.legacy ? `, ${a.legacy} from before access entries were hashed` : ""})`,
    `${report.seals} seals`,
    anchors
      ? `${anchors.records} anchors in ${anchors.files} file(s) in ${run.anchorDir}${anchors.unanchoredSeals ? ` (${anchors.unanchoredSeals} seals not anchored there)` : ""}`
      : "",
    `${run.seconds} s`,
  ]
    .filter(Boolean)
    .join(", ");
  if (report.intact) return `intact: ${summary}`;
  if (report.wrongKey) return `BROKEN or WRONG KEY: ${report.firstProblem?.reason}\n(${summary})`;
  const where = (p: ProblemView) =>
    p.seq ? `entry ${p.seq}` : p.accessSeq ? `access entry ${p.accessSeq}` : p.sealId ? `seal ${p.sealId}` : "trail";
  const lines = report.problems.slice(0, PROBLEMS_SHOWN).map((p) => `  - ${where(p)}: ${p.reason}`);
  const more = report.problemCount - lines.length;
  const last = anchors?.lastMatchingSeal
    ? `; the last seal that still matches its anchor is seal ${anchors.lastMatchingSeal.id} (sealed ${anchors.lastMatchingSeal.sealedAt})`
    : anchors?.records
      ? "; no anchored seal still matches"
      : "";
  return [
    `BROKEN at ${report.firstProblem ? where(report.firstProblem) : "?"}: ${report.problemCount} problem(s)${last}`,
    ...lines,
    ...(more > 0 ? [`  ... and ${more} more`] : []),
    `(${summary})`,
  ].join("\n");
}
