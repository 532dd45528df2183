// Which backups a `--keep-daily N --keep-weekly M` policy keeps: the newest backup of each of the N
// newest days that have one, and of each of the M newest ISO weeks that have one (days and weeks in
// UTC). The newest backup is always kept.
import fs from "node:fs";
import path from "node:path";
import { readManifest } from "./backup.ts";

export interface Dated {
  dir: string;
  createdAt: Date;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** ISO 8601 week, e.g. "2026-W49": weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

function newestPer(backups: Dated[], bucket: (d: Date) => string, count: number): Dated[] {
  const newest = new Map<string, Dated>();
  for (const b of [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())) {
    const key = bucket(b.createdAt);
    if (!newest.has(key)) newest.set(key, b);
  }
  return [...newest.values()].slice(0, count);
}

export function backupsToKeep(backups: Dated[], keepDaily: number, keepWeekly: number): Set<string> {
  const keep = new Set<string>();
  for (const b of newestPer(backups, day, keepDaily)) keep.add(b.dir);
  for (const b of newestPer(backups, isoWeek, keepWeekly)) keep.add(b.dir);
  const newest = newestPer(backups, () => "all", 1)[0];
  if (newest) keep.add(newest.dir);
  return keep;
}

/** The backups in `dir` (folders with a readable manifest; unfinished `.partial` ones are not backups). */
export function listBackups(dir: string): Dated[] {
  if (!fs.existsSync(dir)) return [];
  const found: Dated[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.endsWith(".partial")) continue;
    const full = path.join(dir, entry.name);
    try {
      found.push({ dir: full, createdAt: new Date(readManifest(full).createdAt) });
    } catch {
      // not a backup (or a damaged manifest): never deleted by retention, reported by doctor
    }
  }
  return found;
}

/** Deletes the backups of `dir` that the policy does not keep; returns the deleted folders. */
export function applyRetention(dir: string, keepDaily: number, keepWeekly: number): string[] {
  const backups = listBackups(dir);
  const keep = backupsToKeep(backups, keepDaily, keepWeekly);
  const deleted = backups.filter((b) => !keep.has(b.dir)).map((b) => b.dir);
  for (const d of deleted) fs.rmSync(d, { recursive: true, force: true });
  return deleted;
}
