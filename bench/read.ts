// Read benchmark: what the policy layer (shield, masking, to-one scope checks) costs on two typical
// reads, side by side with the same gateway without it and with a hand-written SQL ceiling.
//
//   npx tsx bench/read.ts [--citizens 2000] [--seconds 10] [--concurrency 8]
//
// One run, one scratch PostgreSQL database (created, migrated, seeded, always dropped), three real
// HTTP servers on loopback ports in this process, one load generator on a worker thread. The targets
// are interleaved in rounds so that machine noise hits them alike. See bench/README.md.
import type { IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { isDeepStrictEqual, parseArgs } from "node:util";
import pg from "pg";
import type { Database } from "../src/db/database.ts";
import { createLogger } from "../src/log.ts";
import { loadPolicy } from "../src/policy/load.ts";
import { schema } from "../src/schema/index.ts";
import { createGateway } from "../src/server/yoga.ts";
import {
  BenchAbort,
  benchConfig,
  Cleanup,
  checkClear,
  checkMasked,
  closeServer,
  concat,
  DEFAULT_ADMIN_URL,
  fail,
  groupedTable,
  LoadClient,
  listen,
  log,
  MB,
  machineInfo,
  median,
  nodesOf,
  num,
  parseOk,
  percentile,
  post,
  Q1_TEXT,
  Q2_TEXT,
  type QueryId,
  requestBodies,
  round,
  type ScratchDatabase,
  type SliceResult,
  scratchDatabase,
  sourceState,
  TOKEN_CLAIMS,
  writeResults,
} from "./support.ts";

// ---------------------------------------------------------------------------------------------
// Parameters

const USAGE = `usage: npx tsx bench/read.ts [options]
  --citizens N       citizens to seed (default 2000)
  --seconds S        measured seconds per target and query, split over the rounds (default 10)
  --concurrency N    concurrent requests in flight (default 8)
  --rounds N         rounds the measured time is split into; the target order rotates each round
                     (default 6: each target then runs first, second and third equally often)
  --warmup S         unmeasured seconds per target and query before the rounds (default 1)
  --targets LIST     comma-separated subset of a,b,c (default a,b,c; e.g. one target under --cpu-prof)
  --database-url URL PostgreSQL URL to connect to for CREATE/DROP DATABASE
                     (default $BENCH_DATABASE_URL or ${DEFAULT_ADMIN_URL})
  --strict           exit 1 when the issue's target (a >= 0.85 x b, no extra SQL) is missed
  --no-write         print the table only, write no result file`;

type TargetId = "a" | "b" | "c";

interface Params {
  citizens: number;
  seconds: number;
  concurrency: number;
  rounds: number;
  warmup: number;
  targets: TargetId[];
  adminUrl: string;
  strict: boolean;
  write: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      citizens: { type: "string", default: "2000" },
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "8" },
      rounds: { type: "string", default: "6" },
      warmup: { type: "string", default: "1" },
      targets: { type: "string", default: "a,b,c" },
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
  const targets = values.targets.split(",").map((t) => t.trim());
  for (const t of targets) if (t !== "a" && t !== "b" && t !== "c") fail(`--targets: unknown target "${t}"`);
  return {
    citizens: num("citizens", values.citizens, 100, true),
    seconds: num("seconds", values.seconds, 0.5, false),
    concurrency: num("concurrency", values.concurrency, 1, true),
    rounds: num("rounds", values.rounds, 1, true),
    warmup: num("warmup", values.warmup, 0, false),
    targets: [...new Set(targets)] as TargetId[],
    adminUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL,
    strict: values.strict,
    write: !values["no-write"],
  };
}

const TARGET_LABEL: Record<TargetId, string> = {
  a: "gateway, policy + masking",
  b: "gateway, enforce: false",
  c: "pg + hand-written SQL",
};

// ---------------------------------------------------------------------------------------------
// Target (c): node:http + pg, one statement per request that builds the whole response body.

