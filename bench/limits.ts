// Limits benchmark: what the limits (src/limits/) cost on ordinary reads, and what the most
// expensive documents they still let through cost, in one run on one scratch PostgreSQL database.
//
//   npx tsx bench/limits.ts [--citizens 10000] [--seconds 10] [--concurrency 8]    (npm run bench:limits)
//
// 1. Overhead: the read benchmark's Q1 and Q2 against two real HTTP servers in this process, the
//    gateway with its limits (a) and without them (b: `limits: false`), interleaved in rounds, with
//    a load generator on a worker thread. Target: a's p50 within 3 % of b's. Plus the limits' own
//    per-request work on Q1, timed alone (no HTTP, no database): a figure the noise cannot move.
// 2. Worst cases: documents built to cost as much as the default limits allow (wide pages, every
//    alias, a denied field that switches the whole document to the per-field shield, introspection),
//    each sent a few times to a; the process's CPU time around each request (process.cpuUsage:
//    server, Prisma and the in-process client, not PostgreSQL). Target: under 1 CPU-second. While
//    they run, a client on a worker thread keeps sending a small query: how long it was held up.
// 3. Attacks: documents and bodies the limits must refuse, and the CPU time of each refusal.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { getIntrospectionQuery, getOperationAST, Kind, parse } from "graphql";
import { LIMITS } from "../src/limits/limits.ts";
import { introspectionSizes, measureOperation } from "../src/limits/measure.ts";
import { documentNesting, jsonShape } from "../src/limits/size.ts";
import { createLogger } from "../src/log.ts";
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
  fail,
  groupedTable,
  LoadClient,
  listen,
  logger,
  machineInfo,
  median,
  num,
  parseOk,
  percentile,
  post,
  Q1_TEXT,
  type QueryId,
  requestBodies,
  round,
  type SliceResult,
  scratchDatabase,
  sourceState,
  TOKEN_CLAIMS,
  writeResults,
} from "./support.ts";

const log = logger("bench:limits");

const USAGE = `usage: npx tsx bench/limits.ts [options]
  --citizens N       citizens to seed (default 10000: full pages for the worst cases)
  --seconds S        measured seconds per target and query, split over the rounds (default 10)
  --concurrency N    concurrent requests in flight (default 8)
  --rounds N         rounds; the target order alternates each round (default 6)
  --warmup S         unmeasured seconds per target and query before the rounds (default 1)
  --repeat N         times each worst case is sent, after one warm-up request (default 3)
  --skip-load        only the worst cases and the attacks
  --database-url URL PostgreSQL URL for CREATE/DROP DATABASE (default $BENCH_DATABASE_URL or ${DEFAULT_ADMIN_URL})
  --no-write         print the tables only, write no result file`;

interface Params {
  citizens: number;
  seconds: number;
  concurrency: number;
  rounds: number;
  warmup: number;
  repeat: number;
  load: boolean;
  adminUrl: string;
  write: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      citizens: { type: "string", default: "10000" },
      seconds: { type: "string", default: "10" },
      concurrency: { type: "string", default: "8" },
      rounds: { type: "string", default: "6" },
      warmup: { type: "string", default: "1" },
      repeat: { type: "string", default: "3" },
      "skip-load": { type: "boolean", default: false },
      "database-url": { type: "string" },
      "no-write": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    citizens: num("citizens", values.citizens, 100, true),
    seconds: num("seconds", values.seconds, 0.5, false),
    concurrency: num("concurrency", values.concurrency, 1, true),
    rounds: num("rounds", values.rounds, 1, true),
    warmup: num("warmup", values.warmup, 0, false),
    repeat: num("repeat", values.repeat, 1, true),
    load: !values["skip-load"],
    adminUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL,
    write: !values["no-write"],
  };
}

// ---------------------------------------------------------------------------------------------
// The documents

/** A tax officer may read these; `birthDate` it may not (a FORBIDDEN field runs the shielded schema). */
const CITIZEN = "id fullName nik address domicileCode status version";
const REGION_CHAIN = "domicile { code name level parent { code name parent { code name } } }";
const TAX = "id taxType taxObjectNumber period assessedAmount paidAmount status dueDate paidAt version";

