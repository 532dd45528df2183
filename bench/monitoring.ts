// Monitoring benchmark: what metrics, the per-request log line and alert counting cost, side by side
// in one run with the same gateway with MONITORING=off.
//
//   npx tsx bench/monitoring.ts [--seconds 12] [--rounds 6] [--concurrency 8] [--citizens 2000]
//
// One scratch PostgreSQL database (created, migrated, seeded, always dropped), two real HTTP servers
// on loopback ports in this process, one load generator on a worker thread. (a) is `serve`'s gateway:
// a started monitor with the shipped rules (policies/alerts.yaml) counting into PostgreSQL windows and
// flushing every second, prom-client metrics, and one JSON log line per request written to a file.
// (b) is the same createGateway with MONITORING=off: no monitor plugin, no metrics, no log line.
// Workloads: the read benchmark's Q1 (page of 100 citizens + tax records) and Q2 (one citizen by id),
// compared by p50 latency; recordService (a mutation with its audit entry), compared by throughput.
// The variants alternate within each round, the order flipping every round.
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { issueDevToken } from "../src/auth/dev-token.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { NO_MONITOR } from "../src/monitoring/monitor.ts";
import { createMonitor } from "../src/monitoring/setup.ts";
import { loadPolicy } from "../src/policy/load.ts";
import { schema } from "../src/schema/index.ts";
import { createGateway } from "../src/server/yoga.ts";
import {
  benchConfig,
  Cleanup,
  closeServer,
  concat,
  DEFAULT_ADMIN_URL,
  LoadClient,
  listen,
  logger,
  machineInfo,
  median,
  num,
  percentile,
  requestBodies,
  round,
  type SliceResult,
  scratchDatabase,
  sourceState,
  writeResults,
} from "./support.ts";

const log = logger("bench:monitoring");

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "12" },
    rounds: { type: "string", default: "6" },
    concurrency: { type: "string", default: "8" },
    citizens: { type: "string", default: "2000" },
    "database-url": { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: npx tsx bench/monitoring.ts [--seconds 12] [--rounds 6] [--concurrency 8] [--citizens 2000]");
  process.exit(0);
}
const seconds = num("seconds", values.seconds, 1, false);
const rounds = num("rounds", values.rounds, 1, true);
const concurrency = num("concurrency", values.concurrency, 1, true);
const citizens = num("citizens", values.citizens, 500, true);
const adminUrl = values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;

const MUTATION = `mutation RecordService($input: RecordServiceInput!) { recordService(input: $input) { id servedAt } }`;
type Workload = "Q1" | "Q2" | "recordService";
type Variant = "a" | "b";