/** The JSON of one citizen node; `c` is the citizen row, `v` its domicile village. */
function citizenNodeSql(withDomicile: boolean): string {
  return `json_build_object(
    'id', c.id,
    'fullName', c."fullName",
    'nik', c.nik,
    'address', concat_ws(', ', c."addressStreet" || ', RT ' || c."addressRt" || '/RW ' || c."addressRw",
                         v.name, d.name, r.name, p.name),
    ${withDomicile ? `'domicile', json_build_object('code', v.code, 'name', v.name),` : ""}
    'taxRecords', json_build_object('edges', coalesce((
      SELECT json_agg(json_build_object('node', json_build_object(
               'id', t.id, 'period', t.period, 'assessedAmount', trim_scale(t."assessedAmount")::text))
             ORDER BY t.id)
        FROM (SELECT t.id, t.period, t."assessedAmount"
                FROM "TaxRecord" t JOIN "Agency" ag ON ag.id = t."agencyId"
               WHERE t."citizenId" = c.id AND ag.code = $agency
               ORDER BY t.id LIMIT 5) t), '[]'::json)))`;
}

const REGION_CHAIN = `JOIN "Region" v ON v.code = c."domicileCode"
  LEFT JOIN "Region" d ON d.code = v."parentCode"
  LEFT JOIN "Region" r ON r.code = d."parentCode"
  LEFT JOIN "Region" p ON p.code = r."parentCode"`;

// $1 = region prefix pattern ('32.01%'), $2 = agency code, $3 = citizen id (Q2).
const Q1_SQL = `SELECT json_build_object('data', json_build_object('citizens', json_build_object('edges',
  coalesce(json_agg(json_build_object('node', ${citizenNodeSql(true)}) ORDER BY c.id), '[]'::json))))::text AS body
  FROM (SELECT * FROM "Citizen" WHERE "domicileCode" LIKE $1 ORDER BY id LIMIT 100) c
  ${REGION_CHAIN}`.replaceAll("$agency", "$2");

const Q2_SQL = `SELECT json_build_object('data', json_build_object('citizen', (
  SELECT ${citizenNodeSql(false)}
    FROM "Citizen" c ${REGION_CHAIN}
   WHERE c.id = $3 AND c."domicileCode" LIKE $1)))::text AS body`.replaceAll("$agency", "$2");

function createSqlServer(pool: pg.Pool, scope: { region: string; agency: string }, counter: { count: number }) {
  const pattern = `${scope.region}%`;
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        operationName?: string;
        variables?: { id?: string };
      };
      let sql: string;
      let params: unknown[];
      if (request.operationName === "Q1") {
        sql = Q1_SQL;
        params = [pattern, scope.agency];
      } else if (request.operationName === "Q2" && typeof request.variables?.id === "string") {
        sql = Q2_SQL;
        params = [pattern, scope.agency, request.variables.id];
      } else {
        res.writeHead(400, { "content-type": "application/json" });
        res.end('{"errors":[{"message":"unknown operation"}]}');
        return;
      }
      counter.count++;
      const { rows } = await pool.query<{ body: string }>(sql, params);
      const body = rows[0]?.body ?? '{"data":null}';
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } catch (error) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Memory: RSS is process-wide (servers, client thread, Prisma's engine), sampled every 20 ms.

class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout;
  constructor() {
    this.timer = setInterval(() => this.sample(), 20);
    this.timer.unref();
  }
  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return rss;
  }
  /** Starts a phase: returns a function that ends it with { start, peak, end } in bytes. */
  phase(): () => { start: number; peak: number; end: number } {
    const start = this.sample();
    this.peak = start;
    return () => {
      const end = this.sample();
      return { start, peak: this.peak, end };
    };
  }
}

// ---------------------------------------------------------------------------------------------
// The run, step by step: main() at the end of this section reads as the list of steps.

interface Cell {
  target: TargetId;
  query: QueryId;
  slices: SliceResult[];
  rss: { start: number; peak: number; end: number }[];
  /** Event-loop utilisation of the main thread (where the servers run) per slice. */
  loop: { busy: number; activeMs: number }[];
  statementsPerRequest: number;
}

