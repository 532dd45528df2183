// Attacks first: every shipped alert rule (policies/alerts.yaml) fires on a scripted burst of the
// abuse it describes, exactly once per window, with who, how many and which requests; and ordinary
// traffic of every kind raises nothing. The monitor's clock is set by the test (windows and office
// hours); counts go through the same flush as in production.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealPending } from "../../src/audit/seal.ts";
import type { Database } from "../../src/db/database.ts";
import { createLogger } from "../../src/log.ts";
import { type AlertPayload, withSecurityEvents } from "../../src/monitoring/monitor.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { databaseKinds } from "../support/db.ts";
import {
  type MonitoredGateway,
  monitoredGateway,
  OFFICE_TIME,
  SATURDAY_NIGHT,
  seededDatabase,
} from "../support/monitoring.ts";

const REVEAL = { "x-purpose": "civil-registration", "x-case-ref": "KASUS-2026-0042" };
const CITIZENS_PAGE = `{ citizens(first: 100) { edges { node { id nik familyCardNumber } } } }`;
const RECORD_SERVICE = `mutation Serve($input: RecordServiceInput!) { recordService(input: $input) { id } }`;
const DENIED = `{ citizens(first: 1) { edges { node { id taxRecords(first: 1) { edges { node { id } } } } } } }`;
const TOO_DEEP = `{ citizens(first: 1) { edges { node { domicile { parent { parent { parent { parent { parent { parent { parent { parent { parent { code } } } } } } } } } } } } } }`;
const BY_NIK = `query ByNik($nik: String!) { citizenByNik(nik: $nik) { id } }`;

/** Rules of the alerts one flush raised. */
const rulesOf = (alerts: AlertPayload[]) => alerts.map((a) => a.rule).sort();

