// Mutation benchmark: what the audit layer as built (entry HMAC in the transaction + the background
// sealer) costs on one typical mutation, side by side with the same mutation whose audit step is a
// plain INSERT of the audit row in the same transaction (no hash, no sealer).
//
//   npx tsx bench/mutations.ts [--seconds 10] [--concurrency 8,32] [--rounds 6] [--citizens 500]
//
// One run, one scratch PostgreSQL database (created, migrated, seeded, always dropped), two real HTTP
// servers on loopback ports in this process (both `createGateway`), one load generator on a worker
// thread. The variants are interleaved in rounds so that machine noise hits both alike.
//
// How variant (b) is built without touching src/: it is the same `createGateway`, same schema, same
// resolver, same `audited()` wrapper, given a `Database` whose Prisma client is wrapped so that, inside
// `$transaction`, the wrapper's `tx.auditEntry.create(...)` becomes a raw `INSERT` of the same columns
// into "AuditEntryPlain", a twin of "AuditEntry" (same columns, defaults, constraints and indexes, made
// with `CREATE TABLE ... (LIKE "AuditEntry" INCLUDING ALL)`) with a constant hash. The twin table keeps
// (b)'s rows away from (a)'s sealer, which only runs during (a)'s slices. The one thing (b) cannot
// drop this way is the HMAC that `writeEntry` computes before calling `create`; its CPU cost is
// measured separately and reported (`hmacMicrosPerEntry`).
//
// How (a)'s sealer runs: `startSealer` is started at the start of each (a) slice and stopped (and
// awaited) at its end. Under sustained load its `sealAll` never finds nothing pending, so it seals pass
// after pass; the bench starts that chain as soon as the slice's first entry is committed (as if the
// timer had just fired) instead of waiting up to one interval. What it leaves unsealed is sealed right
// after the slice, untimed. `--sealer per-tick` replaces it with the change proposed in the report (one
// `sealPending` per tick, more only while a pass fills a whole batch), run by the bench since src/ is
// not edited; that sealer's backlog carries over to the next (a) slice.
// `--baseline prisma` (b = the gateway as built without the sealer) and `--a-insert raw` ((a) writes
// its row and HMAC with a raw INSERT) take the cost apart further; see --help.

import { randomBytes } from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { ENTRY_FIELDS, type EntryContent, entryHash, sealDigest, ZERO_HASH } from "../src/audit/hash.ts";
import { sealAll, sealPending, startSealer } from "../src/audit/seal.ts";
import { type VerifyReport, verifyAudit } from "../src/audit/verify.ts";
import type { Config } from "../src/config.ts";
import type { Database } from "../src/db/database.ts";
import { type SeedSummary, seed } from "../src/db/seed.ts";
import type { Prisma, PrismaClient } from "../src/generated/prisma/client.ts";
import { createLogger, type Logger } from "../src/log.ts";
import { loadPolicy } from "../src/policy/load.ts";
import { schema } from "../src/schema/index.ts";
import { createGateway } from "../src/server/yoga.ts";
import {
  BenchAbort,
  benchConfig,
  Cleanup,
  closeServer,
  concat,
  DEFAULT_ADMIN_URL,
  emptyScratchDatabase,
  fail,
  LoadClient,
  listen,
  logger,
  MB,
  machineInfo,
  median,
  num,
  percentile,
  post,
  round,
  type SliceResult,
  sourceState,
  writeResults,
} from "./support.ts";

/** The caller of every request: a front-office officer of Dukcapil Kabupaten Bogor. */
const TOKEN_CLAIMS = { role: "front_office", region: "32.01", agency: "DUKCAPIL-3201" } as const;

const MUTATION = `mutation RecordService($input: RecordServiceInput!) {
  recordService(input: $input) { id serviceType channel outcome servedBy servedAt }
}`;

const PLAIN_TABLE = "AuditEntryPlain";
/** What (b) stores in the NOT NULL hash column: no hash is computed for it. */
const NO_HASH = ZERO_HASH;

const log = logger("bench:mutations");

// ---------------------------------------------------------------------------------------------
// Parameters

const USAGE = `usage: npx tsx bench/mutations.ts [options]
  --seconds S          measured seconds per variant and concurrency, split over the rounds (default 10)
  --concurrency LIST   comma-separated concurrent clients (default 8,32)
  --rounds N           rounds the measured time is split into (default 6); within a round every
                       concurrency runs (a) and (b) back to back, the order alternating each round
  --warmup S           unmeasured seconds per variant and concurrency before the rounds (default 1)
  --citizens N         citizens to seed (default 500)
  --pool N             Prisma connection pool size (default 10, as openPostgres gives serve)
  --sealer-interval MS the sealer's interval in (a) (default 2000, as in serve)
  --database-url URL   PostgreSQL URL used for CREATE/DROP DATABASE
                       (default $BENCH_DATABASE_URL or ${DEFAULT_ADMIN_URL})
  --baseline KIND      (b)'s audit step: raw (default; one raw INSERT of the row into a twin table, no
                       hash) or prisma (the built step, Prisma create with the HMAC, only without the
                       sealer: isolates the sealer's cost; (b)'s entries are sealed after each slice, untimed)
  --a-insert KIND      (a)'s audit row: prisma (default; as built, tx.auditEntry.create) or raw (the
                       proposal: the same row and HMAC written with one raw INSERT through the same wrapper
                       as (b))
  --sealer MODE        (a)'s sealer: serve (default; startSealer as in serve) or per-tick (the proposal:
                       one sealPending per tick, more only while a pass fills a whole batch)
  --strict             exit 1 when a/b < 0.85 at any concurrency
  --no-write           print the table only, write no result file`;

