// `gerbang backup`: a folder per backup with the dump and a manifest that says what a restore of it
// must give back (see facts.ts). The folder is written as `<name>.partial` and renamed only when
// complete, so a crash mid-backup never leaves something that looks like a backup.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { type AnchorRecord, readAnchors } from "../audit/anchor.ts";
import type { Config } from "../config.ts";
import { type Database, fromPglite, openDatabase } from "../db/database.ts";
import { socketUrl } from "../db/pglite-socket.ts";
import { type DatabaseFacts, readFacts } from "./facts.ts";
import { pgDump } from "./pg-tools.ts";
import { keepPostgresFiles, tarDataDir } from "./pglite-dump.ts";

export const MANIFEST = "manifest.json";
/** Written beside the manifest by `backup verify` when every check passed. */
export const VERIFIED = "verified.json";
export const PG_DUMP_FILE = "database.dump";
export const PGLITE_DUMP_FILE = "pgdata.tar.gz";

export interface Manifest {
  format: "gerbang-backup";
  formatVersion: 1;
  createdAt: string;
  gerbangVersion: string;
  engine: "postgres" | "pglite";
  serverVersion: string;
  /** Every file of the backup but the manifest: its size and SHA-256. */
  files: Record<string, { bytes: number; sha256: string }>;
  facts: DatabaseFacts;
  /** The anchor (AUDIT_ANCHOR_DIR) of the newest seal, when it has one: where to check the head outside the database. */
  anchor: AnchorRecord | null;
}

export type Progress = (line: string) => void;

const PACKAGE_JSON = new URL("../../package.json", import.meta.url);
export const gerbangVersion = () => (JSON.parse(fs.readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version;

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `gerbang-20261202T013000Z-1a2b`: sorts by time; the suffix keeps two backups of one second apart. */
function backupName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `gerbang-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** Dumps the configured database into a new folder under `toDir`; returns the folder. */
export async function createBackup(config: Config, toDir: string, progress: Progress): Promise<string> {
  fs.mkdirSync(toDir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const name = backupName(now);
  const partial = path.join(toDir, `${name}.partial`);
  // A backup holds every citizen's data: only its owner may read it, whatever the umask says.
  fs.mkdirSync(partial, { mode: 0o700 });
  try {
    const { engine, serverVersion, facts } =
      config.database.kind === "postgres"
        ? await dumpPostgres(config.database.url, partial, progress)
        : await dumpPglite(config, partial, progress);
    progress("computing checksums");
    const files: Manifest["files"] = {};
    for (const file of fs.readdirSync(partial).sort()) {
      const full = path.join(partial, file);
      fs.chmodSync(full, 0o600);
      files[file] = { bytes: fs.statSync(full).size, sha256: await sha256File(full) };
    }
    const manifest: Manifest = {
      format: "gerbang-backup",
      formatVersion: 1,
      createdAt: now.toISOString(),
      gerbangVersion: gerbangVersion(),
      engine,
      serverVersion,
      files,
      facts,
      anchor:
        readAnchors(config.anchors.dir).records.find(
          (r) => r.sealId === facts.audit.headSealId && r.sealHash === facts.audit.headSealHash,
        ) ?? null,
    };
    writeDurably(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const done = path.join(toDir, name);
    fs.renameSync(partial, done);
    return done;
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
}

export function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, "w", 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * pg_dump and the manifest's facts see the same instant: the facts are read in a transaction whose
 * snapshot pg_dump is told to use, so writes that land meanwhile are in neither.
 */
async function dumpPostgres(url: string, dir: string, progress: Progress) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const snapshot = (await client.query<{ s: string }>("SELECT pg_export_snapshot() AS s")).rows[0]?.s as string;
    const db = clientDatabase(client);
    progress("reading row counts and the audit head");
    const facts = await readFacts(db);
    const [version] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    progress("running pg_dump (custom format)");
    await pgDump(db, url, path.join(dir, PG_DUMP_FILE), snapshot);
    await client.query("COMMIT");
    return { engine: "postgres" as const, serverVersion: String(version?.v), facts };
  } finally {
    await client.end();
  }
}

/** The query functions of a Database over one pg client (one transaction), for readFacts. */
function clientDatabase(client: pg.Client): Database {
  return {
    query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
    queryRows: async (sql: string, params?: unknown[]) =>
      (await client.query({ text: sql, values: params ?? [], rowMode: "array" })).rows,
  } as unknown as Database;
}

/**
 * PGlite's data directory, filtered to PostgreSQL's files. The facts are read from the dump itself
 * (loaded into memory), so they describe exactly what was dumped.
 */
async function dumpPglite(config: Config, dir: string, progress: Progress) {
  const dataDir = (config.database as { dataDir: string }).dataDir;
  const db = await openDatabase(config.database, { joinRunningGateway: true });
  let tarball: Buffer;
  try {
    if (db.dumpDataDir) {
      progress(`dumping the PGlite data directory ${dataDir}`);
      tarball = keepPostgresFiles(Buffer.from(await (await db.dumpDataDir()).arrayBuffer())).tarball;
    } else {
      progress(`a gateway holds ${dataDir}: pausing its database while the data directory is copied`);
      tarball = await dumpBesideGateway(dataDir);
    }
  } finally {
    await db.close();
  }
  fs.writeFileSync(path.join(dir, PGLITE_DUMP_FILE), tarball);
  progress("reading row counts and the audit head from the dump");
  const copy = await loadPgliteDump(tarball);
  try {
    const [version] = await copy.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { engine: "pglite" as const, serverVersion: String(version?.v), facts: await readFacts(copy) };
  } finally {
    await copy.close();
  }
}

/**
 * Through the running gateway's CLI socket: an open transaction holds PGlite's transaction lock, so
 * the gateway runs no statement until COMMIT; CHECKPOINT writes every change to the files first. The
 * files are then as consistent as a stopped database's. Requests wait meanwhile (about a second per
 * 100 MB); a keep-alive query every few seconds keeps the socket from cutting a long copy off.
 */
async function dumpBesideGateway(dataDir: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: socketUrl(dataDir) });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("CHECKPOINT");
    let last = Date.now();
    const tarball = await tarDataDir(dataDir, async () => {
      if (Date.now() - last < 5_000) return;
      await client.query("SELECT 1");
      last = Date.now();
    });
    await client.query("COMMIT");
    return tarball;
  } finally {
    await client.end();
  }
}

/** A PGlite dump opened in memory (or in `dataDir`, which must not exist yet). */
export async function loadPgliteDump(tarball: Buffer, dataDir = "memory://"): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const pglite = await PGlite.create(dataDir, { loadDataDir: new Blob([new Uint8Array(tarball)]) });
  return fromPglite(pglite);
}

export function readManifest(backupDir: string): Manifest {
  const file = path.join(backupDir, MANIFEST);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  } catch (error) {
    throw new BackupError(`${file}: cannot be read as a manifest (${(error as Error).message})`);
  }
  if (manifest.format !== "gerbang-backup" || manifest.formatVersion !== 1)
    throw new BackupError(`${file}: not a Gerbang backup manifest of format version 1`);
  return manifest;
}

export class BackupError extends Error {
  override name = "BackupError";
}
