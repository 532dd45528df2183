// An AuditEntry row as tests read it with raw SQL: the hashed content (src/audit/hash.ts) plus what
// the database adds. Derived from EntryContent so that a new audited column shows up here too.
import type { EntryContent } from "../../src/audit/hash.ts";

export type AuditRow = Omit<EntryContent, "changes"> & {
  seq: string;
  changes: Record<string, unknown> | null;
  hash: string;
  sealId: number | null;
};