interface Params {
  seconds: number;
  concurrency: number[];
  rounds: number;
  warmup: number;
  citizens: number;
  pool: number;
  sealerIntervalMs: number;
  sealer: "serve" | "per-tick";
  baseline: "raw" | "prisma";
  aInsert: "prisma" | "raw";
  adminUrl: string;
  strict: boolean;
  write: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "8,32" },
      rounds: { type: "string", default: "6" },
      warmup: { type: "string", default: "1" },
      citizens: { type: "string", default: "500" },
      pool: { type: "string", default: "10" },
      "sealer-interval": { type: "string", default: "2000" },
      sealer: { type: "string", default: "serve" },
      baseline: { type: "string", default: "raw" },
      "a-insert": { type: "string", default: "prisma" },
      "database-url": { type: "string" },
      strict: { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.sealer !== "serve" && values.sealer !== "per-tick") fail(`--sealer must be serve or per-tick`);
  if (values.baseline !== "raw" && values.baseline !== "prisma") fail(`--baseline must be raw or prisma`);
  const aInsert = values["a-insert"];
  if (aInsert !== "prisma" && aInsert !== "raw") fail(`--a-insert must be prisma or raw`);
  // With both, sealing (b)'s entries after its slices would also seal (a)'s carried-over backlog.
  if (values.sealer === "per-tick" && values.baseline === "prisma") fail("--sealer per-tick needs --baseline raw");
  const concurrency = [...new Set(values.concurrency.split(",").map((c) => num("concurrency", c.trim(), 1, true)))];
  return {
    seconds: num("seconds", values.seconds, 0.5, false),
    concurrency,
    rounds: num("rounds", values.rounds, 1, true),
    warmup: num("warmup", values.warmup, 0, false),
    citizens: num("citizens", values.citizens, 100, true),
    pool: num("pool", values.pool, 2, true),
    sealerIntervalMs: num("sealer-interval", values["sealer-interval"], 10, true),
    sealer: values.sealer,
    baseline: values.baseline,
    aInsert,
    adminUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL,
    strict: values.strict,
    write: !values["no-write"],
  };
}

type VariantId = "a" | "b";
const VARIANT_LABEL: Record<VariantId, string> = {
  a: "audit as built (HMAC + sealer)",
  b: "plain audit INSERT, no sealer",
};
/** (a)'s label when --a-insert or --sealer replace a part of the audit layer with a proposal. */
function aLabel(p: Pick<Params, "aInsert" | "sealer">): string {
  if (p.aInsert === "prisma" && p.sealer === "serve") return VARIANT_LABEL.a;
  if (p.aInsert === "prisma") return "as built, per-tick sealer (proposal)";
  return `HMAC + raw INSERT (proposal), ${p.sealer === "serve" ? "sealer as built" : "per-tick sealer (proposal)"}`;
}
const PRISMA_BASELINE_LABEL = "as built minus the sealer";

/** sealPending's default batch (not exported by src/audit/seal.ts). */
const SEAL_BATCH = 10_000;

/**
 * The proposed sealer (--sealer per-tick): one sealPending per tick, more only while a pass fills a
 * whole batch. startSealer runs sealAll, which under sustained load never finds nothing pending and
 * so seals pass after pass, a few dozen entries each.
 */
function startPerTickSealer(prisma: PrismaClient, key: string, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const drain = async () => {
    while ((await sealPending(prisma, key, SEAL_BATCH)) === SEAL_BATCH) {}
  };
  const timer = setInterval(() => {
    running = running.then(drain).catch((e: Error) => log(`sealer (per-tick): ${e.message}`));
  }, intervalMs);
  // The first pass at once: the backlog of the previous (a) slice is sealed in this one.
  running = drain().catch((e: Error) => log(`sealer (per-tick): ${e.message}`));
  return async () => {
    clearInterval(timer);
    await running;
  };
}

// ---------------------------------------------------------------------------------------------
// Variant (b): the same gateway over a Prisma client whose transactions write a plain audit row. With
// --a-insert raw, (a) gets the same wrapper, writing into AuditEntry with the entry's HMAC (a proposal).

type AuditCreateArgs = { data: Record<string, unknown> };

const PLAIN_COLUMNS = ENTRY_FIELDS;
const rawInsert = (table: string) => `INSERT INTO "${table}" (${PLAIN_COLUMNS.map((c) => `"${c}"`).join(", ")}, "hash")
  VALUES (${PLAIN_COLUMNS.map((c, i) => `$${i + 1}${c === "outcome" ? '::"AuditOutcome"' : c === "changes" ? "::jsonb" : ""}`).join(", ")}, $${PLAIN_COLUMNS.length + 1})`;

/**
 * One raw INSERT of the row `writeEntry` built, on the transaction's connection: into the twin table
 * without its hash ((b)), or into AuditEntry with it (--a-insert raw).
 */
function insertRaw(
  tx: Prisma.TransactionClient,
  sql: string,
  data: Record<string, unknown>,
  keepHash: boolean,
): Promise<number> {
  const values = PLAIN_COLUMNS.map((c) => {
    const v = data[c];
    if (c === "changes") return v === undefined || v === null ? null : JSON.stringify(v);
    return v ?? null;
  });
  return tx.$executeRawUnsafe(sql, ...values, keepHash ? data.hash : NO_HASH);
}

function rawAuditTx(tx: Prisma.TransactionClient, sql: string, keepHash: boolean): Prisma.TransactionClient {
  const auditEntry = { create: (args: AuditCreateArgs) => insertRaw(tx, sql, args.data, keepHash) };
  const table = /^INSERT INTO "(\w+)"/.exec(sql)?.[1] ?? PLAIN_TABLE;
  // writeEntry now writes its row with one tagged $executeRaw (hash last): the same row goes to the
  // variant's table, with the variant's hash.
  const executeRaw = (strings: TemplateStringsArray, ...values: unknown[]) => {
    const text = strings.reduce((acc, part, i) => `${acc}${i > 0 ? `$${i}` : ""}${part}`, "");
    if (!/insert into "AuditEntry"/i.test(text)) return tx.$executeRaw(strings, ...values);
    const rewritten = text.replace(/"AuditEntry"/, `"${table}"`);
    const args = keepHash ? values : [...values.slice(0, -1), NO_HASH];
    return tx.$executeRawUnsafe(rewritten, ...args);
  };
  return new Proxy(tx, {
    get(target, prop) {
      if (prop === "auditEntry") return auditEntry;
      if (prop === "$executeRaw") return executeRaw;
      return Reflect.get(target, prop, target);
    },
  });
}

