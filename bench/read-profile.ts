// Where the policy layer's time goes on the read benchmark's queries. A diagnostic companion to
// bench/read.ts, for when a/b misses its target:
//
//   npx tsx bench/read-profile.ts [--citizens 2000] [--seconds 5] [--rounds 10] [--profile-requests 150]
//
// 1. CPU per request of schema variants built from the pieces of src/policy/enforce.ts (no policy,
//    a no-op middleware on every field, shield only, masking only, the full policy layer), each in the
//    same Yoga setup as createGateway, called in-process (yoga.fetch, no HTTP) one request at a time.
//    CPU time of this process is far less sensitive to a busy machine than throughput is.
// 2. A V8 CPU profile of the full policy layer and of no policy on the same queries, with self time
//    grouped by package, so the difference can be read per library.
// Nothing is written to disk unless --out is given.
import { randomUUID } from "node:crypto";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { GraphQLSchema } from "graphql";
import { createYoga } from "graphql-yoga";
import { principalOf, useAuth } from "../src/auth/use-auth.ts";
import { createTokenVerifier } from "../src/auth/verify.ts";
import type { Config } from "../src/config.ts";
import type { Context } from "../src/context.ts";
import type { Database } from "../src/db/database.ts";
import { createRateLimiter } from "../src/limits/rate-limit.ts";
import { createLogger } from "../src/log.ts";
import { maskingMiddleware } from "../src/masking/apply.ts";
import { useAccessLog } from "../src/masking/use-access-log.ts";
import { NO_MONITOR } from "../src/monitoring/monitor.ts";
import { loadPolicy } from "../src/policy/load.ts";
import type { Policy } from "../src/policy/policy.ts";
import { applyMiddleware } from "../src/policy/shield.ts";
import { schema } from "../src/schema/index.ts";
import { createMaskError } from "../src/server/errors.ts";
import { policyShield, shieldedSchema } from "../src/server/use-policy.ts";
import { createGateway } from "../src/server/yoga.ts";
import {
  BenchAbort,
  benchConfig,
  Cleanup,
  DEFAULT_ADMIN_URL,
  fail,
  groupedTable,
  log,
  machineInfo,
  median,
  nodesOf,
  parseOk,
  type QueryId,
  requestBodies,
  round,
  type ScratchDatabase,
  scratchDatabase,
  sourceState,
  writeResults,
} from "./support.ts";

const USAGE = `usage: npx tsx bench/read-profile.ts [options]
  --citizens N           citizens to seed (default 2000)
  --seconds S            measured seconds per variant and query, split over the rounds (default 5)
  --rounds N             rounds; the variant order rotates each round (default 10)
  --profile-requests N   requests per query in each CPU profile (default 150)
  --database-url URL     as for bench/read.ts (default $BENCH_DATABASE_URL or ${DEFAULT_ADMIN_URL})
  --out                  also write bench/results/read-profile.json (replacing the last one)`;

type Fetcher = { fetch: (url: string, init: RequestInit) => Response | Promise<Response> };

/** The Yoga setup of createGateway (src/server/yoga.ts) around any schema; the request id plugin left out. */
function gatewayWith(executable: GraphQLSchema, config: Config, db: Database, policy: Policy): Fetcher {
  const log = createLogger("silent");
  return createYoga<Record<string, unknown>, Context>({
    schema: executable,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: false,
    maskedErrors: { maskError: createMaskError(log) },
    logging: false,
    plugins: [useAuth({ verify: createTokenVerifier(config.auth), publicPaths: [] }), useAccessLog()],
    context: ({ request }) => ({
      principal: principalOf(request),
      policy,
      db: db.prisma,
      requestId: randomUUID(),
      monitor: NO_MONITOR,
      clientRequestId: undefined,
      purpose: undefined,
      caseRef: undefined,
      clientIp: undefined,
      reveals: [],
      lookupLimiter: createRateLimiter(config.lookupRateLimit),
      auditKey: config.auditKey,
      log,
      loaders: new Map(),
    }),
  });
}

interface Variant {
  id: string;
  label: string;
  masked: boolean;
  gateway: Fetcher;
}

