// backup, restore and doctor as an operator runs them (bin/gerbang.js, the build): one-line refusals
// with exit 1, and a PGlite backup → verify → doctor round trip with readable and --json reports.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-cli-ops-"));
const env = {
  PATH: process.env.PATH ?? "",
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  DATA_DIR: path.join(tmp, "data"),
  BACKUP_DIR: path.join(tmp, "backups"),
};

function gerbang(args: string[]) {
  const result = spawnSync(process.execPath, ["bin/gerbang.js", ...args], { env, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("backup, restore and doctor on the command line", () => {
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("refuses a missing backup folder and missing arguments in one line each", () => {
    const verify = gerbang(["backup", "verify", path.join(tmp, "no-such-backup")]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/manifest\s+FAILED/);
    expect(verify.stdout).toMatch(/NOT verified/);
    const restore = gerbang(["restore"]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/^gerbang: restore needs the backup folder/);
    expect(restore.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const keep = gerbang(["backup", "--keep-daily", "0"]);
    expect(keep.code).toBe(1);
    expect(keep.stderr).toMatch(/--keep-daily must be a positive whole number/);
  });

  it("backs up the embedded database, verifies the backup, and doctor sees it", () => {
    expect(gerbang(["migrate"]).code).toBe(0);
    const backup = gerbang(["backup"]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/dumping the PGlite data directory/); // progress lines
    const dir = /backup written: (\S+)/.exec(backup.stdout)?.[1] as string;
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(true);

    const verify = gerbang(["backup", "verify", dir, "--json"]);
    expect(verify.code, verify.stdout).toBe(0);
    const report = JSON.parse(verify.stdout) as {
      verified: boolean;
      checks: Array<{ name: string; problems: string[] }>;
    };
    expect(report.verified).toBe(true);
    expect(report.checks.every((c) => c.problems.length === 0)).toBe(true);

    const doctor = gerbang(["doctor", "--json"]);
    const health = JSON.parse(doctor.stdout) as {
      healthy: boolean;
      checks: Array<{ name: string; problems: string[] }>;
    };
    const problems = Object.fromEntries(health.checks.map((c) => [c.name, c.problems]));
    expect(problems.schema).toEqual([]);
    expect(problems.backups).toEqual([]);
    // PGlite has no other account than its superuser: a note, not a problem.
    expect(problems.privileges).toEqual([]);
    expect(health.healthy).toBe(true);
    expect(doctor.code).toBe(0);
    expect(gerbang(["doctor"]).stdout).toMatch(/backups\s+ok \(newest verified backup gerbang-/);
  });
});
