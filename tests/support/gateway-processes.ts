// Gateways as separate processes: `node bin/gerbang.js serve` spawned on a free port against a given
// database, killed with SIGKILL, and spoken to over real HTTP. For tests that need what yoga.fetch
// cannot show: several processes on one database, and a process dying mid-request.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Instance {
  name: "A" | "B";
  port: number;
  child: ChildProcess | undefined;
  generation: number;
  /** The writers' view (like a load balancer's): false after a request to it failed at the HTTP level. */
  up: boolean;
  inFlight: number;
  tail: string[];
  errorLines: string[];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Free TCP ports on 127.0.0.1, as many as asked for. */
export function freePorts(n: number): Promise<number[]> {
  // All listeners stay open until every port is known, so the two ports differ.
  const servers = Array.from({ length: n }, () => net.createServer());
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve, reject) => {
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => {
            const address = s.address();
            resolve(typeof address === "object" && address ? address.port : 0);
          });
        }),
    ),
  ).finally(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
}

/** An HTTP answer with its parsed body, or why there was none (`refused`: nothing listened on the port). */
export type PostResult =
  | { ok: true; status: number; body: Record<string, unknown> | undefined }
  | { ok: false; error: string; refused: boolean };

/** POSTs one GraphQL request with its own x-request-id to an instance; never throws. */
export async function post(
  inst: Instance,
  token: string,
  requestId: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<PostResult> {
  try {
    const res = await fetch(`http://127.0.0.1:${inst.port}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        authorization: `Bearer ${token}`,
        "x-request-id": requestId,
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return { ok: true, status: res.status, body };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      error: `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`,
      refused: cause?.code === "ECONNREFUSED",
    };
  }
}

/**
 * Gateway processes on one database: `instances` is filled by the caller; start() spawns an instance's
 * process (a new generation each time) and waits until it is ready, kill() SIGKILLs it, killAllNow()
 * is for process exit. Every process gets the same audit key, so a verify here sees one trail.
 */
export function gatewayProcesses(options: { databaseUrl: string; auditKey: string }) {
  const instances: Instance[] = [];

  const killAllNow = () => {
    for (const inst of instances) {
      const child = inst.child;
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  };

  function capture(inst: Instance, chunk: Buffer) {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      inst.tail.push(`[${inst.name}#${inst.generation}] ${line}`);
      if (inst.tail.length > 60) inst.tail.shift();
      if (line.includes('"level":"error"')) inst.errorLines.push(`[${inst.name}#${inst.generation}] ${line}`);
    }
  }

  const anchorDir = fs.mkdtempSync(path.join(os.tmpdir(), "gerbang-anchors-"));

  /** Spawns `node bin/gerbang.js serve` for the instance and waits for /readyz; returns the milliseconds it took. */
  async function start(inst: Instance): Promise<number> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: options.databaseUrl,
      PORT: String(inst.port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
      AUDIT_HMAC_KEY: options.auditKey,
      // Anchors go to a directory of this run, one file per instance (never the repository's ./anchors).
      AUDIT_ANCHOR_DIR: anchorDir,
      INSTANCE_ID: inst.name,
    };
    const child = spawn(process.execPath, ["bin/gerbang.js", "serve"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    inst.child = child;
    inst.generation++;
    child.stdout?.on("data", (c: Buffer) => capture(inst, c));
    child.stderr?.on("data", (c: Buffer) => capture(inst, c));
    let exited: string | undefined;
    child.once("exit", (code, signal) => {
      exited = `code ${code}, signal ${signal}`;
    });
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      if (exited) throw new Error(`gateway ${inst.name} exited while starting (${exited}):\n${inst.tail.join("\n")}`);
      try {
        const res = await fetch(`http://127.0.0.1:${inst.port}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) {
          inst.up = true;
          return Date.now() - started;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`gateway ${inst.name} not ready after 60 s:\n${inst.tail.join("\n")}`);
  }

  async function kill(inst: Instance): Promise<void> {
    const child = inst.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  return { instances, start, kill, killAllNow };
}

/** A `gerbang serve` process started by a test: its output so far, and a way to stop it. */
export interface ServeProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** http://localhost:PORT, from the ready line. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs `node bin/gerbang.js serve ARGS` with exactly `env` (plus PATH and HOME, PORT=0 and
 * LOG_LEVEL=info unless given): resolves with the running process once it logs "gerbang ready", or
 * with its exit code and output when it exits first.
 */
export async function spawnServe(
  env: Record<string, string>,
  args: string[] = [],
): Promise<ServeProcess | { exitCode: number | null; output: string }> {
  const child = spawn(process.execPath, ["bin/gerbang.js", "serve", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (c: Buffer) => chunks.push(c.toString()));
  const output = () => chunks.join("");
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const started = Date.now();
  while (Date.now() - started < 120_000) {
    if (exitCode !== undefined) return { exitCode, output: output() };
    const url = /"msg":"gerbang ready","url":"(http:\/\/localhost:\d+)/.exec(output())?.[1];
    if (url) {
      return {
        child,
        output,
        url,
        async stop() {
          if (exitCode === undefined) {
            child.kill("SIGTERM");
            await exited;
          }
        },
      };
    }
    await sleep(50);
  }
  child.kill("SIGKILL");
  throw new Error(`gerbang serve not ready after 120 s:\n${output()}`);
}