/** `db` with a Prisma client whose interactive transactions hand out `rawAuditTx`. */
function rawAuditDatabase(db: Database, table: string, keepHash: boolean): Database {
  const sql = rawInsert(table);
  const real = db.prisma;
  const $transaction = (arg: unknown, options?: unknown) =>
    typeof arg === "function"
      ? real.$transaction(
          (tx) => (arg as (tx: Prisma.TransactionClient) => Promise<unknown>)(rawAuditTx(tx, sql, keepHash)),
          options as never,
        )
      : real.$transaction(arg as never, options as never);
  const prisma = new Proxy(real, {
    get(target, prop) {
      if (prop === "$transaction") return $transaction;
      return Reflect.get(target, prop, target);
    },
  }) as PrismaClient;
  return { ...db, prisma };
}

/**
 * The bench's own check of (a)'s trail, independent of src/audit/verify.ts: every entry's HMAC, and
 * every seal's digest over its entries in numeric seq order (the order the sealer digests them in).
 */
async function checkTrail(db: Database, key: string) {
  const seals = await db.query<{ id: number; digest: string; entryCount: number }>(
    `SELECT id, digest, "entryCount" FROM "AuditSeal" ORDER BY id`,
  );
  // Qualified: a bare "seq" in ORDER BY would name the text output column and sort 1, 10, 100, 11, ...
  const rows = await db.query<Record<string, unknown> & { s: string; hash: string; sealId: number | null }>(
    `SELECT seq::text AS s, at, actor, role, "agencyCode", "clientId", operation, mutation, event, "entityType",
            "entityId", "citizenId", outcome::text AS outcome, changes, purpose, "caseRef", "requestId", "clientIp",
            "clientRequestId", hash, "sealId"
       FROM "AuditEntry" ORDER BY "AuditEntry".seq`,
  );
  const digests = new Map(seals.map((s) => [s.id, { d: sealDigest(key), n: 0 }]));
  const problems: string[] = [];
  let unsealed = 0;
  for (const r of rows) {
    if (r.hash !== entryHash(key, { ...r, at: new Date(r.at as Date) } as unknown as EntryContent))
      problems.push(`entry ${r.s}: hash`);
    if (r.sealId === null) {
      unsealed++;
      continue;
    }
    const seal = digests.get(r.sealId);
    if (!seal) problems.push(`entry ${r.s}: no seal ${r.sealId}`);
    else {
      seal.d.add(r.s, r.hash);
      seal.n++;
    }
  }
  for (const s of seals) {
    const got = digests.get(s.id);
    if (!got || got.n !== s.entryCount || got.d.hex() !== s.digest) problems.push(`seal ${s.id}: digest`);
  }
  return { entries: rows.length, seals: seals.length, unsealed, problems };
}

// ---------------------------------------------------------------------------------------------
// The answer to one recordService request

interface MutationBody {
  data?: { recordService?: { id: string; serviceType: string; channel: string; outcome: string } | null } | null;
  errors?: unknown[];
}

/** post()'s check: HTTP 200, no errors, and a recorded service. */
function parseRecorded(where: string, status: number, text: string): MutationBody {
  if (status !== 200) fail(`${where} answered HTTP ${status}: ${text.slice(0, 500)}`);
  const parsed = JSON.parse(text) as MutationBody;
  if (parsed.errors?.length || !parsed.data?.recordService?.id) {
    fail(`${where} answered without a recorded service: ${text.slice(0, 500)}`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// The run, step by step: main() at the end of this section reads as the list of steps.

interface Cell {
  variant: VariantId;
  concurrency: number;
  slices: SliceResult[];
  loop: { busy: number; activeMs: number }[];
  /** CPU time of this whole process (servers, sealer's JS, load-generator thread) per slice. */
  cpuMs: number[];
  /** Prisma statements sent during the slice (requests and, in (a), the sealer). */
  statements: number[];
  /** (a) only: entries sealed and seals made while the slice ran, and entries sealed right after it. */
  sealed: { entries: number; seals: number; afterSlice: number }[];
}

/** When and where the run happened, taken before anything else. */
interface RunInfo {
  startedAt: Date;
  machine: ReturnType<typeof machineInfo>;
  source: ReturnType<typeof sourceState>;
}

/** The seeded scratch database with (b)'s twin audit table. */
interface Prepared {
  db: Database;
  url: string;
  name: string;
  pgVersion: string;
  migrateMs: number;
  seedMs: number;
  seeded: SeedSummary;
  /** The twin table's indexes (as many as AuditEntry's). */
  twin: { indexdef: string }[];
  /** Citizens the token may see, in id order. */
  citizenIds: string[];
}

/** The two gateways, listening, and the request bodies (one per in-scope citizen). */
interface Variants {
  config: Config;
  headers: Record<string, string>;
  silent: Logger;
  urls: Record<VariantId, string>;
  bodies: string[];
}

interface SliceFigures {
  result: SliceResult;
  loop: { busy: number; activeMs: number };
  cpuMs: number;
  statements: number;
  sealed: { entries: number; seals: number; afterSlice: number };
}

/** One slice of load against one variant at one concurrency; the order of slices is the caller's. */
type RunSlice = (variant: VariantId, concurrency: number, seconds: number) => Promise<SliceFigures>;

const VARIANTS: VariantId[] = ["a", "b"];

/** 1. The scratch database: migrated, seeded, (b)'s twin audit table, ANALYZE; the citizens in scope. */
async function prepareDatabase(params: Params, cleanup: Cleanup): Promise<Prepared> {
  const { db, url, name, pgVersion, migrateMs } = await emptyScratchDatabase(params.adminUrl, cleanup, params.pool);
  const t0 = performance.now();
  const seeded = await seed(db.prisma, { citizens: params.citizens });
  const seedMs = performance.now() - t0;
  await db.query(`CREATE TABLE "${PLAIN_TABLE}" (LIKE "AuditEntry" INCLUDING ALL)`);
  await db.query("ANALYZE");
  log(`migrated in ${round(migrateMs / 1000)} s, seeded ${seeded.citizens} citizens in ${round(seedMs / 1000)} s`);
  const twin = await db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = $1", [
    PLAIN_TABLE,
  ]);
  const original = await db.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = $1", [
    "AuditEntry",
  ]);
  if (twin.length !== original.length) fail(`the twin table has ${twin.length} indexes, AuditEntry ${original.length}`);

  const citizenIds = (
    await db.query<{ id: string }>(`SELECT id FROM "Citizen" WHERE "domicileCode" LIKE $1 ORDER BY id`, [
      `${TOKEN_CLAIMS.region}%`,
    ])
  ).map((r) => r.id);
  if (citizenIds.length < 20) fail(`only ${citizenIds.length} citizens in region ${TOKEN_CLAIMS.region}`);
  return { db, url, name, pgVersion, migrateMs, seedMs, seeded, twin, citizenIds };
}