/** When and where the run happened, taken before anything else. */
interface RunInfo {
  startedAt: Date;
  machine: ReturnType<typeof machineInfo>;
  source: ReturnType<typeof sourceState>;
}

/** The three targets, listening, over one seeded scratch database. */
interface Targets {
  scratch: ScratchDatabase;
  db: Database;
  headers: Record<string, string>;
  urls: Record<TargetId, string>;
  bodies: Record<QueryId, string[]>;
  /** Statements target (c) sent. */
  sqlCounter: { count: number };
}

type Statements = Record<`${TargetId}${QueryId}`, number>;

/** One slice of load against one target and query; the order of slices is the caller's. */
type RunSlice = (
  target: TargetId,
  q: QueryId,
  seconds: number,
) => Promise<{
  result: SliceResult;
  rss: { start: number; peak: number; end: number };
  loop: { busy: number; activeMs: number };
}>;

const QUERIES: QueryId[] = ["Q1", "Q2"];

/** 1. The scratch database (created, migrated, seeded, analyzed) and the three servers a, b and c. */
async function prepareTargets(params: Params, cleanup: Cleanup): Promise<Targets> {
  const scratch = await scratchDatabase(params.adminUrl, params.citizens, cleanup, 10);
  const { db } = scratch;
  const { config, headers } = await benchConfig();
  const policy = loadPolicy(config.policyDir, schema);
  const silent = createLogger("silent");
  const pool = new pg.Pool({ connectionString: scratch.url, max: 10 });
  pool.on("error", () => {});
  cleanup.add(() => pool.end());
  const sqlCounter = { count: 0 };
  const handlers = {
    a: createGateway({ config, db, policy, log: silent }),
    b: createGateway({ config, db, policy, enforce: false, log: silent }),
    c: createSqlServer(pool, { region: TOKEN_CLAIMS.region, agency: TOKEN_CLAIMS.agency }, sqlCounter),
  };
  const urls = {} as Record<TargetId, string>;
  for (const id of ["a", "b", "c"] as const) {
    const { server, url } = await listen(handlers[id]);
    cleanup.add(() => closeServer(server));
    urls[id] = url;
  }
  return { scratch, db, headers, urls, bodies: requestBodies(scratch.inScopeIds), sqlCounter };
}

/**
 * 2. Correctness before speed: b shows clear values in scope, a exactly b's answer with the NIK and
 * the address masked, c exactly b's. All three are checked whatever --targets says: b is a's
 * reference, and c must equal b.
 */
async function verifyResponses({ urls, headers, bodies }: Targets): Promise<void> {
  const q2 = bodies.Q2;
  const samples: Record<QueryId, string[]> = {
    Q1: bodies.Q1,
    Q2: [q2[0], q2[Math.floor(q2.length / 2)], q2.at(-1)] as string[],
  };
  for (const q of QUERIES) {
    for (const body of samples[q]) {
      const rb = await post(urls.b, headers, body, parseOk);
      const ra = await post(urls.a, headers, body, parseOk);
      const rc = await post(urls.c, headers, body, parseOk);
      const clear = nodesOf(q, rb);
      checkClear(`${q} (b)`, q, clear);
      checkMasked(`${q} (a)`, nodesOf(q, ra), clear);
      if (!isDeepStrictEqual(rc, rb)) fail(`${q} (c): the SQL ceiling's JSON differs from the gateway's (b)`);
    }
  }
  const example = nodesOf("Q2", await post(urls.a, headers, samples.Q2[0] as string, parseOk))[0];
  log(`responses verified (a shows e.g. nik ${example?.nik}, address "${example?.address}")`);
}

