// Backup benchmark: `gerbang backup` against a bare `pg_dump -Fc` of the same database, and
// `gerbang backup verify`, on PostgreSQL with N seeded citizens and their records.
//
//   npx tsx bench/backup.ts [--citizens 100000] [--rounds 2]
//
// Creates, migrates and seeds a scratch database (dropped at the end), then alternates a bare
// pg_dump and createBackup (what `gerbang backup` runs) --rounds times, so both see the same machine
// load; then times verifyBackup once (restore into another scratch database, every check).
// Targets (issue 13): backup within 1.5x of the bare pg_dump; verify under 60 s.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config.ts";
import { createBackup } from "../src/ops/backup.ts";
import { verifyBackup } from "../src/ops/backup-check.ts";
import {
  BenchAbort,
  Cleanup,
  DEFAULT_ADMIN_URL,
  logger,
  machineInfo,
  num,
  round,
  scratchDatabase,
  sourceState,
  writeResults,
} from "./support.ts";

const log = logger("bench:backup");
const { values } = parseArgs({
  options: {
    citizens: { type: "string", default: "100000" },
    rounds: { type: "string", default: "2" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(
    "usage: npx tsx bench/backup.ts [--citizens 100000] [--rounds 2]   (PostgreSQL at BENCH_DATABASE_URL or 127.0.0.1:5432)",
  );
  process.exit(0);
}

const cleanup = new Cleanup();
try {
  const citizens = num("citizens", values.citizens as string, 1, true);
  const rounds = num("rounds", values.rounds as string, 1, true);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const scratch = await scratchDatabase(adminUrl, citizens, cleanup, 4);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-bench-backup-"));
  cleanup.add(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_URL: scratch.url, BACKUP_DIR: tmp });
  const quiet = () => {};
  const bare: number[] = [];
  const ours: number[] = [];
  let backupDir = "";
  let bareBytes = 0;
  for (let i = 0; i < rounds; i++) {
    const file = path.join(tmp, `bare-${i}.dump`);
    let t0 = performance.now();
    const result = spawnSync("pg_dump", ["--format=custom", `--file=${file}`, `--dbname=${scratch.url}`]);
    if (result.status !== 0) throw new BenchAbort(`pg_dump failed: ${result.stderr}`);
    bare.push(performance.now() - t0);
    bareBytes = fs.statSync(file).size;
    fs.rmSync(file);
    t0 = performance.now();
    if (backupDir) fs.rmSync(backupDir, { recursive: true, force: true });
    backupDir = await createBackup(config, tmp, quiet);
    ours.push(performance.now() - t0);
    log(
      `round ${i + 1}: pg_dump ${round((bare[i] as number) / 1000, 2)} s, gerbang backup ${round((ours[i] as number) / 1000, 2)} s`,
    );
  }
  const t0 = performance.now();
  const report = await verifyBackup(backupDir, config, (line) => log(line));
  const verifyMs = performance.now() - t0;
  log(`backup verify: ${report.verified ? "verified" : "NOT verified"} in ${round(verifyMs / 1000, 1)} s`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const ratio = median(ours) / median(bare);
  writeResults("backup", {
    when: new Date().toISOString(),
    machine: machineInfo(),
    source: sourceState(),
    command: `npx tsx bench/backup.ts --citizens ${citizens} --rounds ${rounds}`,
    database: { pgVersion: scratch.pgVersion, citizens, seeded: scratch.seeded, dumpBytes: bareBytes },
    pgDumpSeconds: bare.map((ms) => round(ms / 1000, 2)),
    gerbangBackupSeconds: ours.map((ms) => round(ms / 1000, 2)),
    backupToPgDumpRatio: round(ratio, 2),
    verifySeconds: round(verifyMs / 1000, 1),
    verified: report.verified,
    checks: report.checks.map((c) => ({ name: c.name, problems: c.problems.length, note: c.note })),
    targets: { ratioAtMost: 1.5, verifySecondsUnder: 60, met: ratio <= 1.5 && verifyMs < 60_000 && report.verified },
  });
} catch (error) {
  log(error instanceof BenchAbort ? error.message : String((error as Error).stack ?? error));
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
