// The CLI beside a running embedded gateway (issue 11): `gerbang serve` holds PGlite's data
// directory, and `audit seal`, `audit verify`, `migrate status`, `seed` and `backup` still reach it, through the gateway's
// socket, while it keeps answering requests. `migrate` (deploy) is refused: on PGlite the gateway
// applies migrations itself when it starts.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import { loadConfig } from "../../src/config.ts";
import { socketDirectory, socketPath } from "../../src/db/pglite-socket.ts";
import { OFFICERS } from "../fixtures/officers.ts";
import { type ServeProcess, spawnServe } from "../support/gateway-processes.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Runs `gerbang ARGS` to its end without blocking this process (the gateway is another one). */
function gerbang(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/gerbang.js", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.runIf(process.platform === "linux")("the CLI beside a running embedded gateway", () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-beside-"));
  // Anchors of its seals in the scratch directory too, never the repository's ./anchors.
  const env = { DATA_DIR: path.join(scratch, "data"), AUDIT_ANCHOR_DIR: path.join(scratch, "anchors") };
  let server: ServeProcess;
  let token: string;

  const graphql = async (query: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  beforeAll(async () => {
    const started = await spawnServe({ NODE_ENV: "test", ...env });
    if (!("url" in started)) throw new Error(`serve exited (${started.exitCode}):\n${started.output}`);
    server = started;
    const front = OFFICERS.frontOfficeBogor;
    token = await issueDevToken(loadConfig({ NODE_ENV: "test" }), {
      role: front.role,
      region: front.region,
      agency: front.agency,
      subject: "beside",
    });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("says where its socket is", () => {
    expect(server.output()).toContain(`"socket":"${socketPath(env.DATA_DIR)}"`);
  });

  it("seals and verifies through the gateway, which keeps answering", async () => {
    const listed = await graphql(`{ citizens(first: 1) { totalCount edges { node { id } } } }`);
    const citizens = listed.data?.citizens as { totalCount: number; edges: Array<{ node: { id: string } }> };
    const id = citizens.edges[0]?.node.id;
    const served = await graphql(
      `mutation { recordService(input: { citizenId: "${id}", serviceType: "Legalisir KK", channel: COUNTER, outcome: COMPLETED }) { id } }`,
    );
    expect(served.errors).toBeUndefined();

    const sealed = await gerbang(["audit", "seal"], env);
    expect(sealed.stderr).toBe("");
    expect(sealed.code).toBe(0);
    expect(sealed.stdout).toMatch(/^Sealed \d+ pending entries\.$/m);

    const verified = await gerbang(["audit", "verify"], env);
    expect(verified.stderr).toBe("");
    expect(verified.code).toBe(0);
    // The entry just written is there, and sealed (by `audit seal` or by the gateway's own sealer).
    expect(verified.stdout).toMatch(/^intact: [1-9]\d* entries \([1-9]\d* sealed, 0 not yet sealed\)/);

    expect((await graphql(`{ citizens(first: 1) { totalCount } }`)).data).toEqual({
      citizens: { totalCount: citizens.totalCount },
    });
  });

  it("backs up the running gateway's database, which keeps answering; the backup verifies", async () => {
    const backups = path.join(scratch, "backups");
    // A request sent while the backup runs waits for the copy, then is answered.
    const [backup, during] = await Promise.all([
      gerbang(["backup", "--to", backups], env),
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return graphql(`{ citizens(first: 1) { totalCount } }`);
      })(),
    ]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/a gateway holds .*: pausing its database while the data directory is copied/);
    expect(during.errors).toBeUndefined();
    const dir = /backup written: (\S+)/.exec(backup.stdout)?.[1] as string;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as {
      facts: { rowCounts: Record<string, number> };
    };
    expect(manifest.facts.rowCounts.Citizen).toBe(2000);
    expect(manifest.facts.rowCounts.AuditEntry).toBeGreaterThan(0); // the mutation of the test above
    const verified = await gerbang(["backup", "verify", dir], env);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^verified: /m);
    // Nothing of ours travelled: no socket, no lock in the dump.
    expect(fs.readdirSync(dir).sort()).toEqual(["manifest.json", "pgdata.tar.gz", "verified.json"]);
    // doctor reads through the gateway too, and sees the verified backup.
    const doctor = await gerbang(["doctor"], { ...env, BACKUP_DIR: backups });
    expect(doctor.stdout).toMatch(/schema\s+ok/);
    expect(doctor.stdout).toMatch(/backups\s+ok/);
    expect(doctor.code, doctor.stdout).toBe(0);
  });

  it("reports migration status and refuses a second seed through the gateway; refuses to migrate beneath it", async () => {
    const status = await gerbang(["migrate", "status"], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/applied, 0 pending/);
    // seed reaches the database too, and refuses it as it would any seeded one.
    const seeded = await gerbang(["seed", "--citizens", "10"], env);
    expect(seeded.code).toBe(1);
    expect(seeded.stderr).toMatch(/refusing to seed: the database already has 2000 citizens/);
    const deploy = await gerbang(["migrate"], env);
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toMatch(/is in use by process \d+; stop it first/);
  });

  it("leaves no socket behind when it stops, and the CLI then opens the directory itself", async () => {
    await server.stop();
    expect(fs.existsSync(socketDirectory(env.DATA_DIR))).toBe(false);
    const verified = await gerbang(["audit", "verify"], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^intact: /);
  });
});
