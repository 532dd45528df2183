// What the benchmarks share: the scratch database, the token, the two read queries, the response
// checks, HTTP servers and a few formatting helpers. One copy of each, so that a fix lands in every
// benchmark. Nothing here is timed.

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { issueDevToken } from "../src/auth/dev-token.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { type Database, openPostgres } from "../src/db/database.ts";
import { applyMigrations } from "../src/db/migrator.ts";
import { type SeedSummary, seed } from "../src/db/seed.ts";
import { maskNik } from "../src/masking/maskers.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const RESULTS_DIR = path.join(ROOT, "bench", "results");
export const DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export type QueryId = "Q1" | "Q2";

/** The caller of every request: a Bapenda officer of Kabupaten Bogor. */
export const TOKEN_CLAIMS = { role: "tax_officer", region: "32.01", agency: "BAPENDA-3201" } as const;

export const Q1_TEXT = `query Q1 { citizens(first: 100) { edges { node { id fullName nik address domicile { code name }
  taxRecords(first: 5) { edges { node { id period assessedAmount } } } } } } }`;
export const Q2_TEXT = `query Q2($id: ID!) { citizen(id: $id) { id fullName nik address
  taxRecords(first: 5) { edges { node { id period assessedAmount } } } } }`;

/** Request bodies as the client sends them: one for Q1, one per in-scope citizen for Q2. */
export function requestBodies(ids: string[]): Record<QueryId, string[]> {
  return {
    Q1: [JSON.stringify({ query: Q1_TEXT, operationName: "Q1" })],
    Q2: ids.map((id) => JSON.stringify({ query: Q2_TEXT, operationName: "Q2", variables: { id } })),
  };
}

export const MB = 1024 * 1024;
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
/** A progress line on stderr; each benchmark prefixes its own name, e.g. logger("bench:mutations"). */
export const logger = (prefix: string) => (msg: string) => process.stderr.write(`[${prefix}] ${msg}\n`);
export const log = logger("bench");

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    totalMemMb: Math.round(os.totalmem() / MB),
    loadAvgAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

/** The commit measured, and the files changed on top of it (the tree is shared and edited live). */
export function sourceState(): { commit: string | null; changed: string[] } {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  try {
    const changed = git("status", "--porcelain", "--untracked-files=all", "--", ".", ":!bench/results")
      .split("\n")
      .filter(Boolean);
    return { commit: git("rev-parse", "HEAD"), changed };
  } catch {
    return { commit: null, changed: [] };
  }
}

/** A run stopped on purpose, with a message; each benchmark's main() prints it without a stack. */
export class BenchAbort extends Error {
  override name = "BenchAbort";
}

export function fail(message: string): never {
  throw new BenchAbort(message);
}

// ---------------------------------------------------------------------------------------------
// Cleanup that also runs on Ctrl-C

export class Cleanup {
  private steps: (() => Promise<unknown>)[] = [];
  private running: Promise<void> | undefined;

  constructor() {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        log(`${signal}: cleaning up (the scratch database is dropped)`);
        void this.run().finally(() => process.exit(130));
      });
    }
  }

  /** Steps run in reverse order of adding, each even if an earlier one failed. */
  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        await step().catch((e) => log(`cleanup: ${(e as Error).message}`));
      }
    })();
    return this.running;
  }
}

// ---------------------------------------------------------------------------------------------
// The scratch database

/** A numeric command-line option, or a clear abort naming the option. */
export function num(name: string, raw: string, min: number, integer: boolean): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    fail(`--${name} must be ${integer ? "a whole number" : "a number"} >= ${min} (got "${raw}")`);
  }
  return n;
}