function variants(config: Config, db: Database, policy: Policy): Variant[] {
  const silent = createLogger("silent");
  const mk = (id: string, label: string, masked: boolean, executable: GraphQLSchema): Variant => ({
    id,
    label,
    masked,
    gateway: gatewayWith(executable, config, db, policy),
  });
  return [
    mk("none", "no policy layer (schema as is)", false, schema),
    mk(
      "noop-sync",
      "no-op middleware on every field, sync",
      false,
      applyMiddleware(schema, (r, p, a, c, i) => r(p, a, c, i)),
    ),
    mk(
      "noop-async",
      "no-op middleware on every field, async",
      false,
      applyMiddleware(schema, async (r, p, a, c, i) => r(p, a, c, i)),
    ),
    mk("shield", "shield only (enforce.ts rules)", false, applyMiddleware(schema, policyShield(schema, policy))),
    mk("masking", "masking only (masking/apply.ts)", true, applyMiddleware(schema, maskingMiddleware(policy, schema))),
    mk(
      "full",
      "shielded policy layer (shieldedSchema, the path for requests that touch a denied field)",
      true,
      shieldedSchema(schema, policy),
    ),
    // The real gateways, to show the replica above measures the same thing.
    {
      id: "gw-b",
      label: "createGateway enforce: false (= b)",
      masked: false,
      gateway: createGateway({ config, db, policy, enforce: false, log: silent }),
    },
    {
      id: "gw-a",
      label: "createGateway default (= a)",
      masked: true,
      gateway: createGateway({ config, db, policy, log: silent }),
    },
  ];
}

async function call(v: Variant, headers: Record<string, string>, body: string): Promise<string> {
  const res = await v.gateway.fetch("http://bench/graphql", { method: "POST", headers, body });
  const text = await res.text();
  if (res.status !== 200 || text.includes('"errors"')) fail(`${v.id}: ${res.status} ${text.slice(0, 400)}`);
  return text;
}

// ---------------------------------------------------------------------------------------------
// CPU profile, self time grouped by where the code lives

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

function category(frame: ProfileNode["callFrame"]): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(garbage collector)") return "(garbage collector)";
    if (functionName === "(idle)") return "(idle)";
    // Native code called from JS: runMicrotasks is promise/await machinery, writev is the socket.
    return `(native) ${functionName}`;
  }
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + "/node_modules/".length).split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.startsWith("node:")) return "node internals";
  const src = url.indexOf("/src/");
  if (src >= 0) {
    const parts = url.slice(src + 1).split("/");
    return parts[1] === "generated" ? "src/generated (prisma client)" : `${parts[0]}/${parts[1]}`;
  }
  if (url.includes("/bench/")) return "bench (the calling loop)";
  return "other";
}