/** 2. Configuration, token, the gateways (a) and (b) on loopback ports, and the request bodies. */
async function startGateways(params: Params, { db, citizenIds }: Prepared, cleanup: Cleanup): Promise<Variants> {
  const { config, headers } = await benchConfig(TOKEN_CLAIMS);
  const policy = loadPolicy(config.policyDir, schema);
  const silent = createLogger("silent");
  const plainDb = rawAuditDatabase(db, PLAIN_TABLE, false);
  const gateways = {
    a: createGateway({
      config,
      db: params.aInsert === "raw" ? rawAuditDatabase(db, "AuditEntry", true) : db,
      policy,
      log: silent,
    }),
    b: createGateway({ config, db: params.baseline === "raw" ? plainDb : db, policy, log: silent }),
  };
  const urls = {} as Record<VariantId, string>;
  for (const id of VARIANTS) {
    const { server, url: u } = await listen(gateways[id]);
    cleanup.add(() => closeServer(server));
    urls[id] = u;
  }
  const channels = ["COUNTER", "ONLINE", "MOBILE"] as const;
  const bodies = citizenIds.map((citizenId, i) =>
    JSON.stringify({
      query: MUTATION,
      operationName: "RecordService",
      variables: {
        input: {
          citizenId,
          serviceType: "PENCETAKAN_KTP_EL",
          channel: channels[i % channels.length],
          outcome: "COMPLETED",
        },
      },
    }),
  );
  return { config, headers, silent, urls, bodies };
}

/**
 * 3. Correctness before speed: each variant records one service under a known request id; its audit
 * row must be where it belongs, with the same content, (a)'s with a valid HMAC, (b)'s with none
 * (--baseline prisma: (b)'s is in AuditEntry with its HMAC, as (a)'s). Returns each variant's row.
 */
async function verifyVariants(
  params: Params,
  { db }: Prepared,
  { config, headers, urls, bodies }: Variants,
): Promise<Record<VariantId, Record<string, unknown>>> {
  // Found by the caller's x-request-id, which the gateway keeps beside its own request id.
  const auditRow = async (table: string, requestId: string) => {
    const rows = await db.query<Record<string, unknown>>(
      `SELECT at, actor, role, "agencyCode", "clientId", operation, mutation, event, "entityType", "entityId",
              "citizenId", outcome::text AS outcome, changes, purpose, "caseRef", "requestId", "clientIp",
              "clientRequestId", hash, "sealId"
         FROM "${table}" WHERE "clientRequestId" = $1`,
      [requestId],
    );
    return rows;
  };
  const checked: Record<VariantId, Record<string, unknown>> = {} as never;
  for (const id of VARIANTS) {
    const requestId = `bench-check-${id}-${randomBytes(4).toString("hex")}`;
    const res = await post(urls[id], { ...headers, "x-request-id": requestId }, bodies[0] as string, parseRecorded);
    const recordId = res.data?.recordService?.id as string;
    const [service] = await db.query<{ servedBy: string }>(`SELECT "servedBy" FROM "ServiceRecord" WHERE id = $1`, [
      recordId,
    ]);
    if (!service) fail(`(${id}): the service record ${recordId} was not written`);
    const plain = id === "b" && params.baseline === "raw";
    const own = await auditRow(plain ? PLAIN_TABLE : "AuditEntry", requestId);
    const other = await auditRow(plain ? "AuditEntry" : PLAIN_TABLE, requestId);
    if (own.length !== 1 || other.length !== 0) {
      fail(
        `(${id}): expected its one audit row in its own table, got ${own.length} there and ${other.length} in the other`,
      );
    }
    const row = own[0] as Record<string, unknown>;
    if (row.entityId !== recordId || row.outcome !== "SUCCESS" || row.mutation !== "recordService") {
      fail(`(${id}): unexpected audit row ${JSON.stringify(row)}`);
    }
    const expected = entryHash(config.auditKey, row as never);
    if (!plain && row.hash !== expected) fail(`(${id}): the audit row's hash is not the entry's HMAC`);
    if (plain && row.hash !== NO_HASH) fail("(b): the plain audit row carries a hash");
    checked[id] = row;
  }
  const comparable = (r: Record<string, unknown>) => {
    const { at: _at, entityId: _e, requestId: _r, hash: _h, sealId: _s, changes, ...rest } = r;
    const c = { ...(changes as Record<string, unknown>) };
    delete c.servedAt;
    return JSON.stringify({ ...rest, changeKeys: Object.keys(c).sort(), c });
  };
  if (comparable(checked.a) !== comparable(checked.b)) {
    fail(`(a) and (b) wrote different audit content:\n${comparable(checked.a)}\n${comparable(checked.b)}`);
  }
  log(
    `both variants record the service and one audit row with the same content (${params.baseline === "raw" ? "(a) hashed, (b) not" : "both hashed"})`,
  );
  return checked;
}

