// An AuditEntry row as tests read it with raw SQL: the hashed content (src/audit/hash.ts) plus what
// the database adds. Derived from EntryContent so that a new audited column shows up here too.
import { expect } from "vitest";
import type { EntryContent } from "../../src/audit/hash.ts";
import { type VerifyReport, verifyAudit } from "../../src/audit/verify.ts";
import type { Database } from "../../src/db/database.ts";

export type AuditRow = Omit<EntryContent, "changes"> & {
  seq: string;
  changes: Record<string, unknown> | null;
  hash: string;
  sealId: number | null;
};

/**
 * verifyAudit as each caller runs it: on this thread (always; PGlite's only way), and on PostgreSQL
 * also split between 2 and 4 worker threads (as `gerbang audit verify` does), whose seq ranges cut
 * through seals. Every way must give the same report; that report is returned.
 */
export async function verifyEveryWay(db: Database, key: string): Promise<VerifyReport> {
  const report = await verifyAudit(db, key);
  const url = (db as Database & { url?: string }).url;
  if (db.kind === "postgres") {
    if (!url) throw new Error("a PostgreSQL test database without its url: open it with openTestDatabase");
    for (const workers of [2, 4]) {
      const parallel = await verifyAudit(db, key, { parallel: { url, workers } });
      expect(parallel, `verify with ${workers} worker threads`).toEqual(report);
    }
  }
  return report;
}