/** 3. SQL statements per request of each target and query, over a few sequential requests. */
async function countStatements({ db, urls, headers, bodies, sqlCounter }: Targets): Promise<Statements> {
  const STATEMENT_SAMPLES = 5;
  const statements = {} as Statements;
  for (const target of ["a", "b", "c"] as const) {
    for (const q of QUERIES) {
      const counter = target === "c" ? sqlCounter : db.statements;
      const before = counter.count;
      for (let i = 0; i < STATEMENT_SAMPLES; i++) {
        await post(urls[target], headers, bodies[q][i % bodies[q].length] as string, parseOk);
      }
      await new Promise((r) => setImmediate(r)); // in case a query event is emitted after the response
      statements[`${target}${q}`] = (counter.count - before) / STATEMENT_SAMPLES;
    }
  }
  return statements;
}

/**
 * 4. The load generator (a worker thread) and the RSS sampler, as one function that runs a slice of
 * load and fails the run if any request failed. Each query's bodies are cycled through across slices.
 */
function sliceRunner({ urls, headers, bodies }: Targets, params: Params, cleanup: Cleanup): RunSlice {
  const client = new LoadClient();
  cleanup.add(() => client.close());
  const sampler = new RssSampler();
  const offsets: Record<QueryId, number> = { Q1: 0, Q2: 0 };
  return async (target, q, seconds) => {
    const endRss = sampler.phase();
    const elu = performance.eventLoopUtilization();
    const result = await client.run({
      url: urls[target],
      headers,
      bodies: bodies[q],
      concurrency: params.concurrency,
      durationMs: seconds * 1000,
      offset: offsets[q],
    });
    offsets[q] = result.next;
    const loop = performance.eventLoopUtilization(elu);
    if (result.errors > 0) {
      fail(`${target} ${q}: ${result.errors} failed requests under load; first: ${result.firstError}`);
    }
    return { result, rss: endRss(), loop: { busy: loop.utilization, activeMs: loop.active } };
  };
}

/** 5. Unmeasured: --warmup seconds per target and query. */
async function warmUp(runSlice: RunSlice, params: Params): Promise<void> {
  if (params.warmup <= 0) return;
  log(`warming up: ${params.warmup} s per target and query`);
  for (const q of QUERIES) for (const target of params.targets) await runSlice(target, q, params.warmup);
}

/**
 * 6. Measured: --seconds per target and query, split over --rounds rounds. Each round rotates the
 * target order (a b c, b c a, c a b, ...) and alternates the query order, so that noise hits all alike.
 */
async function runRounds(runSlice: RunSlice, params: Params, statements: Statements): Promise<Map<string, Cell>> {
  const cells = new Map<string, Cell>();
  for (const target of params.targets) {
    for (const q of QUERIES) {
      const statementsPerRequest = statements[`${target}${q}`];
      cells.set(`${target}${q}`, { target, query: q, slices: [], rss: [], loop: [], statementsPerRequest });
    }
  }
  const slice = params.seconds / params.rounds;
  const total = Math.round(params.seconds * params.targets.length * QUERIES.length);
  log(`measuring: ${params.rounds} rounds of ${round(slice, 2)} s per target and query (~${total} s)`);
  for (let r = 0; r < params.rounds; r++) {
    const order = params.targets.map((_, i) => params.targets[(i + r) % params.targets.length] as TargetId);
    for (const q of r % 2 === 0 ? QUERIES : [...QUERIES].reverse()) {
      for (const target of order) {
        const { result, rss, loop } = await runSlice(target, q, slice);
        const cell = cells.get(`${target}${q}`) as Cell;
        cell.slices.push(result);
        cell.rss.push(rss);
        cell.loop.push(loop);
      }
    }
    log(`round ${r + 1}/${params.rounds} done`);
  }
  return cells;
}

