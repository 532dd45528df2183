// Breach response: an officer harvests clear NIKs, the alert fires, and the data protection officer
// opens an incident from it: which citizens, which fields, who, when, the 72-hour deadline, and a
// notification draft with counts but no clear value. Opening and drafting are in the audit trail.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "../../src/config.ts";
import type { Database } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrator.ts";
import { seed } from "../../src/db/seed.ts";
import {
  type Incident,
  loadIncident,
  openIncident,
  recordReport,
  reportMarkdown,
  scopeFromAlert,
} from "../../src/monitoring/incident.ts";
import type { AlertPayload } from "../../src/monitoring/monitor.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds, openEmptyPostgres } from "../support/db.ts";
import { type MonitoredGateway, monitoredGateway, seededDatabase } from "../support/monitoring.ts";

const REVEAL = { "x-purpose": "civil-registration", "x-case-ref": "KASUS-2026-0099" };
const PAGE = `{ citizens(first: 100) { edges { node { id nik familyCardNumber } } } }`;

/** Reveals clear values as `subject` until bulk_reveals fires; returns the alert and the citizens seen. */
async function harvest(gw: MonitoredGateway, subject: string): Promise<{ alert: AlertPayload; seen: Set<string> }> {
  const token = await gw.token("registry_officer", { subject, region: "32", agency: "DUKCAPIL-3201" });
  const seen = new Set<string>();
  let revealed = 0;
  while (revealed < 200) {
    const r = await gw.query<{ citizens: { edges: Array<{ node: { id: string; nik: string } }> } }>(PAGE, {
      token,
      headers: REVEAL,
    });
    for (const e of r.data?.citizens.edges ?? []) seen.add(e.node.id);
    revealed += 2 * (r.data?.citizens.edges.length ?? 0);
  }
  const [alert] = await gw.monitor.flush();
  if (!alert) throw new Error("bulk_reveals did not fire");
  return { alert, seen };
}

describe.each(databaseKinds())("incident from an alert on %s", (kind) => {
  let db: Database;
  let gw: MonitoredGateway;
  let incident: Incident;
  let seen: Set<string>;
  const now = new Date();

  beforeAll(async () => {
    db = await seededDatabase(kind, 120);
    gw = monitoredGateway(db);
    // Someone else works normally in the same hours: not part of the incident.
    await gw.query(`{ citizens(first: 3) { edges { node { nik } } } }`, {
      token: await tokenFor(gw, "registryBogor"),
      headers: REVEAL,
    });
    const harvested = await harvest(gw, "harvester");
    seen = harvested.seen;
    const scope = await scopeFromAlert(db, harvested.alert.id, new Date(Date.now() + 1000));
    // The alert's window follows the test's clock; the logs follow the database's.
    incident = await openIncident(db, "test-key", { ...scope, from: new Date(0) }, "dpo-siti", now);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it("names the citizens, fields and principal from the access log, and the deadline", async () => {
    const f = incident.findings;
    expect(incident.deadline.getTime() - now.getTime()).toBe(72 * 3_600_000);
    expect(incident.actors).toEqual(["harvester"]);
    expect(f.citizens.count).toBe(seen.size);
    expect(new Set(f.citizens.ids)).toEqual(seen);
    expect(f.revealed.map((r) => r.field)).toEqual(["Citizen.familyCardNumber", "Citizen.nik"]);
    expect(f.revealed.every((r) => r.citizens === seen.size)).toBe(true);
    expect(f.principals).toMatchObject([
      {
        actor: "harvester",
        roles: ["registry_officer"],
        purposes: ["civil-registration"],
        caseRefs: ["KASUS-2026-0099"],
      },
    ]);
    expect(f.alerts.map((a) => a.rule)).toEqual(["bulk_reveals"]);
    expect(f.timeline.length).toBeGreaterThanOrEqual(3);
    expect(await loadIncident(db, incident.id)).toMatchObject({
      id: incident.id,
      findings: { citizens: { count: seen.size } },
    });
  });

  it("drafts the notification with counts, never a clear value, and audits both steps", async () => {
    const md = reportMarkdown(incident, now);
    expect(md).toContain(`**${seen.size}** citizens`);
    expect(md).toContain("`Citizen.nik` shown in clear");
    expect(md).toContain("72 hours left");
    expect(md).toContain("bulk_reveals");
    expect(md).not.toMatch(/\d{16}/);
    expect(JSON.stringify(incident)).not.toMatch(/\d{16}/);
    await recordReport(db, "test-key", incident, "dpo-siti", "md");
    const entries = await db.query<{ actor: string; event: string; entityId: string }>(
      `select actor, event, "entityId" from "AuditEntry" where "entityType" = 'Incident' order by seq`,
    );
    expect(entries).toEqual([
      { actor: "cli:dpo-siti", event: "INCIDENT_OPENED", entityId: incident.id },
      { actor: "cli:dpo-siti", event: "INCIDENT_REPORT_DRAFTED", entityId: incident.id },
    ]);
  });

  it("refuses an unknown alert or an empty range", async () => {
    await expect(scopeFromAlert(db, "00000000-0000-7000-8000-000000000000")).rejects.toThrow(/No security alert/);
    await expect(openIncident(db, "k", { from: now, to: now, actors: [] }, "x")).rejects.toThrow(
      /--from must be before/,
    );
  });
});

const postgres = testDatabaseUrl() ? describe : describe.skip;

postgres("gerbang incident (the command)", () => {
  let db: Database & { url: string };
  beforeAll(async () => {
    db = await openEmptyPostgres();
    await applyMigrations(db);
    await seed(db.prisma, { citizens: 30 });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  const gerbang = (args: string[]) => {
    const r = spawnSync(process.execPath, ["bin/gerbang.js", "incident", ...args], {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_URL: db.url },
      encoding: "utf8",
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("opens from a time range and prints the report as Markdown and JSON", () => {
    const opened = gerbang(["open", "--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z", "--by", "dpo"]);
    expect(opened.stderr).toContain("notify by");
    expect(opened.code).toBe(0);
    const id = opened.stdout.trim();
    const md = gerbang(["report", id]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Personal data breach notification/);
    const json = gerbang(["report", id, "--format", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, openedBy: "dpo" });
    expect(gerbang(["open"]).stderr).toContain("--from-alert");
    expect(gerbang(["report", "nope"]).stderr).toContain("No incident with id nope");
  });
});