/** A new, migrated PostgreSQL database, dropped at cleanup unless `keep` (then its URL is printed). */
export async function emptyScratchDatabase(
  adminUrl: string,
  cleanup: Cleanup,
  poolSize: number,
  keep = false,
): Promise<{ db: Database; url: string; name: string; pgVersion: string; migrateMs: number }> {
  const name = `gerbang_bench_${randomBytes(5).toString("hex")}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await admin(adminUrl, `CREATE DATABASE "${name}"`);
  cleanup.add(async () => {
    if (keep) {
      log(`kept ${url}: drop it with DROP DATABASE "${name}"`);
      return;
    }
    // FORCE: connections a failed run left open must not keep the database alive.
    await admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    log(`dropped ${name}`);
  });
  log(`created ${name}`);
  const db = await openPostgres(url.toString(), poolSize);
  cleanup.add(() => db.close());
  const t0 = performance.now();
  await applyMigrations(db);
  const migrateMs = performance.now() - t0;
  const [version] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return { db, url: url.toString(), name, pgVersion: version?.v ?? "?", migrateMs };
}

export interface ScratchDatabase {
  db: Database;
  url: string;
  name: string;
  pgVersion: string;
  migrateMs: number;
  seedMs: number;
  seeded: SeedSummary;
  /** Ids of the citizens the token may see, in id order. */
  inScopeIds: string[];
}

/** Runs one statement (CREATE/DROP DATABASE) on its own connection to the admin URL. */
async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates, migrates, seeds and analyzes `gerbang_bench_<random>`; `cleanup` closes and drops it. */
export async function scratchDatabase(
  adminUrl: string,
  citizens: number,
  cleanup: Cleanup,
  poolSize = 10,
): Promise<ScratchDatabase> {
  const { db, url, name, pgVersion, migrateMs } = await emptyScratchDatabase(adminUrl, cleanup, poolSize);
  const t0 = performance.now();
  const seeded = await seed(db.prisma, { citizens });
  const seedMs = performance.now() - t0;
  // Fresh tables have no planner statistics until autovacuum gets to them (up to a minute later,
  // possibly mid-run). Without them Q1's Prisma query builds its joins for every in-scope citizen
  // before the LIMIT (~25x slower at 2,000 citizens). A production database has statistics.
  await db.query("ANALYZE");
  log(`migrated in ${round(migrateMs / 1000)} s, seeded ${seeded.citizens} citizens in ${round(seedMs / 1000)} s`);

  const inScopeIds = (
    await db.query<{ id: string }>(`SELECT id FROM "Citizen" WHERE "domicileCode" LIKE $1 ORDER BY id`, [
      `${TOKEN_CLAIMS.region}%`,
    ])
  ).map((r) => r.id);
  if (inScopeIds.length < 100) {
    fail(`only ${inScopeIds.length} citizens in region ${TOKEN_CLAIMS.region}; seed more (--citizens)`);
  }
  return {
    db,
    url,
    name,
    pgVersion,
    migrateMs,
    seedMs,
    seeded,
    inScopeIds,
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration and token

/** Production settings (no GraphiQL, a random key), and a token signed with that key. */
export async function benchConfig(
  claims: { role: string; region: string; agency: string } = TOKEN_CLAIMS,
): Promise<{ config: Config; token: string; headers: Record<string, string> }> {
  const config = loadConfig({
    NODE_ENV: "production",
    LOG_LEVEL: "silent",
    POLICY_DIR: path.join(ROOT, "policies"),
    JWT_SECRET: randomBytes(32).toString("hex"),
    AUDIT_HMAC_KEY: randomBytes(32).toString("hex"),
  });
  // `issueDevToken` refuses production configs; a development copy signs with the same key.
  const token = await issueDevToken({ ...config, env: "development" }, { ...claims, ttl: "2h" });
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
    authorization: `Bearer ${token}`,
  };
  return { config, token, headers };
}

// ---------------------------------------------------------------------------------------------
// Response checks: every target must answer correctly before anything is timed.

export interface TaxNode {
  id: string;
  period: string;
  assessedAmount: string;
}
export interface CitizenNode {
  id: string;
  fullName: string;
  nik: string;
  address: string;
  domicile?: { code: string; name: string };
  taxRecords: { edges: { node: TaxNode }[] };
}
export interface GraphQLBody {
  data?: { citizens?: { edges: { node: CitizenNode }[] }; citizen?: CitizenNode | null } | null;
  errors?: unknown[];
}

/** Parses a response that must be HTTP 200 without GraphQL errors. */
export function parseOk(where: string, status: number, text: string): GraphQLBody {
  if (status !== 200) fail(`${where} answered HTTP ${status}: ${text.slice(0, 500)}`);
  let parsed: GraphQLBody;
  try {
    parsed = JSON.parse(text) as GraphQLBody;
  } catch {
    fail(`${where} answered something that is not JSON: ${text.slice(0, 500)}`);
  }
  if (parsed.errors?.length) fail(`${where} answered with errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  return parsed;
}

export function nodesOf(q: QueryId, r: GraphQLBody): CitizenNode[] {
  if (q === "Q1") return r.data?.citizens?.edges.map((e) => e.node) ?? fail("Q1: no data.citizens");
  return [r.data?.citizen ?? fail("Q2: no data.citizen")];
}

const NIK = /^\d{16}$/;
const MASKED_NIK = /^\d{2}\*{14}$/;

/** The unenforced gateway is the reference: clear NIKs and addresses, rows in scope, tax records. */
export function checkClear(where: string, q: QueryId, nodes: CitizenNode[]): void {
  if (q === "Q1" && nodes.length !== 100) fail(`${where}: expected 100 citizens, got ${nodes.length}`);
  for (const n of nodes) {
    if (!NIK.test(n.nik)) fail(`${where}: expected a clear NIK, got "${n.nik}"`);
    if (!n.address.includes(", RT ")) fail(`${where}: expected a clear address, got "${n.address}"`);
    if (n.domicile && !n.domicile.code.startsWith(TOKEN_CLAIMS.region)) {
      fail(`${where}: citizen outside ${TOKEN_CLAIMS.region}: ${n.domicile.code}`);
    }
  }
  if (!nodes.some((n) => n.taxRecords.edges.length > 0)) fail(`${where}: no citizen has tax records`);
}

