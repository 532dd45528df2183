// Breach response. Indonesia's personal data protection law (UU 27/2022, art. 46) gives 3 × 24 hours
// to notify the people affected and the authority. An incident is built from what the gateway
// recorded: the access log (who saw whose clear values), the audit trail (who changed or tried to
// change what) and the alerts, for a time range and the principals involved. It holds citizen ids and
// field names, never a clear value. Opening an incident and drafting its report are audited.

import { recordSystemAction } from "../audit/transaction.ts";
import type { Database } from "../db/database.ts";

export const NOTIFY_WITHIN_HOURS = 72;
/** Citizen ids listed in the findings; the count is always complete. */
const LISTED_CITIZENS = 1000;

export interface IncidentScope {
  from: Date;
  to: Date;
  /** Principals (token subjects); empty: everyone active in the range. */
  actors: string[];
  alertId?: string | undefined;
}

export interface Findings {
  citizens: { count: number; ids: string[]; listed: number };
  /** Clear values revealed, by field (Citizen.nik …): how many reveals, of how many citizens. */
  revealed: Array<{ field: string; reveals: number; citizens: number }>;
  /** Changes and attempts, by event and outcome. */
  changes: Array<{ event: string; outcome: string; entries: number; citizens: number }>;
  principals: Array<{
    actor: string;
    roles: string[];
    agencies: string[];
    clients: string[];
    addresses: string[];
    reveals: number;
    changes: number;
    purposes: string[];
    caseRefs: string[];
  }>;
  alerts: Array<{
    id: string;
    at: string;
    rule: string;
    severity: string;
    actor: string | null;
    count: number;
    status: string;
    note: string | null;
  }>;
  timeline: Array<{ at: string; what: string }>;
}

export interface Incident {
  id: string;
  openedAt: Date;
  openedBy: string;
  alertId: string | null;
  from: Date;
  to: Date;
  actors: string[];
  deadline: Date;
  findings: Findings;
}

/** An incident that cannot be opened or found; the CLI prints the message as one line. */
export class IncidentError extends Error {
  override name = "IncidentError";
}

/** The scope of an incident opened from an alert: its principal, from its window's start to now. */
export async function scopeFromAlert(db: Database, alertId: string, now = new Date()): Promise<IncidentScope> {
  const [alert] = await db.query<{ actor: string | null; windowStart: Date }>(
    `select actor, "windowStart" from "SecurityAlert" where id = $1`,
    [alertId],
  );
  if (!alert) throw new IncidentError(`No security alert with id ${alertId}.`);
  return { from: new Date(alert.windowStart), to: now, actors: alert.actor ? [alert.actor] : [], alertId };
}

const actorFilter = (actors: string[], column = "actor") => (actors.length ? `and ${column} = any($3::text[])` : "");

