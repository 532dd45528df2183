// One handle on the database for the whole process: the Prisma client (through a driver adapter),
// the adapter factory the wasm schema engine needs for migrations, and a raw query for tools.
// PGlite (in-process PostgreSQL) is the zero-config default; PostgreSQL is used when configured.

import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { DEV_KEY_FILE } from "../audit/dev-key.ts";
import type { DatabaseTarget } from "../config.ts";
import { PrismaClient } from "../generated/prisma/client.ts";
import { SafePrismaPGlite } from "./pglite-adapter.ts";
import { listenOnSocket, socketDirectory, socketPath, socketUrl } from "./pglite-socket.ts";
import { copyPgliteTemplate } from "./pglite-template.ts";

export type Db = PrismaClient;

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  /** What the wasm schema engine drives migrations through. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Raw SQL for tools and tests (never for request handling: that goes through Prisma). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The same, each row an array of its values in column order: no object per row (audit verify reads millions). */
  queryRows(sql: string, params?: unknown[]): Promise<unknown[][]>;
  /** Counts SQL statements Prisma sends; tests and benchmarks read it to pin N+1 behaviour. */
  statements: { count: number };
  /** PostgreSQL pool connections (total, idle) and requests waiting for one; absent on PGlite. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** PGlite only: the data directory as a gzipped tarball, consistent as of the call (backups). */
  dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/** PGlite's data directory is held by another live process (a running gateway, most often). */
export class DataDirInUseError extends DatabaseUnavailableError {
  override name = "DataDirInUseError";
}

/** Our lock in a PGlite data directory (see takeDataDirLock). */
const LOCK_FILE = "gerbang.lock";

/**
 * PGlite's postgresql.conf asks for 128 MB of shared buffers, and PGlite touches all of them when it
 * opens: about 100 MB of resident memory more than 32 MB, for a database of some tens of MB whose
 * files the operating system caches anyway.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"];

export interface OpenOptions {
  /**
   * PostgreSQL's statement_timeout for every connection of the pool, in ms: the server cancels a
   * statement that runs longer. `serve` sets it to the gateway's execution timeout, so a query the
   * caller was already told had timed out does not keep running; tools leave it unset (no limit).
   * PGlite runs in-process and has no way to cancel a statement.
   */
  statementTimeoutMs?: number;
  /**
   * PGlite only: while this process holds the data directory, let gerbang's CLI in through a Unix
   * socket inside it (src/db/pglite-socket.ts). `serve` sets it and is told where, or why not.
   */
  listenForCli?: (outcome: { path: string } | { unavailable: string }) => void;
  /**
   * PGlite only: when another process (a running gateway) holds the data directory, connect through
   * its socket instead of failing. For the CLI's commands; never for a second gateway.
   */
  joinRunningGateway?: boolean;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  if (target.kind === "postgres") return openPostgres(target.url, 10, options);
  fs.mkdirSync(target.dataDir, { recursive: true });
  let release: () => void;
  try {
    release = takeDataDirLock(target.dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError && options.joinRunningGateway) return joinRunning(target.dataDir, error);
    throw error;
  }
  try {
    // A socket left by a gateway that died: nobody listens there (we hold the lock now), and tools
    // that copy or dump the directory should not meet it.
    fs.rmSync(socketDirectory(target.dataDir), { recursive: true, force: true });
    // A new data directory starts as a copy of the build's migrated template, when it is current.
    // (The development audit key may be there already: config.ts makes it on first use.)
    if (fs.readdirSync(target.dataDir).every((name) => name === LOCK_FILE || name === DEV_KEY_FILE))
      await copyPgliteTemplate(target.dataDir);
    const pglite = await PGlite.create(target.dataDir, { startParams: PGLITE_START_PARAMS });
    const socket = options.listenForCli ? await listenOnSocket(pglite, target.dataDir) : undefined;
    if (socket) options.listenForCli?.("unavailable" in socket ? socket : { path: socket.path });
    return fromPglite(pglite, async () => {
      if (socket && "close" in socket) await socket.close();
      await pglite.close();
      release();
    });
  } catch (error) {
    release();
    throw error;
  }
}

/** The data directory is held by a running gateway: its socket, spoken to as PostgreSQL. */
async function joinRunning(dataDir: string, inUse: DataDirInUseError): Promise<Database> {
  const file = socketPath(dataDir);
  if (!fs.existsSync(file)) throw new DataDirInUseError(`${inUse.message}; it offers no socket at ${file}`);
  try {
    // Two connections: verify fetches its next page while it hashes the current one.
    return await openPostgres(socketUrl(dataDir), 2);
  } catch (error) {
    throw new DataDirInUseError(`${inUse.message}; its socket ${file} did not answer (${(error as Error).message})`);
  }
}

export async function openPostgres(url: string, poolSize = 10, options: OpenOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const where = safeLocation(url);
    throw new DatabaseUnavailableError(`cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`);
  }
  const adapterFactory = new PrismaPg(pool);
  const db = withPrisma(
    "postgres",
    adapterFactory,
    async (sql, params) => (await pool.query(sql, params)).rows,
    async (sql, params) => (await pool.query({ text: sql, values: params ?? [], rowMode: "array" })).rows,
    () => pool.end(),
  );
  db.poolStats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount });
  return db;
}

/** Wraps an already open PGlite instance (tests clone a migrated template this way). */
export function fromPglite(pglite: PGlite, close: () => Promise<void> = () => pglite.close()): Database {
  const adapterFactory = new SafePrismaPGlite(pglite);
  const db = withPrisma(
    "pglite",
    adapterFactory,
    async (sql, params) => (await pglite.query(sql, params)).rows as Record<string, unknown>[],
    async (sql, params) => (await pglite.query<unknown[]>(sql, params, { rowMode: "array" })).rows,
    close,
  );
  return { ...db, dumpDataDir: () => pglite.dumpDataDir("gzip") };
}

function withPrisma(
  kind: Database["kind"],
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>,
  queryRows: Database["queryRows"],
  close: () => Promise<void>,
): Database {
  const prisma = new PrismaClient({ adapter: adapterFactory, log: [{ emit: "event", level: "query" }] });
  const statements = { count: 0 };
  prisma.$on("query", () => {
    statements.count++;
  });
  return {
    kind,
    prisma,
    adapterFactory,
    query: query as Database["query"],
    queryRows,
    statements,
    async close() {
      await prisma.$disconnect();
      await close();
    },
  };
}

/** host:port/db of a URL, never its password. */
export function safeLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

// PGlite has no lock of its own: two processes on one data directory would corrupt it.
function takeDataDirLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, LOCK_FILE);
  const tryLock = () => fs.writeFileSync(lockPath, String(process.pid), { flag: "wx" });
  try {
    tryLock();
  } catch {
    const holder = Number(fs.readFileSync(lockPath, "utf8"));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new DataDirInUseError(
        `the data directory ${dataDir} is in use by process ${holder}; stop it first (PGlite allows one process per directory)`,
      );
    }
    fs.rmSync(lockPath, { force: true }); // left behind by a process that died
    tryLock();
  }
  let released = false;
  return () => {
    if (!released) fs.rmSync(lockPath, { force: true });
    released = true;
  };
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
