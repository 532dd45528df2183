// What the hostile-input and refusal tests need to read the audit trail and to tell "nothing
// changed": copied in spirit from the mutation tests, so that those big files stay as they are.
import { expect } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { buildFamilyCardNumber, buildNik } from "../../src/domain/nik.ts";
import type { AuditRow } from "./audit.ts";

type Json = Record<string, unknown>;

/** Tables a mutation may change: "nothing changed" means none of their rows differs. */
export const DOMAIN_TABLES = [
  "Citizen",
  "TaxRecord",
  "Permit",
  "SocialAssistance",
  "FinancialTransaction",
  "ArchiveDocument",
  "ServiceRecord",
] as const;

const DAY_MS = 86_400_000;

/** UTC calendar date `days` from today, YYYY-MM-DD (the gateway's own notion of today). */
export const utcDate = (days = 0) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

export async function lastSeq(db: Database): Promise<string> {
  const [row] = await db.query<{ seq: string }>(`SELECT coalesce(max("seq"), 0)::text AS seq FROM "AuditEntry"`);
  return row?.seq ?? "0";
}

export async function entriesSince(db: Database, seq: string): Promise<AuditRow[]> {
  const rows = await db.query<AuditRow>(
    `SELECT "seq"::text AS seq, "at", "actor", "role", "agencyCode", "clientId", "operation", "mutation", "event",
            "entityType", "entityId", "citizenId", "outcome"::text AS outcome, "changes", "purpose", "caseRef",
            "requestId", "clientIp"
       FROM "AuditEntry" WHERE "seq" > $1::bigint ORDER BY "AuditEntry"."seq"`,
    [seq],
  );
  return rows.map((r) => ({ ...r, changes: typeof r.changes === "string" ? JSON.parse(r.changes) : r.changes }));
}

/** md5 of every row of every domain table: equal snapshots mean nothing changed. */
export async function snapshot(db: Database): Promise<Record<string, string>> {
  const parts = DOMAIN_TABLES.map(
    (t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x."id"), '')) FROM "${t}" x) AS "${t}"`,
  );
  const [row] = await db.query<Record<string, string>>(`SELECT ${parts.join(", ")}`);
  return row ?? {};
}

/** Exactly one audit entry was written since `seq`, matching `expected`. */
export async function oneEntrySince(db: Database, seq: string, expected: Partial<AuditRow>): Promise<AuditRow> {
  const rows = await entriesSince(db, seq);
  expect(rows, JSON.stringify(rows).slice(0, 2000)).toHaveLength(1);
  const entry = rows[0] as AuditRow;
  expect(entry).toMatchObject(expected);
  return entry;
}

let serial = 7000;

/** A valid registration: a woman born 1991-07-23, first registered in Gunung Putri (32.01.02). */
export function citizenInput(over: Json = {}): Json & { nik: string; familyCardNumber: string } {
  serial++;
  const birthDate = "1991-07-23";
  return {
    nik: buildNik({ districtCode: "32.01.02", birthDate: new Date(`${birthDate}T00:00:00Z`), sex: "FEMALE", serial }),
    familyCardNumber: buildFamilyCardNumber({
      districtCode: "32.01.02",
      issueDate: new Date("2018-04-09T00:00:00Z"),
      serial,
    }),
    fullName: `Dewi Lestari ${serial}`,
    birthPlace: "Bogor",
    birthDate,
    sex: "FEMALE",
    religion: "ISLAM",
    maritalStatus: "SINGLE",
    occupation: "Perawat",
    addressStreet: `Jl. Mawar No. ${serial}`,
    addressRt: "004",
    addressRw: "011",
    domicileCode: "32.01.02.2003",
    ...over,
  } as Json & { nik: string; familyCardNumber: string };
}