/** Everything the logs say about the scope. */
export async function findings(db: Database, scope: IncidentScope): Promise<Findings> {
  const params = scope.actors.length ? [scope.from, scope.to, scope.actors] : [scope.from, scope.to];
  const range = `at >= $1 and at < $2 ${actorFilter(scope.actors)}`;
  const [citizenRows, revealed, changes, byActor, alerts, firsts] = await Promise.all([
    db.query<{ id: string; total: number }>(
      `with ids as (
         select "citizenId" as id from "AccessEntry" where ${range}
         union select "citizenId" from "AuditEntry" where ${range} and "citizenId" is not null and outcome = 'SUCCESS')
       select id, count(*) over ()::int as total from ids order by id limit ${LISTED_CITIZENS}`,
      params,
    ),
    db.query<{ field: string; reveals: number; citizens: number }>(
      `select field, count(*)::int as reveals, count(distinct "citizenId")::int as citizens
       from "AccessEntry" where ${range} group by field order by field`,
      params,
    ),
    db.query<{ event: string; outcome: string; entries: number; citizens: number }>(
      `select event, outcome::text, count(*)::int as entries, count(distinct "citizenId")::int as citizens
       from "AuditEntry" where ${range} group by event, outcome order by event, outcome`,
      params,
    ),
    db.query<Findings["principals"][number]>(
      `select actor, array_agg(distinct role) as roles,
         coalesce(array_agg(distinct "agencyCode") filter (where "agencyCode" is not null), '{}') as agencies,
         coalesce(array_agg(distinct "clientId") filter (where "clientId" is not null), '{}') as clients,
         coalesce(array_agg(distinct "clientIp") filter (where "clientIp" is not null), '{}') as addresses,
         count(*) filter (where kind = 'reveal')::int as reveals,
         count(*) filter (where kind = 'change')::int as changes,
         coalesce(array_agg(distinct purpose) filter (where purpose is not null and purpose <> ''), '{}') as purposes,
         coalesce(array_agg(distinct "caseRef") filter (where "caseRef" is not null and "caseRef" <> ''), '{}') as "caseRefs"
       from (
         select actor, role, "agencyCode", "clientId", null::text as "clientIp", purpose, "caseRef", 'reveal' as kind
           from "AccessEntry" where ${range}
         union all
         select actor, role, "agencyCode", "clientId", "clientIp", purpose, "caseRef", 'change'
           from "AuditEntry" where ${range}) a
       group by actor order by actor`,
      params,
    ),
    db.query<{
      id: string;
      at: Date;
      rule: string;
      severity: string;
      actor: string | null;
      count: number;
      status: string;
      note: string | null;
    }>(
      `select id, at, rule, severity, actor, count, status::text, note from "SecurityAlert"
       where (${range}) ${scope.alertId ? `or id = $${params.length + 1}` : ""} order by at`,
      scope.alertId ? [...params, scope.alertId] : params,
    ),
    db.query<{ actor: string; kind: string; first: Date; last: Date; n: number }>(
      `select actor, kind, min(at) as first, max(at) as last, count(*)::int as n from (
         select actor, at, 'revealed clear values' as kind from "AccessEntry" where ${range}
         union all select actor, at, 'changes and attempts' from "AuditEntry" where ${range}) a
       group by actor, kind`,
      params,
    ),
  ]);
  const timeline: Findings["timeline"] = [
    ...alerts.map((a) => ({
      at: new Date(a.at).toISOString(),
      what: `alert ${a.rule} (${a.severity}) raised for ${a.actor ?? "an address"}: ${a.count} in its window`,
    })),
    ...firsts.flatMap((f) => [
      { at: new Date(f.first).toISOString(), what: `${f.actor}: first of ${f.n} ${f.kind}` },
      { at: new Date(f.last).toISOString(), what: `${f.actor}: last of ${f.n} ${f.kind}` },
    ]),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const total = citizenRows[0]?.total ?? 0;
  return {
    citizens: { count: total, ids: citizenRows.map((r) => r.id), listed: citizenRows.length },
    revealed,
    changes,
    principals: byActor,
    alerts: alerts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    timeline,
  };
}

/** Builds and stores the incident, with its audit entry, in one transaction. */
export async function openIncident(
  db: Database,
  auditKey: string,
  scope: IncidentScope,
  operator: string,
  now = new Date(),
): Promise<Incident> {
  if (scope.from >= scope.to) throw new IncidentError("--from must be before --to.");
  const found = await findings(db, scope);
  const deadline = new Date(now.getTime() + NOTIFY_WITHIN_HOURS * 3_600_000);
  return db.prisma.$transaction(async (tx) => {
    const row = await tx.incident.create({
      data: {
        openedAt: now,
        openedBy: operator,
        alertId: scope.alertId ?? null,
        from: scope.from,
        to: scope.to,
        actors: scope.actors,
        deadline,
        findings: found as object,
      },
    });
    await recordSystemAction(
      tx,
      auditKey,
      operator,
      "openIncident",
      { entityType: "Incident", entityId: row.id },
      {
        alertId: scope.alertId ?? null,
        from: scope.from.toISOString(),
        to: scope.to.toISOString(),
        actors: scope.actors,
        citizens: found.citizens.count,
      },
    );
    return { ...row, findings: found };
  });
}

export async function loadIncident(db: Database, id: string): Promise<Incident> {
  const row = await db.prisma.incident.findUnique({ where: { id } });
  if (!row) throw new IncidentError(`No incident with id ${id}.`);
  return { ...row, findings: row.findings as unknown as Findings };
}

/** Records that a report was drafted (who, which incident, which format). */
export async function recordReport(
  db: Database,
  auditKey: string,
  incident: Incident,
  operator: string,
  format: string,
) {
  await recordSystemAction(
    db.prisma,
    auditKey,
    operator,
    "reportIncident",
    { entityType: "Incident", entityId: incident.id },
    { format },
  );
}

const list = (items: string[]) => (items.length ? items.join(", ") : "none");

/** The notification draft for the data protection officer, as Markdown. */
export function reportMarkdown(incident: Incident, now = new Date()): string {
  const f = incident.findings;
  const hoursLeft = Math.round((incident.deadline.getTime() - now.getTime()) / 3_600_000);
  const measures = f.alerts.map(
    (a) => `- Alert \`${a.rule}\` (${a.severity}, ${a.at}): ${a.status.toLowerCase()}${a.note ? ` — ${a.note}` : ""}`,
  );
  return `# Personal data breach notification — draft

Incident \`${incident.id}\`, opened ${incident.openedAt.toISOString()} by ${incident.openedBy}${incident.alertId ? ` from alert \`${incident.alertId}\`` : ""}.

**Notify by ${incident.deadline.toISOString()}** (${NOTIFY_WITHIN_HOURS} hours after the incident was opened; ${hoursLeft >= 0 ? `${hoursLeft} hours left` : `${-hoursLeft} hours overdue`}), UU 27/2022 on personal data protection, art. 46.

## What happened

Between ${incident.from.toISOString()} and ${incident.to.toISOString()}, ${f.principals.length ? f.principals.map((p) => `\`${p.actor}\` (${list(p.roles)}; agency ${list(p.agencies)})`).join(", ") : "no principal"} ${f.principals.length === 1 ? "was" : "were"} active in the gateway: ${f.principals.reduce((n, p) => n + p.reveals, 0)} clear values revealed and ${f.principals.reduce((n, p) => n + p.changes, 0)} changes or attempted changes recorded.

## Which data

${f.revealed.length ? f.revealed.map((r) => `- \`${r.field}\` shown in clear ${r.reveals} times, of ${r.citizens} citizens`).join("\n") : "- No clear values were revealed."}
${f.changes.map((c) => `- ${c.event} (${c.outcome}): ${c.entries} entries, ${c.citizens} citizens`).join("\n")}

## How many citizens

**${f.citizens.count}** citizens whose data was revealed in clear or changed (ids in the JSON report${f.citizens.listed < f.citizens.count ? `, first ${f.citizens.listed} listed` : ""}).

## Who

${f.principals.map((p) => `- \`${p.actor}\`: roles ${list(p.roles)}; agencies ${list(p.agencies)}; clients ${list(p.clients)}; addresses ${list(p.addresses)}; purposes stated ${list(p.purposes)}; case references ${list(p.caseRefs)}`).join("\n") || "- none"}

## Timeline

${f.timeline.map((t) => `- ${t.at} ${t.what}`).join("\n") || "- nothing recorded in the range"}

## Measures taken

${measures.join("\n") || "- No alert was raised in the range."}
- To complete by the data protection officer: tokens revoked, accounts suspended, people and the authority notified.
`;
}
