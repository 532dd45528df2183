// PostgreSQL's own client tools (pg_dump, pg_restore) from Debian's postgresql-client: a custom-format
// dump is the format PostgreSQL itself guarantees to restore. The password travels in the
// environment, never on the command line (where `ps` shows it to every user of the machine).
import { spawn } from "node:child_process";
import { UsageError } from "../cli/args.ts";
import type { Database } from "../db/database.ts";

export class ToolMissingError extends UsageError {
  override name = "ToolMissingError";
}

/** The URL without its password, and the environment that carries the password instead. */
function connection(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = "";
  return { url: u.toString(), env };
}

function run(
  tool: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new ToolMissingError(
              `${tool} was not found. Install PostgreSQL's client tools (Debian: apt-get install postgresql-client), ` +
                "of the server's major version or newer.",
            )
          : error,
      );
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stderr, stdout }));
  });
}

async function toolMajor(tool: string): Promise<number> {
  const { stdout } = await run(tool, ["--version"], process.env);
  const match = /(\d+)(?:\.\d+)?/.exec(stdout);
  if (!match) throw new ToolMissingError(`cannot tell the version of ${tool} from "${stdout.trim()}".`);
  return Number(match[1]);
}

/** pg_dump refuses a newer server, pg_restore may not read a newer dump: both must be the server's major or newer. */
async function checkToolVersion(tool: string, db: Database): Promise<void> {
  const [row] = await db.query<{ v: string }>("SHOW server_version_num");
  const server = Math.floor(Number(row?.v) / 10000);
  const client = await toolMajor(tool);
  if (client < server)
    throw new ToolMissingError(
      `${tool} is version ${client} but the server is PostgreSQL ${server}: install postgresql-client-${server} (or newer).`,
    );
}

/** `snapshot`: an exported snapshot (pg_export_snapshot) to dump as of, shared with the caller's transaction. */
export async function pgDump(db: Database, url: string, file: string, snapshot?: string): Promise<void> {
  await checkToolVersion("pg_dump", db);
  const c = connection(url);
  const args = ["--format=custom", "--no-password", `--file=${file}`, `--dbname=${c.url}`];
  if (snapshot) args.push(`--snapshot=${snapshot}`);
  const { code, stderr } = await run("pg_dump", args, c.env);
  if (code !== 0) throw new Error(`pg_dump failed: ${stderr.trim()}`);
}

/**
 * Restores a custom-format dump into an empty database, in one transaction (all or nothing). Owners
 * and grants are left out: the target's roles may have other names; `migrate` grants the runtime role.
 */
export async function pgRestore(db: Database, url: string, file: string): Promise<void> {
  await checkToolVersion("pg_restore", db);
  const c = connection(url);
  const { code, stderr } = await run(
    "pg_restore",
    [
      "--no-owner",
      "--no-privileges",
      "--single-transaction",
      "--exit-on-error",
      "--no-password",
      `--dbname=${c.url}`,
      file,
    ],
    c.env,
  );
  if (code !== 0) throw new Error(`pg_restore failed: ${stderr.trim()}`);
}
