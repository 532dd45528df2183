// What the operator sees: one JSON log line per request that names who did what with which outcome,
// and never a NIK, family-card number or token, whatever the traffic; /metrics that move as requests
// are served; and /metrics that production never serves to just anyone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import type { Database } from "../../src/db/database.ts";
import { createLogger } from "../../src/log.ts";
import { createGateway } from "../../src/server/yoga.ts";
import { tokenFor } from "../fixtures/officers.ts";
import { citizenInput, REGISTER } from "../support/audit-trail.ts";
import { type MonitoredGateway, monitoredGateway, monitoringConfig, seededDatabase } from "../support/monitoring.ts";

const REVEAL = { "x-purpose": "civil-registration", "x-case-ref": "KASUS-2026-0042" };
const PROD = { NODE_ENV: "production", JWT_SECRET: "s".repeat(40), AUDIT_HMAC_KEY: "k".repeat(40) };

/** One metric's value from the Prometheus text (0 when the series is absent). */
function metric(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("logs and metrics", () => {
  let db: Database;
  let gw: MonitoredGateway;
  const tokens: string[] = [];
  beforeAll(async () => {
    db = await seededDatabase("pglite", 80);
    gw = monitoredGateway(db);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  const scrape = async () => (await gw.gateway.fetch("http://gerbang.test/metrics")).text();

  it("no log line holds a seeded NIK, family-card number or any token used, whatever the traffic", async () => {
    const registry = await tokenFor(gw, "registryJawaBarat");
    const front = await tokenFor(gw, "frontOfficeBogor");
    const forged = `${registry.slice(0, -6)}AAAAAA`;
    tokens.push(registry, front, forged);
    const citizens = await db.query<{ nik: string; familyCardNumber: string }>(
      `select nik, "familyCardNumber" from "Citizen"`,
    );
    // Clear values in answers, identifiers in variables and in document text, errors about them.
    await gw.query(`{ citizens(first: 100) { edges { node { nik familyCardNumber address } } } }`, {
      token: registry,
      headers: REVEAL,
    });
    for (const c of citizens.slice(0, 5)) {
      await gw.query(`query ByNik($nik: String!) { citizenByNik(nik: $nik) { id nik } }`, {
        token: registry,
        variables: { nik: c.nik },
        headers: REVEAL,
      });
      await gw.query(`{ citizenByNik(nik: "${c.nik}") { id } }`, { token: front });
      await gw.query(`{ citizens(where: { nik: { equals: "${c.nik}" } }) { totalCount } }`, { token: front });
    }
    // What a caller may put where the log line takes it: the operation name, its own request id.
    const [first] = citizens;
    await gw.query(`query nik_${first?.nik} { regions(first: 1) { totalCount } }`, {
      token: front,
      headers: { "x-request-id": `kk-${first?.familyCardNumber}` },
    });
    const input = citizenInput();
    await gw.query(REGISTER, { token: registry, variables: { input } });
    await gw.query(REGISTER, { token: registry, variables: { input } }); // CONFLICT on the NIK
    await gw.query(REGISTER, { token: registry, variables: { input: { ...input, nik: `${input.nik}9` } } });
    await gw.query(`{ citizens(first: 1) { totalCount } }`, { token: forged });
    await gw.query(`{ citizens(first: 1) { totalCount } }`, { token: `${front} extra` });

    const log = gw.lines.join("");
    expect(gw.logged("request").length).toBeGreaterThanOrEqual(20);
    for (const c of [...citizens, input]) {
      expect(log).not.toContain(c.nik);
      expect(log).not.toContain(c.familyCardNumber);
    }
    for (const t of tokens) {
      for (const part of t.split(".")) expect(log).not.toContain(part);
    }
  });

  it("writes one line per request: id, principal, operation, duration, outcome code and rows", async () => {
    const front = await tokenFor(gw, "frontOfficeBogor");
    gw.lines.length = 0;
    const r = await gw.query(`query FirstPage { citizens(first: 3) { edges { node { id } } } }`, {
      token: front,
      headers: { "x-request-id": "lb-abc-12345" },
    });
    await gw.query(`{ citizens(first: 1) { totalCount } }`, { token: "nonsense" });
    const [line, refused] = gw.logged("request");
    expect(line).toMatchObject({
      level: "info",
      requestId: r.headers.get("x-request-id"),
      clientRequestId: "lb-abc-12345",
      principal: { subject: "frontOfficeBogor", role: "front_office", agency: "DUKCAPIL-3201", client: null },
      operation: { name: "FirstPage", type: "query", field: "citizens" },
      status: 200,
      code: "OK",
      rows: 3,
    });
    expect(typeof line?.durationMs).toBe("number");
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(refused).toMatchObject({ principal: null, status: 401, code: "UNAUTHENTICATED" });
  });

  it("/metrics moves as requests are served", async () => {
    const front = await tokenFor(gw, "frontOfficeBogor");
    const registry = await tokenFor(gw, "registryJawaBarat");
    const before = await scrape();
    const ok = 'gerbang_requests_total{operation="regions",type="query",code="OK"}';
    const denied = 'gerbang_denied_fields_total{role="front_office"}';
    const reveals = 'gerbang_clear_reveals_total{role="registry_officer",field="Citizen.nik"}';
    const refused = 'gerbang_refusals_total{kind="limit",limit="maxDepth"}';
    const audited = 'gerbang_audit_entries_total{outcome="SUCCESS"}';
    const latency = 'gerbang_request_duration_seconds_count{operation="regions",type="query"}';

    await gw.query(`{ regions(first: 1) { totalCount } }`, { token: front });
    await gw.query(`{ regions(first: 1) { totalCount } }`, { token: front });
    await gw.query(`{ citizens(first: 2) { edges { node { taxRecords(first: 1) { edges { node { id } } } } } } }`, {
      token: front,
    });
    await gw.query(`{ citizens(first: 4) { edges { node { nik } } } }`, { token: registry, headers: REVEAL });
    await gw.query(
      `{ regions(first: 1) { edges { node { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { code } } } } } } } } } } } } } }`,
      { token: front },
    );
    await gw.query(REGISTER, { token: registry, variables: { input: citizenInput() } });

    const after = await scrape();
    expect(metric(after, ok) - metric(before, ok)).toBe(2);
    expect(metric(after, latency) - metric(before, latency)).toBe(2);
    expect(metric(after, denied) - metric(before, denied)).toBe(2);
    expect(metric(after, reveals) - metric(before, reveals)).toBe(4);
    expect(metric(after, refused) - metric(before, refused)).toBe(1);
    expect(metric(after, audited) - metric(before, audited)).toBe(1);
    for (const series of [
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "gerbang_audit_sealer_lag_seconds",
    ])
      expect(after).toMatch(new RegExp(`^${series} \\d`, "m"));
  });
});

describe("/metrics in production", () => {
  let db: Database;
  beforeAll(async () => {
    db = await seededDatabase("pglite", 0);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });
  const gateway = (env: Record<string, string>) =>
    createGateway({ config: monitoringConfig({ ...PROD, ...env }), db, log: createLogger("silent") });
  const get = (g: ReturnType<typeof gateway>, headers: Record<string, string> = {}) =>
    g.fetch("http://gerbang.test/metrics", { headers });

  it("is not served without METRICS_TOKEN or METRICS_PORT", async () => {
    expect((await get(gateway({}))).status).toBe(404);
  });

  it("needs the bearer token when METRICS_TOKEN is set; a user token is not it", async () => {
    const g = gateway({ METRICS_TOKEN: "m".repeat(40) });
    const user = await issueDevToken(monitoringConfig(), { role: "admin" }).catch(() => "x.y.z");
    expect((await get(g)).status).toBe(401);
    expect((await get(g, { authorization: `Bearer ${"m".repeat(39)}n` })).status).toBe(401);
    expect((await get(g, { authorization: `Bearer ${user}` })).status).toBe(401);
    expect((await get(g, { authorization: "Basic abc" })).status).toBe(401);
    const ok = await get(g, { authorization: `Bearer ${"m".repeat(40)}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("gerbang_requests_total");
  });

  it("stays off the main port when METRICS_PORT is set", async () => {
    expect((await get(gateway({ METRICS_PORT: "9464", METRICS_TOKEN: "m".repeat(40) }))).status).toBe(404);
  });
});
