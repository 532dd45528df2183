// Start-up benchmark: how long `gerbang --help`, a first embedded start and a restart take, and how
// much memory the idle server holds, measured from outside as an operator would see them.
//
//   npm run bench:startup                                  # this checkout
//   npm run bench:startup -- --cli /tmp/old/bin/gerbang.js # and another checkout, side by side
//
// Every figure comes from a child process `node <bin> ...` started the way `npm start` starts it:
// - help:     wall time of `node <bin> --help` until it exits.
// - fresh:    `node <bin> serve` on an empty DATA_DIR (PGlite: create, migrate, seed 2,000 citizens)
//             until GET /readyz answers 200.
// - restart:  the same on the data directory the fresh start left behind.
// - postgres: `node <bin> serve` with DATABASE_URL on a migrated scratch database until /readyz is 200.
// - RSS:      VmRSS of the serve process (/proc/<pid>/status) 5 s after it was ready, and on the first
//             restart and the first PostgreSQL start also after --idle seconds without requests (V8's
//             memory reducer gives start-up garbage back some 30-45 s after the process goes quiet).
// - CPU:      the serve process's user + system time when it was ready: a figure that other work on a
//             shared machine inflates much less than the wall time.
// Each server is stopped with SIGTERM and must exit by itself; the time that takes is recorded too.
// Checkouts are measured in turns within each step, so that machine noise hits them alike.
// The figures go to bench/results/startup.json (overwritten; history is in git).

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import {
  BenchAbort,
  Cleanup,
  DEFAULT_ADMIN_URL,
  fail,
  logger,
  machineInfo,
  median,
  num,
  RESULTS_DIR,
  ROOT,
  round,
  writeAtomic,
} from "./support.ts";

const log = logger("bench:startup");

const USAGE = `Usage: npm run bench:startup -- [options]

  --cli PATH           a bin/gerbang.js to measure besides this checkout's (repeatable), e.g. a
                       checkout of an older commit with its own node_modules
  --help-runs N        runs of \`gerbang --help\` per checkout (default 10)
  --runs N             fresh starts and restarts per checkout (default 3)
  --idle SECONDS       idle time before the settled RSS is read (default 60)
  --node PATH          the node binary that runs the CLI (default: the one running this script)
  --database-url URL   PostgreSQL admin URL for the scratch database (default $BENCH_DATABASE_URL or
                       ${DEFAULT_ADMIN_URL})
  --no-postgres        skip the PostgreSQL step
  --no-write           do not write bench/results/startup.json`;

/** The issue's targets: seconds for times, MB for memory. */
const TARGETS = { helpS: 0.5, freshS: 6, restartS: 2, idleRssPgliteMb: 300, idleRssPostgresMb: 200 };

interface Options {
  clis: string[];
  helpRuns: number;
  runs: number;
  idleMs: number;
  node: string;
  adminUrl: string;
  postgres: boolean;
  write: boolean;
}

interface ServeRun {
  /** Spawn until /readyz answered 200. */
  readyMs: number;
  /** User + system CPU time of the process when it was ready. */
  cpuMsAtReady: number;
  /** VmRSS when ready, 5 s later, and (when asked for) after the idle time. */
  rssReadyMb: number;
  rss5sMb: number;
  rssIdleMb: number | null;
  /** VmHWM: the highest RSS the process reached, start-up included. */
  peakRssMb: number;
  /** SIGTERM until the process exited. */
  stopMs: number;
  exit: string;
  /** What the server logged, with the time since spawn: where the start-up time goes. */
  timeline: Array<[number, string]>;
}

