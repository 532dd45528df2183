// Anchors: every seal's chained hash, written outside the database as soon as the seal is committed.
// Whoever owns the audit tables can delete the newest seals and their entries, put back an older
// head, or have the sealer re-seal what is left: the database then holds a consistent, shorter chain.
// The anchors still name the seals that were there, and verify compares the two (X-Road time-stamps
// its message log for the same reason). The default sink is an append-only file per instance in
// AUDIT_ANCHOR_DIR, on storage the database account cannot write; other sinks (a webhook, syslog)
// implement AnchorSink.
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../log.ts";

/** One seal as anchored: its chained hash (keyed), with its ranges and time for people to read. */
export interface AnchorRecord {
  sealId: number;
  sealHash: string;
  sealedAt: string;
  entryCount: number;
  firstSeq: string;
  lastSeq: string;
  accessCount: number;
  accessFirstSeq: string | null;
  accessLastSeq: string | null;
  /** The instance that wrote it (its file's name too). */
  instance: string;
}

export interface AnchorSink {
  /** Records seals, durably, before resolving. Throws when it could not. */
  append(records: AnchorRecord[]): Promise<void>;
}

const FILE_PREFIX = "anchors-";
const FILE_SUFFIX = ".jsonl";

/** The anchor file of an instance, in `dir`. */
export const anchorFile = (dir: string, instance: string) => path.join(dir, `${FILE_PREFIX}${instance}${FILE_SUFFIX}`);

/**
 * Appends one JSON line per seal to anchors-INSTANCE.jsonl in `dir`, opened for appending only, and
 * fsyncs it (and the directory when the file is new) before resolving.
 */
export function fileAnchorSink(dir: string, instance: string): AnchorSink {
  const file = anchorFile(dir, instance);
  return {
    async append(records) {
      if (records.length === 0) return;
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      const isNew = !fs.existsSync(file);
      const handle = await fs.promises.open(file, "a", 0o600);
      try {
        await handle.appendFile(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (isNew) {
        // The new file's directory entry must survive a crash too.
        const d = await fs.promises.open(dir, "r");
        try {
          await d.sync();
        } finally {
          await d.close();
        }
      }
    },
  };
}

/**
 * A sink that never loses a record to a passing failure (a full disk, a webhook down): what could not
 * be appended is logged as a security event and appended before the next records.
 */
export function retryingSink(sink: AnchorSink, log: Logger | undefined): AnchorSink {
  let backlog: AnchorRecord[] = [];
  return {
    async append(records) {
      const all = [...backlog, ...records];
      try {
        await sink.append(all);
        backlog = [];
      } catch (error) {
        backlog = all;
        log?.error("audit.anchor_failed", {
          event: "audit.anchor_failed",
          seals: all.map((r) => r.sealId),
          error: (error as Error).message,
        });
      }
    },
  };
}

export interface AnchorSet {
  /** Every record, in the order read (files sorted by name). */
  records: AnchorRecord[];
  files: string[];
  /** Lines that are not anchor records: "file:line". */
  unreadable: string[];
}

/** Reads every anchors-*.jsonl in `dir` (an absent directory holds no anchors). */
export function readAnchors(dir: string): AnchorSet {
  const set: AnchorSet = { records: [], files: [], unreadable: [] };
  if (!fs.existsSync(dir)) return set;
  const names = fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(FILE_PREFIX) && n.endsWith(FILE_SUFFIX))
    .sort();
  for (const name of names) {
    set.files.push(name);
    const lines = fs.readFileSync(path.join(dir, name), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const r = JSON.parse(line) as AnchorRecord;
        if (typeof r.sealId !== "number" || typeof r.sealHash !== "string" || !/^\d+$/.test(String(r.firstSeq)))
          throw new Error("not a record");
        set.records.push(r);
      } catch {
        set.unreadable.push(`${name}:${i + 1}`);
      }
    });
  }
  return set;
}