/** 7a. Pooled figures per target and query. */
function figuresOf(cells: Map<string, Cell>): Figure[] {
  return [...cells.values()].map((cell) => {
    const requests = cell.slices.reduce((n, s) => n + s.count, 0);
    const seconds = cell.slices.reduce((n, s) => n + s.elapsedMs, 0) / 1000;
    const bytes = cell.slices.reduce((n, s) => n + s.bytes, 0);
    const latencies = concat(cell.slices.map((s) => s.latencies)).sort();
    const activeMs = cell.loop.reduce((n, l) => n + l.activeMs, 0);
    return {
      target: cell.target,
      label: TARGET_LABEL[cell.target],
      query: cell.query,
      requests,
      seconds: round(seconds, 2),
      requestsPerSecond: round(requests / seconds, 1),
      requestsPerSecondByRound: cell.slices.map((s) => round(s.count / (s.elapsedMs / 1000), 1)),
      latencyMs: {
        p50: round(percentile(latencies, 50), 2),
        p99: round(percentile(latencies, 99), 2),
        mean: round(latencies.reduce((n, l) => n + l, 0) / latencies.length, 2),
        max: round(percentile(latencies, 100), 2),
      },
      sqlStatementsPerRequest: cell.statementsPerRequest,
      responseBytes: Math.round(bytes / Math.max(1, requests)),
      serverLoop: {
        busy: round(cell.loop.reduce((n, l) => n + l.busy, 0) / cell.loop.length, 3),
        msPerRequest: round(activeMs / Math.max(1, requests), 2),
      },
      rssMb: {
        peak: round(Math.max(...cell.rss.map((r) => r.peak)) / MB),
        growthPerPhase: round(Math.max(...cell.rss.map((r) => r.peak - r.start)) / MB),
        netGrowth: round(cell.rss.reduce((n, r) => n + (r.end - r.start), 0) / MB),
      },
    };
  });
}

/** 7b. Ratios between the targets per query, and the issue's target: a >= 0.85 x b and no extra SQL. */
function compare(figures: Figure[]): { ratios: Record<string, Ratios>; checks: Record<string, Check> } {
  const fig = (t: TargetId, q: QueryId) => figures.find((f) => f.target === t && f.query === q);
  const ratios: Record<string, Ratios> = {};
  const checks: Record<string, Check> = {};
  for (const q of QUERIES) {
    const [a, b, c] = [fig("a", q), fig("b", q), fig("c", q)];
    const r = (x?: Figure, y?: Figure) => (x && y ? round(x.requestsPerSecond / y.requestsPerSecond, 3) : null);
    // Per-round ratios: a and b ran back to back in each round, so each ratio saw similar noise.
    const byRound =
      a && b
        ? a.requestsPerSecondByRound.map((x, i) => round(x / (b.requestsPerSecondByRound[i] ?? Number.NaN), 3))
        : [];
    ratios[q] = {
      aOverB: r(a, b),
      aOverBByRound: byRound,
      aOverBMedianOfRounds: byRound.length ? round(median(byRound), 3) : null,
      aOverC: r(a, c),
      bOverC: r(b, c),
    };
    const aOverB = ratios[q].aOverB;
    const extraSql = a && b ? a.sqlStatementsPerRequest - b.sqlStatementsPerRequest : null;
    checks[q] = {
      throughputRatio: aOverB,
      throughputOk: aOverB === null ? null : aOverB >= 0.85,
      extraSql,
      sqlOk: extraSql === null ? null : extraSql <= 0,
    };
  }
  return { ratios, checks };
}