/** Self milliseconds per category, leaving out idle time and the profiler's own start/stop calls. */
function selfTime(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const underInspector = new Map<number, boolean>();
  const inspector = (id: number): boolean => {
    const known = underInspector.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const result = node?.callFrame.url === "node:inspector" || (up !== undefined && inspector(up));
    underInspector.set(id, result);
    return result;
  };
  const out = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    const node = byId.get(id);
    if (!node || inspector(id)) continue;
    const cat = category(node.callFrame);
    out.set(cat, (out.get(cat) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  out.delete("(idle)");
  return out;
}

async function profileRequests(session: Session, run: () => Promise<void>): Promise<Profile> {
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  await run();
  const { profile } = await session.post("Profiler.stop");
  await session.post("Profiler.disable");
  return profile as unknown as Profile;
}

// ---------------------------------------------------------------------------------------------
// The run, step by step: main() at the end reads as the list of steps.

interface Params {
  citizens: number;
  seconds: number;
  rounds: number;
  profileRequests: number;
  adminUrl: string;
  out: boolean;
}

function parseParams(argv: string[]): Params {
  const { values } = parseArgs({
    args: argv,
    options: {
      citizens: { type: "string", default: "2000" },
      seconds: { type: "string", default: "5" },
      rounds: { type: "string", default: "10" },
      "profile-requests": { type: "string", default: "150" },
      "database-url": { type: "string" },
      out: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const citizens = Number(values.citizens);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const profileRequestsN = Number(values["profile-requests"]);
  for (const [name, n] of Object.entries({ citizens, seconds, rounds, profileRequestsN })) {
    if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number`);
  }
  return {
    citizens,
    seconds,
    rounds,
    profileRequests: profileRequestsN,
    adminUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL,
    out: values.out,
  };
}

const QUERIES: QueryId[] = ["Q1", "Q2"];

interface Setup {
  scratch: ScratchDatabase;
  headers: Record<string, string>;
  all: Variant[];
  bodies: Record<QueryId, string[]>;
}

/** 1. The scratch database (as for read.ts) and every variant over it. */
async function prepareVariants(params: Params, cleanup: Cleanup): Promise<Setup> {
  const scratch = await scratchDatabase(params.adminUrl, params.citizens, cleanup, 10);
  const { config, headers } = await benchConfig();
  const policy = loadPolicy(config.policyDir, schema);
  return {
    scratch,
    headers,
    all: variants(config, scratch.db, policy),
    bodies: requestBodies(scratch.inScopeIds),
  };
}

/** 2. Correct answers first (masked where the variant masks), which also warms every variant up. */
async function verifyAndWarmUp({ all, headers, bodies }: Setup): Promise<void> {
  for (const v of all) {
    for (const q of QUERIES) {
      for (let i = 0; i < 20; i++) {
        const text = await call(v, headers, bodies[q][i % bodies[q].length] as string);
        const nodes = nodesOf(q, parseOk(v.id, 200, text));
        const nik = nodes[0]?.nik ?? "";
        if (v.masked !== nik.includes("*")) fail(`${v.id}: unexpected NIK "${nik}"`);
      }
    }
  }
}

type PerRound = Map<string, { cpuMs: number[]; wallMs: number[] }>;

/**
 * 3. CPU and wall time per request of each variant and query, one request at a time, in --rounds
 * rounds whose variant order rotates; per cell, one figure per round.
 */
async function measureCpu({ all, headers, bodies }: Setup, params: Params): Promise<PerRound> {
  const sliceMs = (params.seconds * 1000) / params.rounds;
  const perRound: PerRound = new Map();
  let offset = 0;
  for (let r = 0; r < params.rounds; r++) {
    const order = all.map((_, i) => all[(i + r) % all.length] as Variant);
    for (const q of QUERIES) {
      for (const v of order) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let n = 0;
        while (performance.now() - t0 < sliceMs) {
          await call(v, headers, bodies[q][offset++ % bodies[q].length] as string);
          n++;
        }
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const key = `${v.id}|${q}`;
        const cell = perRound.get(key) ?? { cpuMs: [], wallMs: [] };
        cell.cpuMs.push((cpu.user + cpu.system) / 1000 / n);
        cell.wallMs.push(wall / n);
        perRound.set(key, cell);
      }
    }
    log(`round ${r + 1}/${params.rounds} done`);
  }
  return perRound;
}

/** 4. Medians of the rounds, each variant against "none". */
function cpuTableOf(all: Variant[], perRound: PerRound) {
  return QUERIES.flatMap((q) => {
    const base = median(perRound.get(`none|${q}`)?.cpuMs ?? []);
    return all.map((v) => {
      const cell = perRound.get(`${v.id}|${q}`) ?? { cpuMs: [], wallMs: [] };
      const cpu = median(cell.cpuMs);
      return {
        query: q,
        variant: v.id,
        label: v.label,
        cpuMsPerRequest: round(cpu, 2),
        cpuMsPerRequestByRound: cell.cpuMs.map((x) => round(x, 2)),
        extraCpuMsVsNone: round(cpu - base, 2),
        /** What the throughput ratio against "none" would be if the process's CPU were the only limit. */
        cpuBoundThroughputVsNone: round(base / cpu, 3),
        wallMsPerRequest: round(median(cell.wallMs), 2),
      };
    });
  });
}

type CpuTable = ReturnType<typeof cpuTableOf>;
/** Per query, per variant ("none", "full"): self milliseconds per request by package. */
type Profiles = Record<string, Record<string, Record<string, number>>>;

/** 5. A V8 CPU profile of "none" and "full" on each query, self time per request by package. */
async function profileVariants({ all, headers, bodies }: Setup, params: Params): Promise<Profiles> {
  const session = new Session();
  session.connect();
  const profiles: Profiles = {};
  for (const q of QUERIES) {
    profiles[q] = {};
    for (const id of ["none", "full"]) {
      const v = all.find((x) => x.id === id) as Variant;
      const profile = await profileRequests(session, async () => {
        for (let i = 0; i < params.profileRequests; i++) {
          await call(v, headers, bodies[q][i % bodies[q].length] as string);
        }
      });
      const perRequest: Record<string, number> = {};
      for (const [cat, ms] of selfTime(profile)) perRequest[cat] = round(ms / params.profileRequests, 3);
      (profiles[q] as Record<string, Record<string, number>>)[id] = perRequest;
    }
  }
  session.disconnect();
  return profiles;
}

/** 6. The tables on stdout. */
function formatOutput(
  startedAt: Date,
  machine: ReturnType<typeof machineInfo>,
  { scratch }: Setup,
  params: Params,
  cpuTable: CpuTable,
  profiles: Profiles,
): string {
  const sliceMs = (params.seconds * 1000) / params.rounds;
  const out: string[] = [
    "",
    `Gerbang read profile, ${startedAt.toISOString()}`,
    `machine  ${machine.cpus} x ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAvgAtStart.join(" ")}`,
    `${scratch.seeded.citizens} citizens, ${params.rounds} rounds, ${round(sliceMs)} ms per variant and query per round, ` +
      "one request at a time through yoga.fetch (no HTTP)",
    "",
    "CPU per request (process CPU time, median of the rounds)",
  ];
  const head = ["query", "variant", "CPU ms/req", "extra vs none", "CPU-bound thr. vs none", "wall ms/req"];
  const rows = cpuTable.map((c) => [
    c.query,
    `${c.variant.padEnd(10)} ${c.label}`,
    c.cpuMsPerRequest.toFixed(2),
    `${c.extraCpuMsVsNone >= 0 ? "+" : ""}${c.extraCpuMsVsNone.toFixed(2)}`,
    c.cpuBoundThroughputVsNone.toFixed(3),
    c.wallMsPerRequest.toFixed(2),
  ]);
  out.push(...groupedTable(head, rows));
  for (const q of QUERIES) {
    const none = profiles[q]?.none ?? {};
    const full = profiles[q]?.full ?? {};
    const cats = [...new Set([...Object.keys(none), ...Object.keys(full)])]
      .map((cat) => ({ cat, none: none[cat] ?? 0, full: full[cat] ?? 0 }))
      .sort((x, y) => y.full - y.none - (x.full - x.none) || y.full - x.full);
    const sum = (o: Record<string, number>) => Object.values(o).reduce((n, x) => n + x, 0);
    out.push(
      "",
      `${q}: CPU profile self time per request by package (${params.profileRequests} requests each), ms`,
      `${"where".padEnd(34)}  ${"none".padStart(7)}  ${"full".padStart(7)}  ${"diff".padStart(7)}`,
    );
    for (const c of cats.filter((c) => c.none >= 0.05 || c.full >= 0.05)) {
      const diff = c.full - c.none;
      out.push(
        `${c.cat.padEnd(34)}  ${c.none.toFixed(2).padStart(7)}  ${c.full.toFixed(2).padStart(7)}  ${`${diff >= 0 ? "+" : ""}${diff.toFixed(2)}`.padStart(7)}`,
      );
    }
    const total = sum(full) - sum(none);
    out.push(
      `${"total".padEnd(34)}  ${sum(none).toFixed(2).padStart(7)}  ${sum(full).toFixed(2).padStart(7)}  ${`${total >= 0 ? "+" : ""}${total.toFixed(2)}`.padStart(7)}`,
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const params = parseParams(process.argv.slice(2));
  const startedAt = new Date();
  const machine = machineInfo();
  const cleanup = new Cleanup();
  try {
    const setup = await prepareVariants(params, cleanup);
    await verifyAndWarmUp(setup);
    log(`${setup.all.length} variants answer correctly; measuring CPU per request, ${params.rounds} rounds`);
    const cpuTable = cpuTableOf(setup.all, await measureCpu(setup, params));
    const profiles = await profileVariants(setup, params);
    console.log(formatOutput(startedAt, machine, setup, params, cpuTable, profiles));
    if (params.out) {
      writeResults("read-profile", {
        benchmark: "read-profile",
        startedAt: startedAt.toISOString(),
        machine,
        source: sourceState(),
        params: {
          citizens: params.citizens,
          seconds: params.seconds,
          rounds: params.rounds,
          profileRequests: params.profileRequests,
        },
        cpuPerRequest: cpuTable,
        profileSelfMsPerRequest: profiles,
      });
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof BenchAbort ? `bench aborted: ${error.message}` : error);
  process.exitCode = 1;
});