describe.each(databaseKinds())("alert rules on %s", (kind) => {
  let db: Database;
  let gw: MonitoredGateway;
  let citizenId: string;

  beforeAll(async () => {
    db = await seededDatabase(kind);
    gw = monitoredGateway(db);
    const page = await gw.query<{ citizens: { edges: Array<{ node: { id: string } }> } }>(
      `{ citizens(first: 1) { edges { node { id } } } }`,
      { token: await tokenFor(gw, "frontOfficeBogor") },
    );
    citizenId = page.data?.citizens.edges[0]?.node.id as string;
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  const serve = async (token: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const r = await gw.query(RECORD_SERVICE, {
        token,
        variables: { input: { citizenId, serviceType: "Legalisir KK", channel: "COUNTER", outcome: "COMPLETED" } },
      });
      expect(r.errors).toBeUndefined();
    }
  };

  it("stays quiet on a day of ordinary work by every kind of caller", async () => {
    gw.setTime(OFFICE_TIME);
    const registry = await gw.token("registry_officer", {
      subject: "quiet-registry",
      region: "32",
      agency: "DUKCAPIL-3201",
    });
    const front = await gw.token("front_office", { subject: "quiet-front", region: "32.01", agency: "DUKCAPIL-3201" });
    // A few reveals for a case, a few services, a denied field now and then, a mistyped NIK, a stale token.
    await gw.query(`{ citizens(first: 5) { edges { node { nik } } } }`, { token: registry, headers: REVEAL });
    await serve(front, 5);
    for (let i = 0; i < 3; i++) await gw.query(DENIED, { token: front });
    await gw.query(BY_NIK, { token: registry, headers: REVEAL, variables: { nik: "3201019999990001" } });
    for (let i = 0; i < 3; i++) await gw.query("{ regions(first: 1) { totalCount } }", { token: "expired.or.wrong" });
    await gw.query(TOO_DEEP, { token: front });
    expect(await gw.monitor.flush()).toEqual([]);
    expect(gw.logged("security alert")).toEqual([]);
    expect(await db.query(`select * from "SecurityAlert"`)).toEqual([]);
  });

  it("bulk_reveals: hundreds of clear NIKs in minutes, and the officer's reveals stop until an admin closes it", async () => {
    gw.setTime(OFFICE_TIME);
    const token = await gw.token("registry_officer", { subject: "harvester", region: "32", agency: "DUKCAPIL-3201" });
    let revealed = 0;
    while (revealed < 200) {
      const r = await gw.query<{ citizens: { edges: Array<{ node: { nik: string; familyCardNumber: string } }> } }>(
        CITIZENS_PAGE,
        { token, headers: REVEAL },
      );
      const nodes = r.data?.citizens.edges.map((e) => e.node) ?? [];
      revealed += nodes.flatMap((n) => [n.nik, n.familyCardNumber]).filter((v) => !v.includes("*")).length;
    }
    const [alert, ...more] = await gw.monitor.flush();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      rule: "bulk_reveals",
      severity: "critical",
      key: "harvester",
      who: { actor: "harvester", role: "registry_officer", agencyCode: "DUKCAPIL-3201" },
      threshold: 200,
      response: "suspend_reveals",
    });
    expect(alert?.count).toBeGreaterThanOrEqual(200);
    expect(alert?.firstRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(alert?.lastRequestId).not.toBe(alert?.firstRequestId);
    expect(gw.logged("security alert")).toHaveLength(1);

    // Suspended: the same request now answers masked values and says why.
    const after = await gw.query<{ citizens: { edges: Array<{ node: { nik: string } }> } }>(CITIZENS_PAGE, {
      token,
      headers: REVEAL,
    });
    expect(after.data?.citizens.edges.every((e) => e.node.nik.includes("*"))).toBe(true);
    expect(JSON.stringify(after.extensions)).toContain("suspended");

    // An admin closes it with a note (audited); reveals come back on the next refresh.
    const admin = await tokenFor(gw, "admin");
    const closed = await gw.query<{ closeSecurityAlert: { status: string; handledBy: string } }>(
      `mutation Close($input: HandleSecurityAlertInput!) { closeSecurityAlert(input: $input) { status handledBy note } }`,
      { token: admin, variables: { input: { id: alert?.id, note: "Checked with the officer's head: a batch job." } } },
    );
    expect(closed.data?.closeSecurityAlert).toMatchObject({ status: "CLOSED", handledBy: "admin" });
    const [entry] = await db.query<{ event: string; outcome: string }>(
      `select event, outcome from "AuditEntry" where "entityId" = $1`,
      [alert?.id],
    );
    expect(entry).toEqual({ event: "SECURITY_ALERT_CLOSED", outcome: "SUCCESS" });
    await gw.monitor.flush();
    const again = await gw.query<{ citizens: { edges: Array<{ node: { nik: string } }> } }>(
      `{ citizens(first: 1) { edges { node { nik } } } }`,
      { token, headers: REVEAL },
    );
    expect(again.data?.citizens.edges[0]?.node.nik).toMatch(/^\d{16}$/);
  }, 60_000);

  it("mass_changes: a hundred changes of one kind by one officer", async () => {
    gw.setTime(OFFICE_TIME);
    const token = await gw.token("front_office", {
      subject: "script-runner",
      region: "32.01",
      agency: "DUKCAPIL-3201",
    });
    await serve(token, 99);
    expect(await gw.monitor.flush()).toEqual([]);
    await serve(token, 1);
    const alerts = await gw.monitor.flush();
    expect(alerts).toMatchObject([{ rule: "mass_changes", key: "script-runner|recordService", count: 100 }]);
    // The same window never raises twice.
    await serve(token, 3);
    expect(await gw.monitor.flush()).toEqual([]);
  }, 60_000);

  it("repeated_denials: twenty requests for fields the role may not read", async () => {
    const token = await gw.token("front_office", { subject: "prober", region: "32.01", agency: "DUKCAPIL-3201" });
    for (let i = 0; i < 20; i++) await gw.query(DENIED, { token });
    expect(rulesOf(await gw.monitor.flush())).toEqual(["repeated_denials"]);
  });

  it("failed_tokens: twenty forged or expired tokens from one address", async () => {
    gw.setTime(new Date(OFFICE_TIME.getTime() + 3_600_000)); // a window of its own: the quiet day had 3
    const forged = `${(await gw.token("admin")).slice(0, -4)}AAAA`;
    for (let i = 0; i < 20; i++) {
      const r = await gw.query("{ regions(first: 1) { totalCount } }", { token: i % 2 ? forged : "garbage" });
      expect(r.status).toBe(401);
    }
    const [alert] = await gw.monitor.flush();
    gw.setTime(OFFICE_TIME);
    expect(alert).toMatchObject({ rule: "failed_tokens", key: "unknown address", count: 20 });
  });

  it("limit_refusals: a burst of documents over the limits", async () => {
    const token = await gw.token("front_office", { subject: "exhauster", region: "32.01", agency: "DUKCAPIL-3201" });
    for (let i = 0; i < 20; i++) {
      const r = await gw.query(TOO_DEEP, { token });
      expect(r.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_LARGE");
    }
    expect(await gw.monitor.flush()).toMatchObject([{ rule: "limit_refusals", key: "exhauster", count: 20 }]);
  });

  it("nik_enumeration: twenty lookups of NIKs that belong to nobody", async () => {
    const token = await gw.token("registry_officer", { subject: "enumerator", region: "32", agency: "DUKCAPIL-3201" });
    for (let serial = 1; serial <= 20; serial++) {
      const r = await gw.query(BY_NIK, {
        token,
        headers: REVEAL,
        variables: { nik: `320101999999${String(serial).padStart(4, "0")}` },
      });
      expect(r.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
    expect(await gw.monitor.flush()).toMatchObject([
      { rule: "nik_enumeration", key: "enumerator", count: 20, response: "suspend_reveals" },
    ]);
  });

  it("writes_outside_office_hours: one change on a Saturday night, none by day or by an agency app", async () => {
    const token = await gw.token("front_office", { subject: "night-owl", region: "32.01", agency: "DUKCAPIL-3201" });
    gw.setTime(OFFICE_TIME);
    await serve(token, 1);
    expect(await gw.monitor.flush()).toEqual([]);
    gw.setTime(SATURDAY_NIGHT);
    await serve(token, 1);
    const alerts = await gw.monitor.flush();
    gw.setTime(OFFICE_TIME);
    expect(alerts).toMatchObject([
      { rule: "writes_outside_office_hours", key: "night-owl", details: { mutation: "recordService" } },
    ]);
  });

  it("sealer_lagging: an audit entry left unsealed for minutes", async () => {
    await db.query(
      `insert into "AuditEntry" (at, actor, role, mutation, event, outcome, "requestId", hash)
       values (now() - interval '10 minutes', 'x', 'x', 'recordService', 'SERVICE_RECORDED', 'SUCCESS', 'r', repeat('0', 64))`,
    );
    const alerts = await gw.monitor.flush();
    expect(alerts).toMatchObject([{ rule: "sealer_lagging", key: "sealer", severity: "high" }]);
    expect(Number(alerts[0]?.details.lagSeconds)).toBeGreaterThanOrEqual(600);
  });

  it("audit_trail_bad_entry: the sealer, given serve's logger, finds the forged entry and the alert follows", async () => {
    // The entry the sealer_lagging test left has a hash of zeros: forged.
    const trailLog = withSecurityEvents(createLogger("silent"), gw.monitor);
    await sealPending(db.prisma, gw.config.auditKey, 10_000, { log: trailLog });
    expect(await gw.monitor.flush()).toMatchObject([
      { rule: "audit_trail_bad_entry", key: "audit.entry_hash_invalid", severity: "critical" },
    ]);
  });

  it("audit_anchor_disagrees and audit_anchor_failing: reported events, named ones only", async () => {
    gw.setTime(new Date(OFFICE_TIME.getTime() + 7_200_000)); // windows of their own
    gw.monitor.securityEvent("audit.entry_hash_invalid", { seq: "42" });
    gw.monitor.securityEvent("audit.anchor_mismatch", { sealId: 7 });
    gw.monitor.securityEvent("audit.something_else");
    withSecurityEvents(createLogger("silent"), gw.monitor).error("audit.anchor_failed", {
      event: "audit.anchor_failed",
    });
    // (The forged entry is still unsealed: in this new hour sealer_lagging fires again, rightly.)
    const raised = rulesOf(await gw.monitor.flush()).filter((rule) => rule !== "sealer_lagging");
    gw.setTime(OFFICE_TIME);
    expect(raised).toEqual(["audit_anchor_disagrees", "audit_anchor_failing", "audit_trail_bad_entry"]);
    expect(gw.logged("security event").map((l) => l.event)).toEqual([
      "audit.entry_hash_invalid",
      "audit.anchor_mismatch",
      "audit.something_else",
    ]);
  });
});

describe("listing and handling alerts", () => {
  let db: Database;
  let gw: MonitoredGateway;
  let alertId: string;
  const LIST = `query List($where: SecurityAlertWhere) { securityAlerts(first: 10, where: $where) {
    totalCount edges { node { id rule severity status actor count threshold firstRequestId note handledBy } } } }`;
  const HANDLE = (name: string) =>
    `mutation H($input: HandleSecurityAlertInput!) { ${name}(input: $input) { id status note handledBy } }`;

  beforeAll(async () => {
    db = await seededDatabase("pglite", 20);
    gw = monitoredGateway(db);
    const token = await gw.token("front_office", { subject: "prober", region: "32.01", agency: "DUKCAPIL-3201" });
    for (let i = 0; i < 20; i++) await gw.query(DENIED, { token });
    const [alert] = await gw.monitor.flush();
    alertId = alert?.id as string;
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it("auditors list alerts by status, severity, rule and time; other roles cannot reach them", async () => {
    const auditor = await tokenFor(gw, "auditor");
    const all = await gw.query<{ securityAlerts: { totalCount: number } }>(LIST, { token: auditor });
    expect(all.data?.securityAlerts.totalCount).toBe(1);
    const open = await gw.query(LIST, {
      token: auditor,
      variables: {
        where: { status: ["OPEN"], severity: ["medium"], rule: "repeated_denials", from: "2000-01-01T00:00:00Z" },
      },
    });
    expect(open.data).toMatchObject({
      securityAlerts: { edges: [{ node: { id: alertId, actor: "prober", count: 20, threshold: 20, status: "OPEN" } }] },
    });
    const none = await gw.query<{ securityAlerts: { totalCount: number } }>(LIST, {
      token: auditor,
      variables: { where: { status: ["CLOSED"] } },
    });
    expect(none.data?.securityAlerts.totalCount).toBe(0);
    const front = await gw.query(LIST, { token: await tokenFor(gw, "frontOfficeBogor") });
    expect(front.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(front.data?.securityAlerts ?? null).toBeNull();
  });

  it("only admins acknowledge and close, with a note, forward only, each change audited", async () => {
    const auditor = await tokenFor(gw, "auditor");
    const admin = await tokenFor(gw, "admin");
    const input = { id: alertId, note: "Asked the officer's head." };
    const refused = await gw.query(HANDLE("closeSecurityAlert"), { token: auditor, variables: { input } });
    expect(refused.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|NOT_FOUND/);
    const blank = await gw.query(HANDLE("acknowledgeSecurityAlert"), {
      token: admin,
      variables: { input: { id: alertId, note: "  " } },
    });
    expect(blank.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.note" });
    const ack = await gw.query(HANDLE("acknowledgeSecurityAlert"), { token: admin, variables: { input } });
    expect(ack.data).toMatchObject({ acknowledgeSecurityAlert: { status: "ACKNOWLEDGED", handledBy: "admin" } });
    const again = await gw.query(HANDLE("acknowledgeSecurityAlert"), { token: admin, variables: { input } });
    expect(again.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    const closed = await gw.query(HANDLE("closeSecurityAlert"), {
      token: admin,
      variables: { input: { ...input, note: "A training exercise." } },
    });
    expect(closed.data).toMatchObject({ closeSecurityAlert: { status: "CLOSED", note: "A training exercise." } });
    const entries = await db.query<{ event: string; outcome: string; actor: string }>(
      `select event, outcome, actor from "AuditEntry" where "entityType" = 'SecurityAlert' order by seq`,
    );
    expect(entries.map((e) => `${e.actor} ${e.event} ${e.outcome}`)).toEqual([
      "auditor SECURITY_ALERT_CLOSED DENIED",
      "admin SECURITY_ALERT_ACKNOWLEDGED INVALID",
      "admin SECURITY_ALERT_ACKNOWLEDGED SUCCESS",
      "admin SECURITY_ALERT_ACKNOWLEDGED CONFLICT",
      "admin SECURITY_ALERT_CLOSED SUCCESS",
    ]);
  });

  it("the database keeps alerts: no delete, and nothing but their handling changes", async () => {
    await expect(db.query(`delete from "SecurityAlert"`)).rejects.toThrow(/security_alert_kept/);
    await expect(db.query(`update "SecurityAlert" set count = 1`)).rejects.toThrow(/security_alert_kept/);
    await expect(db.query(`update "SecurityAlert" set note = 'edited'`)).resolves.toBeDefined();
  });
});