interface Checkout {
  cli: string;
  label: string;
  commit: string | null;
  help: number[];
  fresh: ServeRun[];
  restart: ServeRun[];
  postgres: ServeRun[];
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      cli: { type: "string", multiple: true, default: [] },
      "help-runs": { type: "string", default: "10" },
      runs: { type: "string", default: "3" },
      idle: { type: "string", default: "60" },
      node: { type: "string" },
      "database-url": { type: "string" },
      "no-postgres": { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const clis = [path.join(ROOT, "bin", "gerbang.js"), ...values.cli.map((c) => path.resolve(c))];
  for (const cli of clis) if (!fs.existsSync(cli)) fail(`--cli ${cli}: no such file`);
  return {
    clis,
    helpRuns: num("help-runs", values["help-runs"], 1, true),
    runs: num("runs", values.runs, 1, true),
    idleMs: num("idle", values.idle, 5, false) * 1000,
    node: values.node ? path.resolve(values.node) : process.execPath,
    adminUrl: values["database-url"] ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL,
    postgres: !values["no-postgres"],
    write: !values["no-write"],
  };
}

/** The checkout a bin belongs to: its directory name and commit (plus "+changes" when its tree is edited). */
function describeCheckout(cli: string): { label: string; commit: string | null } {
  const dir = path.dirname(path.dirname(cli));
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
    const commit = git("rev-parse", "--short", "HEAD");
    const dirty = git("status", "--porcelain", "--", ".", ":!bench/results") !== "";
    return { label: `${path.basename(dir)}@${commit}${dirty ? "+changes" : ""}`, commit };
  } catch {
    return { label: path.basename(dir), commit: null };
  }
}

// ---------------------------------------------------------------------------------------------
// One measurement each

/** Wall time of `node <bin> --help`, which must exit 0 with the command list. */
function timeHelp(node: string, cli: string): number {
  const t0 = performance.now();
  const res = spawnSync(node, [cli, "--help"], { cwd: path.dirname(path.dirname(cli)), encoding: "utf8" });
  const ms = performance.now() - t0;
  if (res.status !== 0 || !res.stdout.includes("serve")) fail(`${cli} --help failed: ${res.stderr}`);
  return ms;
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function memoryMb(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: round(kb("VmRSS") / 1024), hwm: round(kb("VmHWM") / 1024) };
}

/** User + system time of a process, from /proc/<pid>/stat (in clock ticks of 1/100 s on Linux). */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `node <bin> serve`, waits for /readyz, idles, reads its memory, stops it with SIGTERM. */
async function serveOnce(node: string, cli: string, env: Record<string, string>, idleMs: number): Promise<ServeRun> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(node, [cli, "serve"], {
    cwd: path.dirname(path.dirname(cli)),
    env: { PATH: process.env.PATH ?? "", HOME: os.homedir(), HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const timeline: Array<[number, string]> = [];
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
  );
  let exit: string | undefined;
  void exited.then((e) => {
    exit = e;
  });
  record(child, t0, timeline);
  try {
    const pid = child.pid as number;
    const readyMs = await waitReady(port, t0, () => exit, timeline);
    const cpuMsAtReady = cpuMs(pid);
    const rssReadyMb = memoryMb(pid).rss;
    await sleep(5000);
    const rss5sMb = memoryMb(pid).rss;
    if (idleMs > 5000) await sleep(idleMs - 5000);
    if (exit) fail(`${cli} serve stopped while idle (${exit})`);
    const memory = memoryMb(pid);
    const t1 = performance.now();
    child.kill("SIGTERM");
    const stopped = await Promise.race([exited, sleep(30_000).then(() => undefined)]);
    if (!stopped) fail(`${cli} serve did not exit within 30 s of SIGTERM`);
    return {
      readyMs: round(readyMs, 0),
      cpuMsAtReady,
      rssReadyMb,
      rss5sMb,
      rssIdleMb: idleMs > 5000 ? memory.rss : null,
      peakRssMb: memory.hwm,
      stopMs: round(performance.now() - t1, 0),
      exit: stopped,
      timeline,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  }
}

/** Keeps each log line with its time since spawn; of the seeding progress lines only the last. */
function record(child: ChildProcess, t0: number, timeline: Array<[number, string]>): void {
  const onLine = (line: string) => {
    if (!line.trim()) return;
    let text = line.replace(/^\r+/, "").trim();
    try {
      const json = JSON.parse(text) as { msg?: string };
      if (json.msg) text = json.msg;
    } catch {
      // not a JSON log line: keep it as printed
    }
    const at = round(performance.now() - t0, 0);
    const last = timeline.at(-1);
    if (last && text.startsWith("Seeding citizens:") && last[1].startsWith("Seeding citizens:")) timeline.pop();
    timeline.push([at, text.slice(0, 160)]);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (buffered + chunk).split(/[\n\r]/);
      buffered = lines.pop() ?? "";
      lines.forEach(onLine);
    });
  }
}