/** The enforced gateway must answer the reference with exactly the NIK and the address masked. */
export function checkMasked(where: string, masked: CitizenNode[], clear: CitizenNode[]): void {
  if (masked.length !== clear.length) fail(`${where}: ${masked.length} citizens, the reference has ${clear.length}`);
  masked.forEach((m, i) => {
    const c = clear[i] as CitizenNode;
    if (!MASKED_NIK.test(m.nik) || m.nik !== maskNik(c.nik)) {
      fail(`${where}: expected a masked NIK like 32**************, got "${m.nik}"`);
    }
    if (m.address.includes("RT ") || !c.address.endsWith(`, ${m.address}`)) {
      fail(`${where}: expected the address masked to its area (village and up), got "${m.address}"`);
    }
    const rest = (n: CitizenNode) => ({ ...n, nik: undefined, address: undefined });
    if (!isDeepStrictEqual(rest(m), rest(c))) fail(`${where}: differs from the reference beyond nik and address`);
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** A server on a random loopback port; `url` is its /graphql endpoint. */
export function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  // The client keeps its connections between slices; the 5 s default would close them between rounds.
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/graphql` });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * POSTs one request body and hands the answer to `check` (e.g. parseOk), which returns the parsed body
 * or fails: each benchmark decides what a right answer is.
 */
export async function post<T>(
  url: string,
  headers: Record<string, string>,
  body: string,
  check: (where: string, status: number, text: string) => T,
): Promise<T> {
  const res = await fetch(url, { method: "POST", headers, body });
  return check(url, res.status, await res.text());
}

// ---------------------------------------------------------------------------------------------
// Files and numbers

/**
 * Writes a benchmark's report to bench/results/<name>.json, replacing the previous run's: one file per
 * benchmark, whose history is the git history.
 */
export function writeResults(name: string, report: unknown): void {
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

/** Writes through a .tmp file (ignored by git) so a reader never sees half a result. */
export function writeAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((x, y) => x - y),
    50,
  );
}

/** The slices' latencies as one array. */
export function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Load generator: a worker thread, so that the client's own work (fetch, reading responses) does not
// run on the event loop the three servers share. Plain JS, because it is evaluated as a string.

const LOAD_WORKER = `
const { parentPort } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
parentPort.on("message", async (job) => {
  const { url, headers, bodies, concurrency, durationMs, offset, mustContain } = job;
  let next = offset, count = 0, errors = 0, bytes = 0, firstError = null;
  const latencies = [];
  const start = performance.now();
  const deadline = start + durationMs;
  async function loop() {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length];
      const t0 = performance.now();
      try {
        const res = await fetch(url, { method: "POST", headers, body });
        const text = await res.text();
        const dt = performance.now() - t0;
        if (res.status !== 200 || text.includes('"errors"') || (mustContain && !text.includes(mustContain))) {
          errors++;
          if (firstError === null) firstError = res.status + " " + text.slice(0, 500);
        } else {
          count++;
          bytes += Buffer.byteLength(text);
          latencies.push(dt);
        }
      } catch (error) {
        errors++;
        if (firstError === null) firstError = String(error && error.stack || error);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = performance.now() - start;
  const lat = Float64Array.from(latencies);
  parentPort.postMessage({ count, errors, bytes, firstError, elapsedMs, next, latencies: lat }, [lat.buffer]);
});
`;

export interface SliceResult {
  count: number;
  errors: number;
  bytes: number;
  firstError: string | null;
  elapsedMs: number;
  next: number;
  latencies: Float64Array;
}

export class LoadClient {
  private worker = new Worker(LOAD_WORKER, { eval: true });
  run(job: {
    url: string;
    headers: Record<string, string>;
    bodies: string[];
    concurrency: number;
    durationMs: number;
    offset: number;
    /** A response counts as a success only if it contains this text (besides status 200, no errors). */
    mustContain?: string;
  }): Promise<SliceResult> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.worker.once("error", onError);
      this.worker.once("message", (result: SliceResult) => {
        this.worker.off("error", onError);
        resolve(result);
      });
      this.worker.postMessage(job);
    });
  }
  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * A text table: the first two columns left-aligned, the rest right-aligned; a row that repeats the
 * previous row's first cell leaves it blank, and a blank line separates groups.
 */
export function groupedTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const out = [line(head), widths.map((w) => "-".repeat(w)).join("  ")];
  let last = "";
  for (const r of rows) {
    if (last && r[0] !== last) out.push("");
    out.push(line(r[0] === last ? ["", ...r.slice(1)] : r));
    last = r[0] ?? "";
  }
  return out;
}