/** 4. SQL statements per mutation of each variant, over a few sequential requests (no sealer). */
async function countStatements(
  { db }: Prepared,
  { headers, urls, bodies }: Variants,
): Promise<Record<VariantId, number>> {
  const STATEMENT_SAMPLES = 5;
  const statements = {} as Record<VariantId, number>;
  for (const id of VARIANTS) {
    const before = db.statements.count;
    for (let i = 0; i < STATEMENT_SAMPLES; i++) await post(urls[id], headers, bodies[i + 1] as string, parseRecorded);
    await new Promise((r) => setImmediate(r));
    statements[id] = (db.statements.count - before) / STATEMENT_SAMPLES;
  }
  return statements;
}

/** 5. What (b) still pays: writeEntry's HMAC, which a wrapped client cannot skip; µs per entry. */
function measureHmac(config: Config, row: Record<string, unknown>): number {
  const sample = { ...row, at: new Date(row.at as Date) } as never;
  for (let i = 0; i < 2_000; i++) entryHash(config.auditKey, sample);
  const HMAC_N = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < HMAC_N; i++) entryHash(config.auditKey, sample);
  return ((performance.now() - t0) * 1000) / HMAC_N;
}

/**
 * 6. The load generator (a worker thread), as one function that runs a slice of load and fails the
 * run if any request failed. The sealer runs during (a)'s slices only (see the top of this file);
 * sealed/mut is the share of (a)'s entries sealed within its slices.
 */