async function waitReady(
  port: number,
  t0: number,
  exited: () => string | undefined,
  timeline: Array<[number, string]>,
): Promise<number> {
  while (performance.now() - t0 < 300_000) {
    const e = exited();
    if (e) fail(`serve exited before it was ready (${e}):\n${timeline.map(([t, l]) => `  ${t} ms ${l}`).join("\n")}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  return fail("serve was not ready within 300 s");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL scratch database

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new database, migrated by this checkout's CLI, dropped at cleanup. */
async function scratchPostgres(adminUrl: string, cleanup: Cleanup): Promise<string> {
  const name = `gerbang_bench_${randomBytes(5).toString("hex")}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await admin(adminUrl, `CREATE DATABASE "${name}"`);
  cleanup.add(() => admin(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  const migrated = spawnSync(process.execPath, [path.join(ROOT, "bin", "gerbang.js"), "migrate"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: url.toString() },
    encoding: "utf8",
  });
  if (migrated.status !== 0) fail(`migrate failed: ${migrated.stderr}`);
  log(`created and migrated ${name}`);
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// Steps

async function measure(opts: Options, cleanup: Cleanup): Promise<Checkout[]> {
  const checkouts: Checkout[] = opts.clis.map((cli) => ({
    cli,
    ...describeCheckout(cli),
    help: [],
    fresh: [],
    restart: [],
    postgres: [],
  }));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-startup-"));
  cleanup.add(async () => fs.rmSync(scratch, { recursive: true, force: true }));
  const env = { NODE_ENV: "development", LOG_LEVEL: "info" };

  const node = opts.node;
  log(`--help, ${opts.helpRuns} runs each`);
  for (let i = 0; i < opts.helpRuns; i++) for (const c of checkouts) c.help.push(round(timeHelp(node, c.cli), 0));

  // Only the first restart and PostgreSQL start of each checkout wait for the settled RSS: a minute each.
  const idle = (i: number) => (i === 0 ? opts.idleMs : 5000);
  for (let i = 0; i < opts.runs; i++) {
    for (const [n, c] of checkouts.entries()) {
      const dataDir = path.join(scratch, `data-${n}-${i}`);
      log(`${c.label}: fresh start ${i + 1}/${opts.runs}`);
      c.fresh.push(await serveOnce(node, c.cli, { ...env, DATA_DIR: dataDir }, 5000));
      log(`${c.label}: restart ${i + 1}/${opts.runs}`);
      c.restart.push(await serveOnce(node, c.cli, { ...env, DATA_DIR: dataDir }, idle(i)));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }

  if (opts.postgres) {
    const url = await scratchPostgres(opts.adminUrl, cleanup);
    for (let i = 0; i < opts.runs; i++) {
      for (const c of checkouts) {
        log(`${c.label}: PostgreSQL start ${i + 1}/${opts.runs}`);
        c.postgres.push(await serveOnce(node, c.cli, { ...env, DATABASE_URL: url }, idle(i)));
      }
    }
  }
  return checkouts;
}

interface Summary {
  label: string;
  helpS: number;
  freshS: number;
  freshCpuS: number;
  restartS: number;
  restartCpuS: number;
  postgresStartS: number | null;
  idleRssPgliteMb: number | null;
  idleRssPostgresMb: number | null;
  rss5sPgliteMb: number;
  rss5sPostgresMb: number | null;
  rss5sFreshMb: number;
  peakRssFreshMb: number;
  stopS: number;
}

function summarize(c: Checkout): Summary {
  const s = (runs: ServeRun[], pick: (r: ServeRun) => number | null) => {
    const values = runs.map(pick).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  const sec = (ms: number | null) => (ms === null ? Number.NaN : round(ms / 1000, 2));
  const pg = c.postgres.length > 0;
  return {
    label: c.label,
    helpS: round(median(c.help) / 1000, 2),
    freshS: sec(s(c.fresh, (r) => r.readyMs)),
    freshCpuS: sec(s(c.fresh, (r) => r.cpuMsAtReady)),
    restartS: sec(s(c.restart, (r) => r.readyMs)),
    restartCpuS: sec(s(c.restart, (r) => r.cpuMsAtReady)),
    postgresStartS: pg ? sec(s(c.postgres, (r) => r.readyMs)) : null,
    // After a restart: what a server that has been running on existing data holds.
    idleRssPgliteMb: s(c.restart, (r) => r.rssIdleMb),
    idleRssPostgresMb: pg ? s(c.postgres, (r) => r.rssIdleMb) : null,
    rss5sPgliteMb: s(c.restart, (r) => r.rss5sMb) ?? Number.NaN,
    rss5sPostgresMb: pg ? s(c.postgres, (r) => r.rss5sMb) : null,
    rss5sFreshMb: s(c.fresh, (r) => r.rss5sMb) ?? Number.NaN,
    peakRssFreshMb: s(c.fresh, (r) => r.peakRssMb) ?? Number.NaN,
    stopS: sec(s([...c.fresh, ...c.restart, ...c.postgres], (r) => r.stopMs)),
  };
}

function report(summaries: Summary[]): string[] {
  const rows: Array<[string, keyof Summary, number | null, string]> = [
    ["gerbang --help", "helpS", TARGETS.helpS, "s"],
    ["fresh embedded start (migrate + seed) until /readyz", "freshS", TARGETS.freshS, "s"],
    ["  its CPU time (user + system)", "freshCpuS", null, "s"],
    ["embedded restart until /readyz", "restartS", TARGETS.restartS, "s"],
    ["  its CPU time (user + system)", "restartCpuS", null, "s"],
    ["PostgreSQL start until /readyz", "postgresStartS", null, "s"],
    ["idle RSS, PGlite (restart, settled)", "idleRssPgliteMb", TARGETS.idleRssPgliteMb, "MB"],
    ["idle RSS, PostgreSQL (settled)", "idleRssPostgresMb", TARGETS.idleRssPostgresMb, "MB"],
    ["RSS 5 s after ready, PGlite restart", "rss5sPgliteMb", null, "MB"],
    ["RSS 5 s after ready, PostgreSQL", "rss5sPostgresMb", null, "MB"],
    ["RSS 5 s after ready, fresh start", "rss5sFreshMb", null, "MB"],
    ["peak RSS during the fresh start", "peakRssFreshMb", null, "MB"],
    ["SIGTERM until exit", "stopS", null, "s"],
  ];
  const head = ["median of the runs", ...summaries.map((s) => s.label), "target"];
  const body = rows.map(([name, key, target, unit]) => [
    name,
    ...summaries.map((s) => {
      const v = s[key] as number | null;
      if (v === null || Number.isNaN(v)) return "-";
      const met = target === null ? "" : v < target ? "  ok" : "  MISSED";
      return `${v} ${unit}${met}`;
    }),
    target === null ? "" : `< ${target} ${unit}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const cleanup = new Cleanup();
  const machine = machineInfo();
  try {
    const checkouts = await measure(opts, cleanup);
    const summaries = checkouts.map(summarize);
    const load = (l: number[]) => l.map((x) => round(x, 2)).join(" ");
    console.log(
      `node ${spawnSync(opts.node, ["--version"], { encoding: "utf8" }).stdout.trim()}, ${machine.cpus} CPUs, ` +
        `load average ${load(machine.loadAvgAtStart)} at the start, ${load(os.loadavg())} at the end\n`,
    );
    console.log(report(summaries).join("\n"));
    if (opts.write) {
      const file = path.join(RESULTS_DIR, "startup.json");
      const nodeVersion = spawnSync(opts.node, ["--version"], { encoding: "utf8" }).stdout.trim();
      const result = {
        when: new Date().toISOString(),
        machine,
        node: { path: opts.node, version: nodeVersion },
        loadAvgAtEnd: os.loadavg().map((l) => round(l, 2)),
        targets: TARGETS,
        summaries,
        checkouts,
      };
      writeAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
      log(`wrote ${path.relative(ROOT, file)}`);
    }
  } finally {
    await cleanup.run();
  }
}

main().catch((error: unknown) => {
  log(error instanceof BenchAbort ? error.message : String((error as Error).stack ?? error));
  process.exit(1);
});