const aliased = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join("\n");

const DENIED = "birthDate sex religion maritalStatus occupation birthPlace createdAt updatedAt";
const STANDARD_FRAGMENTS = getIntrospectionQuery().slice(getIntrospectionQuery().indexOf("fragment FullType"));

/**
 * Documents as expensive as the default limits allow (each just under maxCost or maxRows), each
 * answered, not refused, by the gateway. A document naming fields the role may not read counts
 * every field deniedCostFactor times, so its own worst case is much smaller.
 */
const WORST: Array<{ name: string; query: string }> = [
  {
    name: "2 x 450 citizens, every readable field and the region chain",
    query: `{ ${aliased(2, `citizens(first: 450) { totalCount edges { cursor node { ${CITIZEN} ${REGION_CHAIN} } } }`)} }`,
  },
  {
    name: "2 x 400 tax records with agency and citizen",
    query: `{ ${aliased(2, `taxRecords(first: 400) { edges { node { ${TAX} agency { code name kind } citizen { ${CITIZEN} } } } }`)} }`,
  },
  {
    name: "20 root lists of 199 citizens (20 aliases, 40 SQL statements)",
    query: `{ ${aliased(20, "citizens(first: 199) { totalCount edges { node { id nik } } }")} }`,
  },
  {
    name: "9 agencies x 500 tax records (rows at the limit)",
    query: `{ agencies(first: 9) { edges { node { code taxRecords(first: 500) { edges { node { id } } } } } } }`,
  },
  {
    name: "99 citizens x 8 denied fields (per-field shield, 792 FORBIDDEN errors)",
    query: `{ citizens(first: 99) { edges { node { ${DENIED} } } } }`,
  },
  {
    name: "45 citizens, every readable field, one denied entry point (per-field shield)",
    query: `{ permits(first: 1) { totalCount } citizens(first: 45) { totalCount edges { cursor node { ${CITIZEN} ${REGION_CHAIN} } } } }`,
  },
  { name: "standard introspection query", query: getIntrospectionQuery() },
  {
    name: "4 x the standard introspection (aliases)",
    query: `{ ${aliased(4, "__schema { queryType { name } types { ...FullType } directives { name args { ...InputValue } } }")} } ${STANDARD_FRAGMENTS}`,
  },
];

