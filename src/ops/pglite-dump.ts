// A PGlite data directory as a backup file. PGlite's dumpDataDir tars the whole directory, and the
// directory also holds files of ours (the lock, the CLI socket, local key files, which must never
// travel inside a backup: keys are backed up apart from the data). So the tarball is filtered to
// PostgreSQL's own files. While a gateway holds the directory, the files are tarred from disk instead
// (tarDataDir), with the gateway's database paused through its CLI socket.
import fs from "node:fs";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

/** What a PostgreSQL data directory is made of; anything else at its top level is not PostgreSQL's. */
const POSTGRES_FILE = /^(PG_VERSION|base|global|pg_[a-z_]+|pg_(hba|ident)\.conf|postgresql(\.auto)?\.conf)(\/|$)/;

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** The entry's path without a leading slash (PGlite writes "/base/1/…"), including the ustar prefix. */
function entryName(header: Buffer): string {
  const prefix = field(header, 345, 155);
  const name = field(header, 0, 100);
  return (prefix ? `${prefix}/${name}` : name).replace(/^\/+/, "");
}

/**
 * Keeps only PostgreSQL's files of a gzipped tar. A pax extended header ("x") belongs to the entry
 * after it and is kept or dropped with it.
 */
export function keepPostgresFiles(gzipped: Buffer): { tarball: Buffer; dropped: string[] } {
  const tar = gunzipSync(gzipped);
  const kept: Buffer[] = [];
  const dropped = new Set<string>();
  let pending: Buffer[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    const end = offset + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (end > tar.length) throw new Error("the PGlite dump is truncated");
    const entry = tar.subarray(offset, end);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type === "x") {
      pending.push(entry);
    } else {
      const name = entryName(header);
      if (POSTGRES_FILE.test(name)) kept.push(...pending, entry);
      else dropped.add(name.split("/")[0] as string);
      pending = [];
    }
    offset = end;
  }
  kept.push(Buffer.alloc(BLOCK * 2));
  return { tarball: gzipSync(Buffer.concat(kept)), dropped: [...dropped] };
}

/** One ustar header for `name` (a path relative to the data directory). */
function tarHeader(name: string, size: number, mode: number, mtime: number, directory: boolean): Buffer {
  const header = Buffer.alloc(BLOCK);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, "0")}\0`;
  header.write(base, 0, 100, "utf8");
  header.write(octal(mode & 0o7777, 8), 100, "ascii");
  header.write(octal(0, 8), 108, "ascii"); // uid
  header.write(octal(0, 8), 116, "ascii"); // gid
  header.write(octal(size, 12), 124, "ascii");
  header.write(octal(Math.floor(mtime), 12), 136, "ascii");
  header.write(directory ? "5" : "0", 156, "ascii");
  header.write("ustar\x0000", 257, "binary");
  header.write(prefix, 345, 155, "utf8");
  header.fill(" ", 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return header;
}

/**
 * PostgreSQL's files of a data directory, read from disk, as a gzipped tar that PGlite's loadDataDir
 * takes. The caller makes them consistent first (a CHECKPOINT while no one can write). `between` is
 * awaited between files, so the caller can keep its connection alive on a large directory.
 */
export async function tarDataDir(dataDir: string, between: () => Promise<void> = async () => {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  const walk = async (relative: string): Promise<void> => {
    const full = path.join(dataDir, relative);
    const stat = fs.statSync(full);
    if (stat.isDirectory()) {
      parts.push(tarHeader(`${relative}/`, 0, stat.mode, stat.mtimeMs / 1000, true));
      for (const entry of fs.readdirSync(full).sort()) await walk(`${relative}/${entry}`);
      return;
    }
    if (!stat.isFile()) return; // sockets and the like are no part of a database
    const content = fs.readFileSync(full);
    parts.push(tarHeader(relative, content.length, stat.mode, stat.mtimeMs / 1000, false), content);
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
    await between();
  };
  for (const entry of fs.readdirSync(dataDir).sort()) {
    if (POSTGRES_FILE.test(entry)) await walk(entry);
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}
