// A PGlite data directory as a backup file. PGlite's dumpDataDir tars the whole directory, and the
// directory also holds files of ours (the lock, and local key files, which must never travel inside a
// backup: keys are backed up apart from the data). So the tarball is filtered to PostgreSQL's own files.
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