/** 7. The report: figures, ratios, the issue's target, and what was measured where. */
function summarise(
  run: RunInfo,
  params: Params,
  { scratch }: Targets,
  cells: Map<string, Cell>,
  rssMb: { beforeLoad: number; afterLoad: number },
): Report {
  const figures = figuresOf(cells);
  const { ratios, checks } = compare(figures);
  const allChecks = Object.values(checks);
  const complete = allChecks.every((c) => c.throughputOk !== null && c.sqlOk !== null);
  const met = complete ? allChecks.every((c) => c.throughputOk && c.sqlOk) : null;
  return {
    benchmark: "read",
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...run.machine, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
    source: run.source,
    params: {
      citizens: params.citizens,
      seconds: params.seconds,
      concurrency: params.concurrency,
      rounds: params.rounds,
      warmupSeconds: params.warmup,
      targets: params.targets,
      token: TOKEN_CLAIMS,
    },
    database: {
      engine: `PostgreSQL ${scratch.pgVersion}`,
      location: new URL(scratch.url).host,
      name: scratch.name,
      migrateSeconds: round(scratch.migrateMs / 1000, 1),
      seedSeconds: round(scratch.seedMs / 1000, 1),
      analyzedAfterSeed: true,
      seeded: scratch.seeded,
      citizensInScope: scratch.inScopeIds.length,
      gatewayPoolSize: 10,
      sqlPoolSize: 10,
    },
    queries: { Q1: Q1_TEXT.replace(/\s+/g, " "), Q2: Q2_TEXT.replace(/\s+/g, " ") },
    sql: { Q1: Q1_SQL, Q2: Q2_SQL },
    notes: [
      "All three servers, Prisma and the load-generator thread share one process: RSS is process-wide.",
      "rssMb.peak = highest RSS sampled (every 20 ms) during the cell's slices; growthPerPhase = largest " +
        "rise within one slice; netGrowth = sum over the slices of (RSS at end - RSS at start).",
      "serverLoop = event-loop utilisation of the main thread, where the three servers run (the client " +
        "is on a worker thread); msPerRequest = busy milliseconds of that loop per completed request.",
      "Latency is measured by the client from sending the request to reading the whole body.",
    ],
    rssMb,
    results: figures,
    ratios,
    issueTarget: {
      rule: "for each query: a >= 0.85 x b in requests/s, and a sends no more SQL statements per request than b",
      checks,
      met,
    },
  };
}

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  const run: RunInfo = { startedAt: new Date(), machine: machineInfo(), source: sourceState() };
  const cleanup = new Cleanup();
  try {
    const targets = await prepareTargets(params, cleanup);
    await verifyResponses(targets);
    const statements = await countStatements(targets);
    const runSlice = sliceRunner(targets, params, cleanup);
    const beforeLoad = process.memoryUsage.rss();
    await warmUp(runSlice, params);
    const cells = await runRounds(runSlice, params, statements);
    const afterLoad = process.memoryUsage.rss();
    const report = summarise(run, params, targets, cells, {
      beforeLoad: round(beforeLoad / MB),
      afterLoad: round(afterLoad / MB),
    });
    console.log(formatTable(report, params));
    if (params.write) writeResults("read", report);
    if (params.strict && report.issueTarget.met === false) process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

// ---------------------------------------------------------------------------------------------
// Output

interface Figure {
  target: TargetId;
  label: string;
  query: QueryId;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  requestsPerSecondByRound: number[];
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  sqlStatementsPerRequest: number;
  responseBytes: number;
  serverLoop: { busy: number; msPerRequest: number };
  rssMb: { peak: number; growthPerPhase: number; netGrowth: number };
}

interface Ratios {
  aOverB: number | null;
  aOverBByRound: number[];
  aOverBMedianOfRounds: number | null;
  aOverC: number | null;
  bOverC: number | null;
}

interface Check {
  throughputRatio: number | null;
  throughputOk: boolean | null;
  extraSql: number | null;
  sqlOk: boolean | null;
}

interface Report {
  benchmark: string;
  startedAt: string;
  finishedAt: string;
  machine: ReturnType<typeof machineInfo> & { loadAvgAtEnd: number[] };
  source: ReturnType<typeof sourceState>;
  params: Record<string, unknown>;
  database: {
    engine: string;
    location: string;
    name: string;
    citizensInScope: number;
    seeded: { citizens: number };
    [more: string]: unknown;
  };
  queries: Record<QueryId, string>;
  sql: Record<QueryId, string>;
  notes: string[];
  rssMb: { beforeLoad: number; afterLoad: number };
  results: Figure[];
  ratios: Record<string, Ratios>;
  issueTarget: { rule: string; checks: Record<string, Check>; met: boolean | null };
}

function formatTable(report: Report, params: Params): string {
  const m = report.machine;
  const d = report.database;
  const out: string[] = [
    "",
    `Gerbang read benchmark, ${report.startedAt}`,
    `machine   ${m.cpus} x ${m.cpuModel}, ${Math.round(m.totalMemMb / 1024)} GB, ${m.platform}, Node ${m.node}`,
    `          load average at start ${m.loadAvgAtStart.join(" ")}, at end ${m.loadAvgAtEnd.join(" ")}`,
    `params    ${d.seeded.citizens} citizens (${d.citizensInScope} in region ${TOKEN_CLAIMS.region}), ` +
      `${params.seconds} s per target and query in ${params.rounds} interleaved rounds, ` +
      `concurrency ${params.concurrency}, warm-up ${params.warmup} s`,
    `database  ${d.engine} at ${d.location}, scratch database ${d.name} (dropped at exit)`,
    `source    ${report.source.commit?.slice(0, 12) ?? "unknown commit"}` +
      (report.source.changed.length ? ` + ${report.source.changed.length} changed files (see the JSON)` : ", clean"),
    `token     ${TOKEN_CLAIMS.role}, region ${TOKEN_CLAIMS.region}, agency ${TOKEN_CLAIMS.agency}`,
    "",
  ];
  const head = [
    "query",
    "target",
    "req/s",
    "p50 ms",
    "p99 ms",
    "SQL/req",
    "bytes/resp",
    "loop busy",
    "loop ms/req",
    "peak RSS MB",
    "RSS +MB/phase",
  ];
  const figures = [...report.results].sort(
    (x, y) => x.query.localeCompare(y.query) || x.target.localeCompare(y.target),
  );
  const rows = figures.map((f) => [
    f.query,
    `${f.target}  ${f.label}`,
    f.requestsPerSecond.toFixed(1),
    f.latencyMs.p50.toFixed(2),
    f.latencyMs.p99.toFixed(2),
    String(round(f.sqlStatementsPerRequest, 2)),
    String(f.responseBytes),
    `${Math.round(f.serverLoop.busy * 100)}%`,
    f.serverLoop.msPerRequest.toFixed(2),
    f.rssMb.peak.toFixed(0),
    f.rssMb.growthPerPhase.toFixed(1),
  ]);
  out.push(...groupedTable(head, rows));
  out.push(
    "",
    "All three servers and the client thread share one process: peak RSS is the process's, and",
    `RSS +MB/phase is the largest rise within one slice (process ${report.rssMb.beforeLoad} MB before load, ` +
      `${report.rssMb.afterLoad} MB after).`,
    "loop busy / loop ms/req: the servers' event loop (main thread); near 100% means the gateway's own",
    "JavaScript is the bottleneck, not PostgreSQL.",
    "",
  );
  const fmt = (n: number | null | undefined) => (n === null || n === undefined ? "-" : n.toFixed(3));
  for (const [q, r] of Object.entries(report.ratios)) {
    const check = report.issueTarget.checks[q];
    out.push(
      `${q}: a/b ${fmt(r.aOverB)} (per round ${r.aOverBByRound.map((x) => x.toFixed(2)).join(" ")}; ` +
        `median ${fmt(r.aOverBMedianOfRounds)})   a/c ${fmt(r.aOverC)}   b/c ${fmt(r.bOverC)}`,
    );
    if (check && check.throughputOk !== null) {
      out.push(
        `    ${check.throughputOk ? "meets" : "MISSES"} a >= 0.85 x b; ` +
          `a sends ${check.extraSql ?? "?"} more SQL statements per request than b (${check.sqlOk ? "ok" : "MISSES"})`,
      );
    }
  }
  const met = report.issueTarget.met;
  out.push(
    `issue target (a >= 0.85 x b and no extra SQL, both queries): ` +
      `${met === null ? "not evaluated (needs a and b)" : met ? "MET" : "NOT MET"}`,
  );
  return out.join("\n");
}

main().catch((error: unknown) => {
  console.error(error instanceof BenchAbort ? `bench aborted: ${error.message}` : error);
  process.exitCode = 1;
});