/** Requests the limits must refuse. */
function attacks(): Array<{ name: string; body: string; limit: string }> {
  const levels = (n: number, nested: boolean) => {
    const fragments: string[] = [];
    for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? `...L${i + 1}a ...L${i + 1}b` : "code";
      const body = nested ? `parent { ${next} }` : next;
      fragments.push(`fragment L${i}a on Region { ${body} }`, `fragment L${i}b on Region { name ${body} }`);
    }
    return `{ regions(first: 1) { edges { node { ...L0a ...L0b } } } } ${fragments.join(" ")}`;
  };
  const q = (query: string, variables?: unknown) => JSON.stringify({ query, variables });
  return [
    { name: "22 levels of doubling fragments, nested", body: q(levels(22, true)), limit: "maxDepth" },
    { name: "60 levels of doubling fragments, flat", body: q(levels(60, false)), limit: "maxCost" },
    {
      name: "fragment with a nested list reused inside a list",
      body: q(`{ citizens(first: 20) { edges { node { ...I taxRecords(first: 50) { edges { node { citizen { ...I } } } } } } } }
        fragment I on Citizen { taxRecords(first: 50) { edges { node { id period } } } }`),
      limit: "maxRows",
    },
    {
      name: "variable defaults ($n: Int = 500)",
      body: q(
        "query($n: Int = 500) { citizens(first: $n) { edges { node { id taxRecords(first: $n) { edges { node { id } } } } } } }",
      ),
      limit: "maxRows",
    },
    {
      name: "a denied field in 500 citizens (would answer 500 errors)",
      body: q("{ citizens(first: 500) { edges { node { id birthDate } } } }"),
      limit: "maxCost",
    },
    {
      name: "3 x 450 citizens, every readable field",
      body: q(
        `{ ${aliased(3, `citizens(first: 450) { totalCount edges { cursor node { ${CITIZEN} ${REGION_CHAIN} } } }`)} }`,
      ),
      limit: "maxCost",
    },
    { name: "10 MB document", body: q(`{ ${"__typename ".repeat(1024 * 1024)} }`), limit: "maxBodyBytes" },
    {
      name: "list literal nested 10,000 deep",
      body: q(`{ citizens(where: { sex: ${"[".repeat(10_000)}MALE${"]".repeat(10_000)} }) { totalCount } }`),
      limit: "maxNesting",
    },
    {
      name: "2,001 tokens",
      body: q(`{ ${"__typename ".repeat(LIMITS.maxTokens + 1)} }`),
      limit: "maxTokens",
    },
    {
      name: "1,000 duplicated directives",
      body: q(`{ __typename ${"@include(if: true) ".repeat(1_000)} }`),
      limit: "maxTokens",
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Measuring

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/** One request; the body is read as bytes (no JSON parsing on the client's side of the CPU figure). */
async function timed(url: string, headers: Record<string, string>, body: string) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const res = await fetch(url, { method: "POST", headers, body });
  const bytes = (await res.arrayBuffer()).byteLength;
  return { status: res.status, bytes, ms: performance.now() - t0, cpuMs: cpuMs(cpu) };
}

/** The limits' own work for one request of `query`, in microseconds, without HTTP or a database. */
function checkMicros(query: string, variables: Record<string, unknown>): number {
  const sizes = introspectionSizes(schema);
  const document = parse(query, { maxTokens: LIMITS.maxTokens });
  const operation = getOperationAST(document) ?? fail("no operation");
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const once = () => {
    documentNesting(query, LIMITS.maxNesting);
    jsonShape(variables, { bytes: LIMITS.maxVariablesBytes, depth: LIMITS.maxNesting });
    measureOperation(schema, operation, fragments, variables, sizes);
    const controller = new AbortController();
    clearTimeout(setTimeout(() => controller.abort(), LIMITS.executionTimeoutMs));
  };
  for (let i = 0; i < 2_000; i++) once();
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) once();
  return ((performance.now() - t0) * 1000) / n;
}

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo();
  const source = sourceState();
  const cleanup = new Cleanup();
  try {
    const scratch = await scratchDatabase(params.adminUrl, params.citizens, cleanup, 10);
    const { db } = scratch;
    const { config, headers } = await benchConfig();
    const policy = loadPolicy(config.policyDir, schema);
    const silent = createLogger("silent");
    const gateways = {
      a: createGateway({ config, db, policy, limits: {}, log: silent }),
      b: createGateway({ config, db, policy, limits: false, log: silent }),
    };
    const urls = { a: "", b: "" };
    for (const id of ["a", "b"] as const) {
      const { server, url } = await listen(gateways[id]);
      cleanup.add(() => closeServer(server));
      urls[id] = url;
    }
    const bodies = requestBodies(scratch.inScopeIds);

    // -- the same answers with and without the limits -------------------------------------------
    for (const body of [bodies.Q1[0], bodies.Q2[0], bodies.Q2.at(-1)] as string[]) {
      const a = await post(urls.a, headers, body, parseOk);
      const b = await post(urls.b, headers, body, parseOk);
      if (!isDeepStrictEqual(a, b)) fail("a and b answer Q1/Q2 differently");
    }
    log("a and b answer Q1 and Q2 alike");

    // -- 1. overhead under load -------------------------------------------------------------------
    const client = new LoadClient();
    cleanup.add(() => client.close());
    const queries: QueryId[] = ["Q1", "Q2"];
    const cells = new Map<string, { slices: SliceResult[]; busyMs: number }>();
    if (params.load) {
      const offsets: Record<QueryId, number> = { Q1: 0, Q2: 0 };
      const runSlice = async (target: "a" | "b", q: QueryId, seconds: number) => {
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
        if (result.errors > 0) fail(`${target} ${q}: ${result.errors} failed requests; first: ${result.firstError}`);
        return { result, busyMs: performance.eventLoopUtilization(elu).active };
      };
      if (params.warmup > 0) {
        log(`warming up: ${params.warmup} s per target and query`);
        for (const q of queries) for (const t of ["a", "b"] as const) await runSlice(t, q, params.warmup);
      }
      const slice = params.seconds / params.rounds;
      log(`measuring: ${params.rounds} rounds of ${round(slice, 2)} s per target and query`);
      for (let r = 0; r < params.rounds; r++) {
        const order = r % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const);
        for (const q of r % 2 === 0 ? queries : [...queries].reverse()) {
          for (const t of order) {
            const { result, busyMs } = await runSlice(t, q, slice);
            const cell = cells.get(`${t}${q}`) ?? { slices: [], busyMs: 0 };
            cell.slices.push(result);
            cell.busyMs += busyMs;
            cells.set(`${t}${q}`, cell);
          }
        }
        log(`round ${r + 1}/${params.rounds} done`);
      }
    }
    const overhead = queries.flatMap((q) => {
      if (!params.load) return [];
      const fig = (t: "a" | "b") => {
        const cell = cells.get(`${t}${q}`) ?? fail("missing cell");
        const requests = cell.slices.reduce((n, s) => n + s.count, 0);
        const seconds = cell.slices.reduce((n, s) => n + s.elapsedMs, 0) / 1000;
        const latencies = concat(cell.slices.map((s) => s.latencies)).sort();
        return {
          requests,
          requestsPerSecond: round(requests / seconds, 1),
          p50: round(percentile(latencies, 50), 2),
          p99: round(percentile(latencies, 99), 2),
          p50ByRound: cell.slices.map((s) => round(percentile(Float64Array.from(s.latencies).sort(), 50), 2)),
          loopMsPerRequest: round(cell.busyMs / Math.max(1, requests), 3),
        };
      };
      const a = fig("a");
      const b = fig("b");
      const byRound = a.p50ByRound.map((x, i) => round(x / (b.p50ByRound[i] ?? Number.NaN), 3));
      return [
        {
          query: q,
          a,
          b,
          p50Ratio: round(a.p50 / b.p50, 3),
          p50RatioByRound: byRound,
          p50RatioMedianOfRounds: round(median(byRound), 3),
        },
      ];
    });
    const q2Variables = { id: scratch.inScopeIds[0] };
    const micros = {
      Q1: round(checkMicros(Q1_TEXT, {}), 1),
      Q2: round(checkMicros(JSON.parse(bodies.Q2[0] as string).query as string, q2Variables), 1),
    };

    // -- 2. worst cases ---------------------------------------------------------------------------
    const sizes = introspectionSizes(schema);
    const worst = [];
    for (const w of WORST) {
      const document = parse(w.query, { maxTokens: LIMITS.maxTokens });
      const operation = getOperationAST(document) ?? fail(`${w.name}: no operation`);
      const fragments = new Map(
        document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
      );
      const measure = measureOperation(schema, operation, fragments, {}, sizes);
      const body = JSON.stringify({ query: w.query });
      const first = await timed(urls.a, headers, body); // warm-up, and the answer must not be a refusal
      if (first.status !== 200)
        fail(`${w.name}: HTTP ${first.status} (refused by a limit?); measured ${JSON.stringify(measure)}`);
      const runs = [];
      // The small query, sent again and again from a worker thread while the worst case runs.
      const beside = client.run({
        url: urls.a,
        headers,
        bodies: bodies.Q2,
        concurrency: 1,
        durationMs: 0,
        offset: 0,
      });
      await beside; // (a zero-length job: makes sure the worker is idle before the timed part)
      const sideJob = client.run({
        url: urls.a,
        headers,
        bodies: bodies.Q2,
        concurrency: 1,
        durationMs: 600 * params.repeat + 300,
        offset: 0,
      });
      for (let i = 0; i < params.repeat; i++) {
        runs.push(await timed(urls.a, headers, body));
        await new Promise((r) => setTimeout(r, 100));
      }
      const side = await sideJob;
      const sideLatencies = Float64Array.from(side.latencies).sort();
      worst.push({
        name: w.name,
        measure,
        tokens: w.query.length,
        status: runs.map((r) => r.status),
        responseBytes: runs[0]?.bytes ?? 0,
        wallMs: runs.map((r) => round(r.ms, 1)),
        cpuMs: runs.map((r) => round(r.cpuMs, 1)),
        cpuMsMedian: round(median(runs.map((r) => r.cpuMs)), 1),
        cpuMsMax: round(Math.max(...runs.map((r) => r.cpuMs)), 1),
        smallQueryBeside: {
          requests: side.count,
          p50Ms: round(percentile(sideLatencies, 50), 1),
          maxMs: round(percentile(sideLatencies, 100), 1),
        },
      });
      log(`worst case done: ${w.name}`);
    }

    // -- 3. attacks -------------------------------------------------------------------------------
    const refused = [];
    for (const attack of attacks()) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const res = await fetch(urls.a, { method: "POST", headers, body: attack.body });
      const text = await res.text();
      const ms = performance.now() - t0;
      const used = cpuMs(cpu);
      const limit = /"limit":"(\w+)"/.exec(text)?.[1] ?? null;
      refused.push({
        name: attack.name,
        bodyBytes: Buffer.byteLength(attack.body),
        status: res.status,
        limit,
        expected: attack.limit,
        ms: round(ms, 1),
        cpuMs: round(used, 1),
      });
    }

    // -- 1b. CPU time per request, one request at a time through each gateway's fetch (no HTTP, no client
    // on the same thread), a and b alternating in rounds: far less sensitive to a busy machine than p50.
    const cpu = [];
    for (const q of queries) {
      const n = q === "Q1" ? 40 : 200;
      const perRound: Record<"a" | "b", number[]> = { a: [], b: [] };
      const oneRound = async (t: "a" | "b") => {
        const since = process.cpuUsage();
        for (let i = 0; i < n; i++) {
          const body = bodies[q][i % bodies[q].length] as string;
          const res = await gateways[t].fetch("http://bench/graphql", { method: "POST", headers, body });
          if (res.status !== 200) fail(`${t} ${q}: HTTP ${res.status}`);
          await res.text();
        }
        return cpuMs(since) / n;
      };
      await oneRound("a");
      await oneRound("b");
      for (let r = 0; r < 10; r++) {
        for (const t of r % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const))
          perRound[t].push(await oneRound(t));
      }
      const ratios = perRound.a.map((x, i) => round(x / (perRound.b[i] ?? Number.NaN), 3));
      cpu.push({
        query: q,
        aCpuMsPerRequest: round(median(perRound.a), 3),
        bCpuMsPerRequest: round(median(perRound.b), 3),
        ratioByRound: ratios,
        ratioMedian: round(median(ratios), 3),
      });
    }
    log("CPU per request measured");

    const report = {
      benchmark: "limits",
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)) },
      source,
      params: { ...params, adminUrl: undefined, token: TOKEN_CLAIMS },
      limits: LIMITS,
      database: {
        engine: `PostgreSQL ${scratch.pgVersion}`,
        seeded: scratch.seeded,
        citizensInScope: scratch.inScopeIds.length,
      },
      overhead,
      cpuPerRequest: cpu,
      checkMicrosPerRequest: micros,
      worst,
      refused,
      targets: {
        overhead: "a's p50 within 3 % of b's (limits on vs off), Q1 and Q2",
        overheadMet: overhead.length ? overhead.every((o) => o.p50RatioMedianOfRounds <= 1.03) : null,
        cpuOverheadMet: cpu.every((c) => c.ratioMedian <= 1.03),
        worst: "each worst case under 1,000 CPU-ms",
        worstMet: worst.every((w) => w.cpuMsMax < 1000),
        refused: "every attack refused with its expected limit",
        refusedMet: refused.every((r) => r.limit === r.expected),
      },
    };
    console.log(formatReport(report));
    // One results file per benchmark, replaced by each run: the history is in git.
    if (params.write) writeResults("limits", report);
  } finally {
    await cleanup.run();
  }
}