function sliceRunner(
  params: Params,
  { db }: Prepared,
  { config, headers, silent, urls, bodies }: Variants,
  client: LoadClient,
): RunSlice {
  const sealTotals = async () => {
    const [r] = await db.query<{ entries: number; seals: number }>(
      `SELECT coalesce(sum("entryCount"), 0)::int AS entries, count(*)::int AS seals FROM "AuditSeal"`,
    );
    return r ?? { entries: 0, seals: 0 };
  };
  let offset = 0;
  return async (variant, concurrency, seconds) => {
    const sealedBefore = variant === "a" ? await sealTotals() : undefined;
    let stopSealer: (() => Promise<void>) | undefined;
    let firstChain: Promise<unknown> | undefined;
    let sliceOver = false;
    if (variant === "a" && params.sealer === "serve") {
      stopSealer = startSealer(db.prisma, config.auditKey, silent, {}, params.sealerIntervalMs);
      firstChain = (async () => {
        while (!sliceOver) {
          const [r] = await db.query<{ pending: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM "AuditEntry" WHERE "sealId" IS NULL) AS pending`,
          );
          if (r?.pending) return sealAll(db.prisma, config.auditKey);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return 0;
      })().catch((e: Error) => log(`sealer: ${e.message}`));
    }
    if (variant === "a" && params.sealer === "per-tick") {
      stopSealer = startPerTickSealer(db.prisma, config.auditKey, params.sealerIntervalMs);
    }
    const statementsBefore = db.statements.count;
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const result = await client.run({
      url: urls[variant],
      headers,
      bodies,
      concurrency,
      durationMs: seconds * 1000,
      offset,
      mustContain: '"recordService":{"id"',
    });
    const loop = performance.eventLoopUtilization(elu);
    const cpuUsed = process.cpuUsage(cpu);
    const statementsDuring = db.statements.count - statementsBefore;
    sliceOver = true;
    await stopSealer?.();
    await firstChain;
    offset = result.next;
    if (result.errors > 0) {
      fail(`(${variant}) at ${concurrency}: ${result.errors} failed requests under load; first: ${result.firstError}`);
    }
    // --baseline prisma: (b)'s entries are in AuditEntry; seal them now, untimed, not in (a)'s slice.
    if (variant === "b" && params.baseline === "prisma") await sealAll(db.prisma, config.auditKey);
    let sealed = { entries: 0, seals: 0, afterSlice: 0 };
    if (sealedBefore) {
      const after = await sealTotals();
      // serve: what the chain left is sealed now, untimed; per-tick: it is the next slice's backlog.
      const afterSlice = params.sealer === "serve" ? await sealAll(db.prisma, config.auditKey) : 0;
      sealed = {
        entries: after.entries - sealedBefore.entries,
        seals: after.seals - sealedBefore.seals,
        afterSlice,
      };
    }
    return {
      result,
      loop: { busy: loop.utilization, activeMs: loop.active },
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
      statements: statementsDuring,
      sealed,
    };
  };
}

/** 7. Unmeasured: --warmup seconds per variant and concurrency. */
async function warmUp(runSlice: RunSlice, params: Params): Promise<void> {
  if (params.warmup <= 0) return;
  log(`warming up: ${params.warmup} s per variant and concurrency`);
  for (const c of params.concurrency) for (const v of VARIANTS) await runSlice(v, c, params.warmup);
}

/**
 * 8. Measured: --seconds per variant and concurrency, split over --rounds rounds; within a round every
 * concurrency runs (a) and (b) back to back, both orders alternating each round.
 */
async function runRounds(runSlice: RunSlice, params: Params): Promise<Map<string, Cell>> {
  const cells = new Map<string, Cell>();
  for (const c of params.concurrency) {
    for (const v of VARIANTS)
      cells.set(`${v}${c}`, {
        variant: v,
        concurrency: c,
        slices: [],
        loop: [],
        cpuMs: [],
        statements: [],
        sealed: [],
      });
  }
  const slice = params.seconds / params.rounds;
  const total = Math.round(params.seconds * VARIANTS.length * params.concurrency.length);
  log(`measuring: ${params.rounds} rounds of ${round(slice, 2)} s per variant and concurrency (~${total} s)`);
  for (let r = 0; r < params.rounds; r++) {
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    const concs = r % 2 === 0 ? params.concurrency : [...params.concurrency].reverse();
    for (const c of concs) {
      for (const v of order) {
        const { result, loop, cpuMs, statements: sql, sealed } = await runSlice(v, c, slice);
        const cell = cells.get(`${v}${c}`) as Cell;
        cell.slices.push(result);
        cell.loop.push(loop);
        cell.cpuMs.push(cpuMs);
        cell.statements.push(sql);
        cell.sealed.push(sealed);
      }
    }
    log(`round ${r + 1}/${params.rounds} done`);
  }
  return cells;
}

/** What checkTrailAfterRun found. */
interface AfterRun {
  tail: number;
  trail: Awaited<ReturnType<typeof checkTrail>>;
  verify: VerifyReport;
  verifyMs: number;
  counts: { a: number; b: number; services: number } | undefined;
}

/** 9. (a)'s trail after all that: every entry sealed, every hash and every seal digest right. */
async function checkTrailAfterRun({ db }: Prepared, { config }: Variants): Promise<AfterRun> {
  const tail = await sealAll(db.prisma, config.auditKey);
  const trail = await checkTrail(db, config.auditKey);
  if (trail.problems.length || trail.unsealed) {
    fail(
      `(a)'s audit trail is not whole: ${trail.unsealed} unsealed, problems: ${trail.problems.slice(0, 5).join("; ")}`,
    );
  }
  const t0 = performance.now();
  const verify = await verifyAudit(db, config.auditKey);
  const verifyMs = performance.now() - t0;
  log(`(a)'s trail checks out: ${trail.entries} entries in ${trail.seals} seals (${tail} sealed after the last slice)`);
  if (!verify.intact) {
    log(`verifyAudit disagrees (intact: false, ${verify.entries} entries): ${verify.firstProblem?.reason}`);
  }
  const [counts] = await db.query<{ a: number; b: number; services: number }>(
    `SELECT (SELECT count(*) FROM "AuditEntry")::int AS a, (SELECT count(*) FROM "${PLAIN_TABLE}")::int AS b,
            (SELECT count(*) FROM "ServiceRecord" WHERE "servedBy" = $1)::int AS services`,
    [`dev-${TOKEN_CLAIMS.role}`],
  );
  return { tail, trail, verify, verifyMs, counts };
}

/** 10a. Pooled figures per variant and concurrency. */
function figuresOf(params: Params, cells: Map<string, Cell>, statements: Record<VariantId, number>): Figure[] {
  return [...cells.values()].map((cell) => {
    const mutations = cell.slices.reduce((n, s) => n + s.count, 0);
    const seconds = cell.slices.reduce((n, s) => n + s.elapsedMs, 0) / 1000;
    const latencies = concat(cell.slices.map((s) => s.latencies)).sort();
    const activeMs = cell.loop.reduce((n, l) => n + l.activeMs, 0);
    const sealedEntries = cell.sealed.reduce((n, s) => n + s.entries, 0);
    return {
      variant: cell.variant,
      label:
        cell.variant === "a"
          ? aLabel(params)
          : cell.variant === "b" && params.baseline === "prisma"
            ? PRISMA_BASELINE_LABEL
            : VARIANT_LABEL[cell.variant],
      concurrency: cell.concurrency,
      mutations,
      seconds: round(seconds, 2),
      mutationsPerSecond: round(mutations / seconds, 1),
      mutationsPerSecondByRound: cell.slices.map((s) => round(s.count / (s.elapsedMs / 1000), 1)),
      latencyMs: {
        p50: round(percentile(latencies, 50), 2),
        p99: round(percentile(latencies, 99), 2),
        mean: round(latencies.reduce((n, l) => n + l, 0) / Math.max(1, latencies.length), 2),
        max: round(percentile(latencies, 100), 2),
      },
      sqlStatementsPerMutation: statements[cell.variant],
      sqlStatementsPerMutationUnderLoad: round(cell.statements.reduce((n, x) => n + x, 0) / Math.max(1, mutations), 2),
      processCpuMsPerMutation: round(cell.cpuMs.reduce((n, x) => n + x, 0) / Math.max(1, mutations), 3),
      serverLoop: {
        busy: round(cell.loop.reduce((n, l) => n + l.busy, 0) / cell.loop.length, 3),
        msPerMutation: round(activeMs / Math.max(1, mutations), 3),
      },
      sealer:
        cell.variant === "a"
          ? {
              entriesSealedDuringSlices: sealedEntries,
              sealsDuringSlices: cell.sealed.reduce((n, s) => n + s.seals, 0),
              sealedPerMutation: round(sealedEntries / Math.max(1, mutations), 3),
              entriesSealedAfterSlices: cell.sealed.reduce((n, s) => n + s.afterSlice, 0),
            }
          : null,
    };
  });
}

/** 10b. a/b per concurrency, pooled and per round, and whether it meets the target of 0.85. */
function compare(params: Params, figures: Figure[]): Record<string, RatioFigures> {
  const fig = (v: VariantId, c: number) => figures.find((f) => f.variant === v && f.concurrency === c) as Figure;
  const ratios: Record<string, RatioFigures> = {};
  for (const c of params.concurrency) {
    const [a, b] = [fig("a", c), fig("b", c)];
    const byRound = a.mutationsPerSecondByRound.map((x, i) =>
      round(x / (b.mutationsPerSecondByRound[i] ?? Number.NaN), 3),
    );
    const aOverB = round(a.mutationsPerSecond / b.mutationsPerSecond, 3);
    ratios[String(c)] = {
      aOverB,
      aOverBByRound: byRound,
      aOverBMedianOfRounds: round(median(byRound), 3),
      p50AOverB: round(a.latencyMs.p50 / b.latencyMs.p50, 3),
      p99AOverB: round(a.latencyMs.p99 / b.latencyMs.p99, 3),
      targetMet: aOverB >= 0.85,
    };
  }
  return ratios;
}

/** 10. The report: figures, ratios, the target, the trail after the run, and what was measured how. */
function summarise(
  run: RunInfo,
  params: Params,
  prepared: Prepared,
  measured: {
    cells: Map<string, Cell>;
    statements: Record<VariantId, number>;
    hmacMicros: number;
    rssMb: { beforeLoad: number; afterLoad: number };
  },
  after: AfterRun,
): Report {
  const { url, name, pgVersion, migrateMs, seedMs, seeded, twin, citizenIds } = prepared;
  const { tail, trail, verify, verifyMs, counts } = after;
  const figures = figuresOf(params, measured.cells, measured.statements);
  const ratios = compare(params, figures);
  const met = Object.values(ratios).every((r) => r.targetMet);
  return {
    benchmark: "mutations",
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...run.machine, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    source: run.source,
    params: {
      seconds: params.seconds,
      concurrency: params.concurrency,
      rounds: params.rounds,
      warmupSeconds: params.warmup,
      citizens: params.citizens,
      poolSize: params.pool,
      sealerIntervalMs: params.sealerIntervalMs,
      sealer: params.sealer,
      baseline: params.baseline,
      aInsert: params.aInsert,
      token: TOKEN_CLAIMS,
    },
    database: {
      engine: `PostgreSQL ${pgVersion}`,
      location: new URL(url).host,
      name,
      migrateSeconds: round(migrateMs / 1000, 1),
      seedSeconds: round(seedMs / 1000, 1),
      seeded,
      citizensInScope: citizenIds.length,
      plainTable: `CREATE TABLE "${PLAIN_TABLE}" (LIKE "AuditEntry" INCLUDING ALL): ${twin.length} indexes, as AuditEntry`,
      rowsAfterRun: counts ?? null,
    },
    mutation: MUTATION.replace(/\s+/g, " "),
    variants: {
      a:
        (params.aInsert === "prisma"
          ? "createGateway({ config, db }) as served, recordService → audited(): change + AuditEntry (entryHash HMAC) in one interactive transaction; "
          : "createGateway({ config, db: wrapped }): as served, except that the wrapped client's transactions write the audit row (with its HMAC) into AuditEntry with one raw INSERT instead of tx.auditEntry.create; ") +
        (params.sealer === "serve"
          ? "startSealer(db.prisma, auditKey) running during (a)'s slices, its sealAll chain started at the slice's first entry"
          : "the proposed per-tick sealer (sealPending once per tick, more only while a pass fills a batch of 10,000) running during (a)'s slices"),
      b:
        params.baseline === "raw"
          ? `createGateway({ config, db: wrapped }) — same schema, resolver and audited(); the wrapped client's transactions turn tx.auditEntry.create into one raw INSERT of the same columns into "${PLAIN_TABLE}" with a constant hash; no sealer`
          : "createGateway({ config, db }) exactly as (a), no sealer during its slices; its entries are sealed after each slice, untimed",
      bStillComputes: "entryHash (writeEntry calls it before create); see hmacMicrosPerEntry",
    },
    hmacMicrosPerEntry: round(measured.hmacMicros, 2),
    auditAfterRun: {
      sealedAtEnd: tail,
      benchCheck: { ...trail, problems: trail.problems.length },
      verifyAudit: { ...verify, ms: Math.round(verifyMs) },
      note: verify.intact
        ? "verifyAudit agrees with the bench's own check"
        : "verifyAudit reports a problem that the bench's own check (every entry's HMAC, every seal's digest over " +
          "its entries in numeric seq order) does not find: suspect verifyAudit",
    },
    notes: [
      "Latency is measured by the client (a worker thread) from sending the request to reading the whole body.",
      "serverLoop = event-loop utilisation of the main thread, where both servers and the sealer's JS run; " +
        "msPerMutation = busy ms of that loop per completed mutation.",
      "sealer.sealedPerMutation = entries the sealer sealed during the variant's slices / mutations in them; the " +
        "rest (entriesSealedAfterSlices) was sealed after each slice, untimed. Below 1 the variant was charged " +
        "less than its steady-state sealing.",
      "sqlStatementsPerMutation = Prisma query events per mutation, 5 sequential requests, no sealer; " +
        "sqlStatementsPerMutationUnderLoad = all Prisma statements during the slices (in (a) the sealer's too) / mutations.",
      "processCpuMsPerMutation = CPU time (user + system) of this whole process during the slices / mutations: " +
        "both servers' JS, Prisma, the sealer's JS and the load-generator thread (the same client work in both " +
        "variants). Not PostgreSQL's CPU. Less sensitive than req/s to other processes competing for the cores.",
      "Under sustained load sealAll never finds nothing pending, so the sealer runs pass after pass instead of " +
        "every interval; each (a) slice starts that state at once with a sealAll next to startSealer.",
    ],
    rssMb: measured.rssMb,
    results: figures,
    ratios,
    issueTarget: { rule: "a >= 0.85 x b in mutations/s at every concurrency", met },
  };
}

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  const run: RunInfo = { startedAt: new Date(), machine: machineInfo(), source: sourceState() };
  const cleanup = new Cleanup();
  try {
    const prepared = await prepareDatabase(params, cleanup);
    const variants = await startGateways(params, prepared, cleanup);
    const checked = await verifyVariants(params, prepared, variants);
    const statements = await countStatements(prepared, variants);
    const hmacMicros = measureHmac(variants.config, checked.a);
    const client = new LoadClient();
    cleanup.add(() => client.close());
    const runSlice = sliceRunner(params, prepared, variants, client);
    await warmUp(runSlice, params);
    const beforeLoad = process.memoryUsage.rss();
    const cells = await runRounds(runSlice, params);
    const afterLoad = process.memoryUsage.rss();
    await client.close();
    const after = await checkTrailAfterRun(prepared, variants);
    const rssMb = { beforeLoad: round(beforeLoad / MB), afterLoad: round(afterLoad / MB) };
    const report = summarise(run, params, prepared, { cells, statements, hmacMicros, rssMb }, after);
    console.log(formatTable(report));
    if (params.write) writeResults("mutations", report);
    if (params.strict && !report.issueTarget.met) process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

// ---------------------------------------------------------------------------------------------
// Output

interface Figure {
  variant: VariantId;
  label: string;
  concurrency: number;
  mutations: number;
  seconds: number;
  mutationsPerSecond: number;
  mutationsPerSecondByRound: number[];
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  sqlStatementsPerMutation: number;
  sqlStatementsPerMutationUnderLoad: number;
  processCpuMsPerMutation: number;
  serverLoop: { busy: number; msPerMutation: number };
  sealer: {
    entriesSealedDuringSlices: number;
    sealsDuringSlices: number;
    sealedPerMutation: number;
    entriesSealedAfterSlices: number;
  } | null;
}

interface RatioFigures {
  aOverB: number;
  aOverBByRound: number[];
  aOverBMedianOfRounds: number;
  p50AOverB: number;
  p99AOverB: number;
  targetMet: boolean;
}

interface Report {
  benchmark: string;
  startedAt: string;
  finishedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    totalMemMb: number;
    loadAvgAtStart: number[];
    loadAvgAtEnd: number[];
  };
  source: { commit: string | null; changed: string[] };
  params: {
    seconds: number;
    concurrency: number[];
    rounds: number;
    warmupSeconds: number;
    citizens: number;
    poolSize: number;
    sealerIntervalMs: number;
    sealer: Params["sealer"];
    baseline: Params["baseline"];
    aInsert: Params["aInsert"];
    token: typeof TOKEN_CLAIMS;
  };
  database: Record<string, unknown> & { engine: string; location: string; name: string; citizensInScope: number };
  mutation: string;
  variants: Record<string, string>;
  hmacMicrosPerEntry: number;
  auditAfterRun: {
    sealedAtEnd: number;
    benchCheck: { entries: number; seals: number; unsealed: number; problems: number };
    verifyAudit: VerifyReport & { ms: number };
    note: string;
  };
  notes: string[];
  rssMb: { beforeLoad: number; afterLoad: number };
  results: Figure[];
  ratios: Record<string, RatioFigures>;
  issueTarget: { rule: string; met: boolean };
}

function formatTable(report: Report): string {
  const m = report.machine;
  const d = report.database;
  const p = report.params;
  const out: string[] = [
    "",
    `Gerbang mutation benchmark (recordService), ${report.startedAt}`,
    `machine   ${m.cpus} x ${m.cpuModel}, ${Math.round(m.totalMemMb / 1024)} GB, ${m.platform}, Node ${m.node}`,
    `          load average at start ${m.loadAvgAtStart.join(" ")}, at end ${m.loadAvgAtEnd.join(" ")}`,
    `params    ${p.seconds} s per variant and concurrency in ${p.rounds} interleaved rounds, warm-up ${p.warmupSeconds} s, ` +
      `pool ${p.poolSize}, (a)'s sealer: ${p.sealer === "serve" ? "startSealer as in serve" : "per-tick (proposal)"}, every ${p.sealerIntervalMs} ms; ` +
      `(b): ${p.baseline === "raw" ? "raw INSERT into a twin table" : "as built minus the sealer"}` +
      (p.aInsert === "raw" ? "; (a) writes its audit row with a raw INSERT (proposal)" : ""),
    `database  ${d.engine} at ${d.location}, scratch database ${d.name} (dropped at exit), ` +
      `${p.citizens} citizens (${d.citizensInScope} in ${TOKEN_CLAIMS.region})`,
    `source    ${report.source.commit?.slice(0, 12) ?? "unknown commit"}` +
      (report.source.changed.length ? ` + ${report.source.changed.length} changed files (see the JSON)` : ", clean"),
    `token     ${TOKEN_CLAIMS.role}, region ${TOKEN_CLAIMS.region}, agency ${TOKEN_CLAIMS.agency}`,
    "",
  ];
  const head = [
    "conc",
    "variant",
    "mut/s",
    "p50 ms",
    "p99 ms",
    "mean ms",
    "SQL/mut",
    "CPU ms/mut",
    "loop busy",
    "sealed/mut",
  ];
  const figures = [...report.results].sort(
    (x, y) => x.concurrency - y.concurrency || x.variant.localeCompare(y.variant),
  );
  const rows = figures.map((f) => [
    String(f.concurrency),
    `${f.variant}  ${f.label}`,
    f.mutationsPerSecond.toFixed(1),
    f.latencyMs.p50.toFixed(2),
    f.latencyMs.p99.toFixed(2),
    f.latencyMs.mean.toFixed(2),
    f.sqlStatementsPerMutationUnderLoad.toFixed(2),
    f.processCpuMsPerMutation.toFixed(2),
    `${Math.round(f.serverLoop.busy * 100)}%`,
    f.sealer ? f.sealer.sealedPerMutation.toFixed(2) : "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  out.push(line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), "");
  for (const [c, r] of Object.entries(report.ratios)) {
    out.push(
      `conc ${c.padStart(2)}: a/b = ${r.aOverB.toFixed(3)} (target >= 0.85: ${r.targetMet ? "met" : "MISSED"}); ` +
        `per round ${r.aOverBByRound.map((x) => x.toFixed(2)).join(" ")}, median ${r.aOverBMedianOfRounds.toFixed(3)}; ` +
        `p50 a/b ${r.p50AOverB.toFixed(2)}, p99 a/b ${r.p99AOverB.toFixed(2)}`,
    );
  }
  out.push(
    `${report.params.baseline === "raw" ? "(b) still computes" : "both compute"} writeEntry's HMAC: ${report.hmacMicrosPerEntry} µs per entry (measured apart).`,
    `after the run: (a)'s trail is whole by the bench's own check (${report.auditAfterRun.benchCheck.entries} entries, ` +
      `${report.auditAfterRun.benchCheck.seals} seals; ${report.auditAfterRun.sealedAtEnd} sealed after the last slice); ` +
      `verifyAudit says intact: ${report.auditAfterRun.verifyAudit.intact}` +
      (report.auditAfterRun.verifyAudit.intact
        ? ""
        : ` (${report.auditAfterRun.verifyAudit.firstProblem?.reason}; see the JSON note)`),
  );
  return out.join("\n");
}

main().catch((error: unknown) => {
  if (error instanceof BenchAbort) log(`aborted: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
});