const cleanup = new Cleanup();
try {
  const scratch = await scratchDatabase(adminUrl, citizens, cleanup);
  const { db } = scratch;
  const { config: base, headers: readHeaders } = await benchConfig();
  const policy = loadPolicy(base.policyDir, schema);
  const writer = await issueDevToken(
    { ...base, env: "development" },
    { role: "front_office", region: "32.01", agency: "DUKCAPIL-3201", ttl: "2h" },
  );
  const writeHeaders = { ...readHeaders, authorization: `Bearer ${writer}` };

  // (a) as serve builds it; logs go to a file, as with LOG_FILE.
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-bench-")), "gerbang.log");
  cleanup.add(async () => fs.rmSync(path.dirname(logFile), { recursive: true, force: true }));
  const on = { ...base, logLevel: "info" as const, monitoring: { ...base.monitoring, enabled: true } };
  const aLog = createLogger("info", logFile);
  const monitor = createMonitor({ config: on, db, log: aLog, policy });
  const stopMonitor = monitor.start();
  cleanup.add(stopMonitor);
  const a = await listen(createGateway({ config: on, db, log: aLog, policy, monitor }));
  // (b) the same gateway with MONITORING=off.
  const off = loadConfig({ ...process.env, MONITORING: "off" }).monitoring;
  const b = await listen(
    createGateway({
      config: { ...base, monitoring: { ...base.monitoring, enabled: off.enabled } },
      db,
      log: createLogger("silent"),
      policy,
      monitor: NO_MONITOR,
    }),
  );
  cleanup.add(() => closeServer(a.server));
  cleanup.add(() => closeServer(b.server));

  const reads = requestBodies(scratch.inScopeIds);
  const bodies: Record<Workload, string[]> = {
    Q1: reads.Q1,
    Q2: reads.Q2,
    recordService: scratch.inScopeIds.map((citizenId) =>
      JSON.stringify({
        query: MUTATION,
        operationName: "RecordService",
        variables: { input: { citizenId, serviceType: "Legalisir KK", channel: "COUNTER", outcome: "COMPLETED" } },
      }),
    ),
  };
  const url: Record<Variant, string> = { a: a.url, b: b.url };
  const client = new LoadClient();
  cleanup.add(() => client.close());
  // CPU of this process (gateway and load client alike) per request, per slice: on a shared machine
  // less disturbed by other processes than wall-clock latency.
  const cpu: Record<Workload, Record<Variant, number[]>> = {
    Q1: { a: [], b: [] },
    Q2: { a: [], b: [] },
    recordService: { a: [], b: [] },
  };
  const slices: Record<Workload, Record<Variant, SliceResult[]>> = {
    Q1: { a: [], b: [] },
    Q2: { a: [], b: [] },
    recordService: { a: [], b: [] },
  };
  const slice = async (w: Workload, v: Variant, durationMs: number) =>
    client.run({
      url: url[v],
      headers: w === "recordService" ? writeHeaders : readHeaders,
      bodies: bodies[w],
      concurrency,
      durationMs,
      offset: 0,
    });

  const workloads: Workload[] = ["Q1", "Q2", "recordService"];
  log("warm-up");
  for (const w of workloads) for (const v of ["a", "b"] as const) await slice(w, v, 1500);
  const perSlice = (seconds * 1000) / rounds;
  for (let r = 0; r < rounds; r++) {
    const order: Variant[] = r % 2 === 0 ? ["a", "b"] : ["b", "a"];
    for (const w of workloads) {
      for (const v of order) {
        const before = process.cpuUsage();
        const result = await slice(w, v, perSlice);
        const used = process.cpuUsage(before);
        if (result.errors > 0) throw new Error(`${w} (${v}) had ${result.errors} errors: ${result.firstError}`);
        slices[w][v].push(result);
        cpu[w][v].push((used.user + used.system) / 1000 / result.count);
      }
    }
    log(`round ${r + 1}/${rounds} done`);
  }

  const summary = (w: Workload, v: Variant) => {
    const s = slices[w][v];
    const latencies = concat(s.map((x) => x.latencies)).sort();
    const perRound = s.map((x) => (x.count / x.elapsedMs) * 1000);
    return {
      requests: s.reduce((n, x) => n + x.count, 0),
      p50Ms: round(percentile(latencies, 50), 2),
      p95Ms: round(percentile(latencies, 95), 2),
      throughputPerSecond: round(median(perRound), 1),
      cpuMsPerRequest: round(median(cpu[w][v]), 3),
    };
  };
  const results = Object.fromEntries(
    workloads.map((w) => {
      const [sa, sb] = [summary(w, "a"), summary(w, "b")];
      return [
        w,
        {
          a: sa,
          b: sb,
          p50OverheadPercent: round((sa.p50Ms / sb.p50Ms - 1) * 100, 1),
          throughputOverheadPercent: round((1 - sa.throughputPerSecond / sb.throughputPerSecond) * 100, 1),
          cpuOverheadPercent: round((sa.cpuMsPerRequest / sb.cpuMsPerRequest - 1) * 100, 1),
        },
      ];
    }),
  );
  // Wall-clock and throughput on a shared machine carry noise larger than the effect. So (a) runs once
  // more per workload under the V8 profiler of this (the gateway's) thread, the load client being on
  // its own thread: the share of the gateway's busy CPU spent in the monitoring code itself (frames of
  // src/monitoring/ and src/log.ts, with the prom-client and pino calls under them) is the cost.
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  const profiled: Record<
    string,
    { requests: number; busyMsPerRequest: number; monitoringUsPerRequest: number; monitoringPercentOfBusy: number }
  > = {};
  for (const w of workloads) {
    await session.post("Profiler.start");
    const result = await slice(w, "a", Math.max(3000, perSlice));
    const { profile } = await session.post("Profiler.stop");
    const share = monitoringShare(profile as unknown as Parameters<typeof monitoringShare>[0]);
    profiled[w] = {
      requests: result.count,
      busyMsPerRequest: round(share.busyUs / 1000 / result.count, 3),
      monitoringUsPerRequest: round(share.monitoringUs / result.count, 1),
      monitoringPercentOfBusy: round((share.monitoringUs / share.busyUs) * 100, 2),
    };
  }
  session.disconnect();
  const logLines = fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean).length;
  const alerts = await db.query<{ rule: string; n: number }>(
    `select rule, count(*)::int as n from "SecurityAlert" group by rule order by rule`,
  );
  const report = {
    benchmark: "monitoring",
    command: `npx tsx bench/monitoring.ts --seconds ${seconds} --rounds ${rounds} --concurrency ${concurrency} --citizens ${citizens}`,
    variants: {
      a: "monitoring on: metrics, one JSON log line per request to a file, shipped alert rules counted into PostgreSQL windows (flush every 1 s)",
      b: "MONITORING=off",
    },
    target: "a adds under 5 % to the read p50 (Q1, Q2) and to the mutation throughput (recordService)",
    concurrency,
    results,
    profiledMonitoringShare: profiled,
    logLinesWritten: logLines,
    alertsRaised: alerts,
    machine: machineInfo(),
    source: sourceState(),
    at: new Date().toISOString(),
  };
  writeResults("monitoring", report);
  for (const w of workloads) {
    const r = results[w] as {
      a: { p50Ms: number; throughputPerSecond: number };
      b: { p50Ms: number; throughputPerSecond: number };
      p50OverheadPercent: number;
      throughputOverheadPercent: number;
      cpuOverheadPercent: number;
    };
    const pr = profiled[w];
    if (pr)
      console.log(
        `${w.padEnd(14)} profiled: monitoring ${pr.monitoringUsPerRequest} µs of ${pr.busyMsPerRequest} ms gateway CPU per request (${pr.monitoringPercentOfBusy} %)`,
      );
    console.log(
      `${w.padEnd(14)} p50 a ${r.a.p50Ms} ms / b ${r.b.p50Ms} ms (${r.p50OverheadPercent} %)  throughput a ${r.a.throughputPerSecond}/s / b ${r.b.throughputPerSecond}/s (${r.throughputOverheadPercent} %)  CPU/request ${r.cpuOverheadPercent} %`,
    );
  }
} finally {
  await cleanup.run();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Busy time of a V8 CPU profile, and the part under frames of the monitoring code (outermost frame counted once). */
function monitoringShare(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }): {
  busyUs: number;
  monitoringUs: number;
} {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const ours = (url: string) => url.includes("/src/monitoring/") || url.endsWith("/src/log.ts");
  const underOurs = new Map<number, boolean>();
  const isUnder = (id: number): boolean => {
    const known = underOurs.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const answer = node ? ours(node.callFrame.url) || (up !== undefined && isUnder(up)) : false;
    underOurs.set(id, answer);
    return answer;
  };
  let busyUs = 0;
  let monitoringUs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    const name = byId.get(id)?.callFrame.functionName ?? "";
    const dt = deltas[i] ?? 0;
    if (name === "(idle)" || name === "(program)") continue;
    busyUs += dt;
    if (isUnder(id)) monitoringUs += dt;
  }
  return { busyUs, monitoringUs };
}