type Report = {
  startedAt: string;
  machine: ReturnType<typeof machineInfo> & { loadAvgAtEnd: number[] };
  database: { seeded: { citizens: number }; citizensInScope: number };
  overhead: Array<{
    query: string;
    a: { requestsPerSecond: number; p50: number; p99: number; loopMsPerRequest: number };
    b: { requestsPerSecond: number; p50: number; p99: number; loopMsPerRequest: number };
    p50Ratio: number;
    p50RatioByRound: number[];
    p50RatioMedianOfRounds: number;
  }>;
  cpuPerRequest: Array<{
    query: string;
    aCpuMsPerRequest: number;
    bCpuMsPerRequest: number;
    ratioByRound: number[];
    ratioMedian: number;
  }>;
  checkMicrosPerRequest: Record<string, number>;
  worst: Array<{
    name: string;
    measure: { depth: number; aliases: number; rows: number; cost: number };
    responseBytes: number;
    cpuMsMedian: number;
    cpuMsMax: number;
    wallMs: number[];
    smallQueryBeside: { requests: number; p50Ms: number; maxMs: number };
  }>;
  refused: Array<{ name: string; status: number; limit: string | null; expected: string; ms: number; cpuMs: number }>;
  targets: Record<string, unknown>;
};

function formatReport(r: Report): string {
  const m = r.machine;
  const out = [
    "",
    `Gerbang limits benchmark, ${r.startedAt}`,
    `machine   ${m.cpus} x ${m.cpuModel}, Node ${m.node}; load average ${m.loadAvgAtStart.join(" ")} -> ${m.loadAvgAtEnd.join(" ")}`,
    `data      ${r.database.seeded.citizens} citizens (${r.database.citizensInScope} in region ${TOKEN_CLAIMS.region}), token ${TOKEN_CLAIMS.role}`,
    "",
  ];
  if (r.overhead.length) {
    out.push("1. overhead: a = limits on, b = limits off");
    out.push(
      ...groupedTable(
        ["query", "target", "req/s", "p50 ms", "p99 ms", "loop ms/req"],
        r.overhead.flatMap((o) =>
          (["a", "b"] as const).map((t) => [
            o.query,
            t,
            o[t].requestsPerSecond.toFixed(1),
            o[t].p50.toFixed(2),
            o[t].p99.toFixed(2),
            o[t].loopMsPerRequest.toFixed(2),
          ]),
        ),
      ),
    );
    for (const o of r.overhead)
      out.push(
        `${o.query}: p50 a/b ${o.p50Ratio.toFixed(3)} (per round ${o.p50RatioByRound.map((x) => x.toFixed(2)).join(" ")}; median ${o.p50RatioMedianOfRounds.toFixed(3)})`,
      );
  }
  for (const c of r.cpuPerRequest)
    out.push(
      `${c.query}: CPU ms per request (fetch, sequential) a ${c.aCpuMsPerRequest} b ${c.bCpuMsPerRequest}; a/b per round ${c.ratioByRound.map((x) => x.toFixed(2)).join(" ")}; median ${c.ratioMedian.toFixed(3)}`,
    );
  out.push(
    `limits' own work per request, alone: Q1 ${r.checkMicrosPerRequest.Q1} µs, Q2 ${r.checkMicrosPerRequest.Q2} µs`,
    "",
    "2. worst cases the default limits let through (CPU: this process, server and client; not PostgreSQL)",
    ...groupedTable(
      ["document", "cost", "rows", "bytes", "CPU ms med", "CPU ms max", "wall ms", "small query p50/max ms"],
      r.worst.map((w) => [
        w.name,
        String(Math.ceil(w.measure.cost)),
        String(w.measure.rows),
        String(w.responseBytes),
        w.cpuMsMedian.toFixed(0),
        w.cpuMsMax.toFixed(0),
        w.wallMs.map((x) => x.toFixed(0)).join(" "),
        `${w.smallQueryBeside.p50Ms} / ${w.smallQueryBeside.maxMs} (${w.smallQueryBeside.requests})`,
      ]),
    ),
    "",
    "3. attacks",
    ...groupedTable(
      ["attack", "HTTP", "limit", "expected", "ms", "CPU ms"],
      r.refused.map((a) => [a.name, String(a.status), a.limit ?? "-", a.expected, a.ms.toFixed(1), a.cpuMs.toFixed(1)]),
    ),
    "",
    `targets: ${JSON.stringify(r.targets)}`,
  );
  return out.join("\n");
}

main().catch((error: unknown) => {
  console.error(error instanceof BenchAbort ? `bench aborted: ${error.message}` : error);
  process.exitCode = 1;
});
