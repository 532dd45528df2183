// The audit trail under real concurrency: two `gerbang serve` processes on one PostgreSQL database
// (connected as the runtime role, so its grants are proven under load, sealer included),
// 32 concurrent writers, 2,000 mixed mutations (valid ones, legitimate CONFLICTs, invalid input,
// roles lacking the mutation). Every change a mutation commits must have exactly one SUCCESS entry,
// every refusal the client saw its entry with the same outcome, and the sealed trail must verify.
// The second run SIGKILLs one process mid-load and restarts it: what committed still has its entry,
// no SUCCESS entry lacks its change, and requests that never reached a server left no entry.
//
// Every request carries its own x-request-id (kept as the entry's clientRequestId, beside the gateway's
// own request id), so each one is matched with its audit entry, and the data written names the request
// too (serviceType, taxObjectNumber, street, occupation), so each new row is matched with its entry by
// entity id. Runs only with TEST_DATABASE_URL (PostgreSQL).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SENSITIVE_COLUMNS } from "../../src/audit/events.ts";
import { keyedValueHash } from "../../src/audit/hash.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import { loadConfig, testDatabaseUrl } from "../../src/config.ts";
import { type Database, openPostgres } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrator.ts";
import { grantRuntimeRole } from "../../src/db/runtime-role.ts";
import { seed } from "../../src/db/seed.ts";
import { verifyEveryWay } from "../support/audit.ts";
import { ensureTestRoles, urlAs } from "../support/db.ts";
import { freePorts, gatewayProcesses, sleep } from "../support/gateway-processes.ts";
import {
  type ClientOutcome,
  type Kind,
  type LoadPools,
  mutationLoad,
  type Outcome,
  REQUEST,
  type Role,
  type Sent,
} from "../support/mutation-load.ts";

/** Shared by the servers (AUDIT_HMAC_KEY) and verify here. */
const AUDIT_KEY = "gerbang-concurrency-test-audit-key-000000000001";
const CITIZENS = 200;
const WRITERS = 32;
const TOTAL = 2_000;
/** Citizens every address change and correction goes to, so that writers collide on them. */
const HOT_CITIZENS = 12;
/** Run 2: SIGKILL instance B when this share of the requests is dispatched ... */
const KILL_AT = 0.4;
/** ... and hold dispatching at this share until B is back, so that it serves load after its restart. */
const RESUME_AT = 0.7;
const REGION = "32.01";

/** The outcomes a request of each kind may legitimately have when the server answers. */
const EXPECTED: Record<Kind, readonly Outcome[]> = {
  service: ["SUCCESS"],
  serviceOutOfRegion: ["INVALID"],
  tax: ["SUCCESS"],
  taxNegative: ["INVALID"],
  taxZero: ["INVALID"],
  // Two writers that read the same version race; the loser gets a CONFLICT, and nothing is lost.
  address: ["SUCCESS", "CONFLICT"],
  addressStale: ["CONFLICT"],
  correct: ["SUCCESS", "CONFLICT"],
  correctStale: ["CONFLICT"],
  registerBadNik: ["INVALID"],
  deniedAssessTax: ["DENIED"],
  deniedChangeAddress: ["DENIED"],
};

const CITIZEN_MUTATIONS: ReadonlySet<string> = new Set(["changeCitizenAddress", "correctCitizen"]);

interface Baseline {
  maxSeq: string;
  serviceIds: Set<string>;
  taxIds: Set<string>;
  citizenCount: number;
  citizens: Map<string, { version: number; state: Record<string, string | null> }>;
}

interface AuditRow {
  seq: string;
  requestId: string;
  mutation: string;
  outcome: Outcome;
  role: string;
  entityType: string | null;
  entityId: string | null;
  citizenId: string | null;
  changes: Record<string, unknown> | null;
}

/** Values as the audit diff writes them (src/audit/transaction.ts), sensitive columns as keyed hashes. */
function plain(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function auditValue(column: string, value: unknown): string | null {
  const p = plain(value);
  return SENSITIVE_COLUMNS.has(column) ? keyedValueHash(AUDIT_KEY, p) : p;
}

describe.skipIf(!testDatabaseUrl())("audit trail under concurrent load on two gateway processes (PostgreSQL)", () => {
  const adminUrl = testDatabaseUrl() ?? "";
  const run = randomBytes(4).toString("hex");
  const dbName = `gerbang_conc_${run}`;
  const dbUrl = (() => {
    const u = new URL(adminUrl || "postgresql://localhost/x");
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  /** The gateways run as the runtime role `gerbang migrate` grants, as in production. */
  const runtimeUrl = urlAs(dbUrl, "gerbang_runtime");
  let db: Database | undefined;
  let created = false;
  const { instances, start, kill, killAllNow } = gatewayProcesses({ databaseUrl: runtimeUrl, auditKey: AUDIT_KEY });
  const tokens = {} as Record<Role, string>;
  const pools: LoadPools = { inRegion: [], outOfRegion: [], hot: [], villages: [] };
  const { plan, load } = mutationLoad({ run, total: TOTAL, writers: WRITERS, tokens, pools, instances });
  const summary: string[] = [];

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  function database(): Database {
    if (!db) throw new Error("database not open");
    return db;
  }

  async function baseline(): Promise<Baseline> {
    const d = database();
    const [seq] = await d.query<{ max: string }>(`select coalesce(max(seq), 0)::text as max from "AuditEntry"`);
    const ids = async (table: string) =>
      new Set((await d.query<{ id: string }>(`select id from "${table}"`)).map((r) => r.id));
    const citizens = new Map<string, { version: number; state: Record<string, string | null> }>();
    for (const c of await d.prisma.citizen.findMany()) citizens.set(c.id, { version: c.version, state: stateOf(c) });
    return {
      maxSeq: seq?.max ?? "0",
      serviceIds: await ids("ServiceRecord"),
      taxIds: await ids("TaxRecord"),
      citizenCount: citizens.size,
      citizens,
    };
  }

  function stateOf(row: Record<string, unknown>): Record<string, string | null> {
    const state: Record<string, string | null> = {};
    for (const [column, value] of Object.entries(row)) {
      if (column === "id" || column === "version" || column === "updatedAt" || column === "createdAt") continue;
      state[column] = auditValue(column, value);
    }
    return state;
  }

  /** Waits for the servers' own sealers (every 2 s) to take in every entry. */
  async function waitForSealers(): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < 20_000) {
      const [row] = await database().query<{ n: number }>(
        `select count(*)::int as n from "AuditEntry" where "sealId" is null`,
      );
      if (row?.n === 0) return Date.now() - started;
      await sleep(250);
    }
    return -1;
  }

  /** Every check of a run; `unknownAllowed` for the run with the SIGKILL. */
  async function check(label: string, sent: Sent[], before: Baseline, unknownAllowed: boolean) {
    const d = database();
    const problems: string[] = [];
    const byId = new Map(sent.map((s) => [s.planned.requestId, s]));

    // 1. Client side: every answered request has an outcome its kind allows.
    const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => sent[i] === undefined);
    expect(missing, `${label}: requests the load never sent`).toEqual([]);
    const unexpected = sent
      .filter((s) =>
        s.outcome === "UNKNOWN" ? !unknownAllowed : !EXPECTED[s.planned.kind].includes(s.outcome as Outcome),
      )
      .map(
        (s) =>
          `${s.planned.requestId} ${s.planned.kind} on ${s.instance}: ${s.outcome} ${s.code ?? ""} ${s.detail ?? ""}`,
      );
    expect(unexpected, `${label}: requests with an outcome their kind does not allow`).toEqual([]);

    // 2. The audit entries of the run, by the request id each request sent (kept beside the gateway's
    //    own as clientRequestId). (Qualified ORDER BY: a bare `seq` would sort by the text alias of the
    //    select list, i.e. 1, 10, 11, 2, ...)
    const entries = (
      await d.query<AuditRow>(
        `select seq::text as seq, "clientRequestId" as "requestId", mutation, outcome::text as outcome, role, "entityType", "entityId", "citizenId", changes
           from "AuditEntry" where seq > $1::bigint order by "AuditEntry".seq`,
        [before.maxSeq],
      )
    ).map((e) => ({ ...e, changes: typeof e.changes === "string" ? JSON.parse(e.changes) : e.changes }));
    const entriesByRequest = new Map<string, AuditRow[]>();
    for (const e of entries) entriesByRequest.set(e.requestId, [...(entriesByRequest.get(e.requestId) ?? []), e]);
    const foreign = entries.filter((e) => !byId.has(e.requestId)).map((e) => `seq ${e.seq} requestId ${e.requestId}`);
    expect(foreign, `${label}: audit entries that no request of the run explains`).toEqual([]);
    const duplicated = [...entriesByRequest].filter(([, es]) => es.length > 1).map(([id, es]) => `${id} ×${es.length}`);
    expect(duplicated, `${label}: requests with more than one audit entry`).toEqual([]);

    for (const s of sent) {
      const { requestId } = s.planned;
      const { mutation, role } = REQUEST[s.planned.kind];
      const entry = entriesByRequest.get(requestId)?.[0];
      if (s.reached === "no") {
        if (entry) problems.push(`${requestId} never reached a server but has audit entry seq ${entry.seq}`);
        continue;
      }
      if (s.reached === "maybe") {
        // Sent to the process that was killed: 0 or 1 entry (its data is matched below), of that mutation.
        if (entry && entry.mutation !== mutation)
          problems.push(`${requestId}: audit names ${entry.mutation}, not ${mutation}`);
        continue;
      }
      if (!entry) {
        problems.push(`${requestId} (${s.planned.kind}, client saw ${s.outcome}) has no audit entry`);
        continue;
      }
      if (entry.outcome !== s.outcome)
        problems.push(`${requestId}: client saw ${s.outcome}, audit says ${entry.outcome}`);
      if (entry.mutation !== mutation) problems.push(`${requestId}: audit names ${entry.mutation}, not ${mutation}`);
      if (entry.role !== role) problems.push(`${requestId}: audit names role ${entry.role}, not ${role}`);
      if (s.outcome === "SUCCESS" && s.entityId && entry.entityId !== s.entityId)
        problems.push(`${requestId}: client got id ${s.entityId}, audit names ${entry.entityId}`);
      if (s.outcome !== "SUCCESS") {
        const refused = (entry.changes as { refused?: { code?: string } } | null)?.refused;
        if (refused?.code !== s.code)
          problems.push(`${requestId}: client saw code ${s.code}, refusal entry records ${JSON.stringify(refused)}`);
      }
    }

    // 3. Created rows ↔ SUCCESS entries, one to one, by entity id (each row names its request).
    const matchCreated = async (
      table: "ServiceRecord" | "TaxRecord",
      column: string,
      prefix: string,
      mutation: string,
    ) => {
      const known = table === "ServiceRecord" ? before.serviceIds : before.taxIds;
      const rows = (
        await d.query<{ id: string; tag: string; citizenId: string }>(
          `select id, "${column}" as tag, "citizenId" from "${table}"`,
        )
      ).filter((r) => !known.has(r.id));
      const successIds = new Set(
        entries.filter((e) => e.mutation === mutation && e.outcome === "SUCCESS").map((e) => e.entityId),
      );
      for (const row of rows) {
        const requestId = row.tag.startsWith(prefix) ? row.tag.slice(prefix.length) : "";
        const entry = entriesByRequest.get(requestId)?.[0];
        if (!byId.has(requestId)) problems.push(`${table} ${row.id} (${row.tag}) names no request of the run`);
        else if (entry?.outcome !== "SUCCESS" || entry.entityId !== row.id)
          problems.push(`${table} ${row.id} of ${requestId} has no SUCCESS audit entry naming it (${entry?.outcome})`);
        else if (entry.citizenId !== row.citizenId)
          problems.push(`${table} ${row.id}: audit names citizen ${entry.citizenId}, row has ${row.citizenId}`);
      }
      const rowIds = new Set(rows.map((r) => r.id));
      for (const id of successIds)
        if (!id || !rowIds.has(id)) problems.push(`SUCCESS ${mutation} entry names ${id}: no such new ${table} row`);
      return { rows: rows.length, entries: successIds.size };
    };
    const services = await matchCreated("ServiceRecord", "serviceType", "Uji ", "recordService");
    const taxes = await matchCreated("TaxRecord", "taxObjectNumber", "NOP-", "assessTax");

    // 4. Citizens: no registration got through; per citizen, the version grew by its SUCCESS updates,
    //    and replaying those entries' diffs from the baseline (each `before` must be the state the
    //    previous one left) ends at the row as it is now.
    const [{ n: citizenCount } = { n: -1 }] = await d.query<{ n: number }>(`select count(*)::int as n from "Citizen"`);
    if (citizenCount !== before.citizenCount) problems.push(`citizens: ${before.citizenCount} → ${citizenCount}`);
    let versionIncrements = 0;
    const citizenSuccess = entries.filter((e) => CITIZEN_MUTATIONS.has(e.mutation) && e.outcome === "SUCCESS");
    for (const c of await d.prisma.citizen.findMany()) {
      const start = before.citizens.get(c.id);
      if (!start) continue;
      versionIncrements += c.version - start.version;
      const mine = citizenSuccess.filter((e) => e.entityId === c.id);
      if (c.version - start.version !== mine.length)
        problems.push(`citizen ${c.id}: version ${start.version} → ${c.version}, but ${mine.length} SUCCESS entries`);
      const state = { ...start.state };
      for (const e of mine) {
        const changes = (e.changes ?? {}) as Record<string, { before: string | null; after: string | null }>;
        if (Object.keys(changes).length === 0)
          problems.push(`citizen ${c.id}: SUCCESS entry seq ${e.seq} records no change`);
        for (const [column, change] of Object.entries(changes)) {
          if (!(column in state)) problems.push(`citizen ${c.id}: entry seq ${e.seq} changes unknown column ${column}`);
          else if (state[column] !== change.before)
            problems.push(
              `citizen ${c.id}: entry seq ${e.seq} says ${column} was ${change.before}, the previous entries leave ${state[column]}`,
            );
          state[column] = change.after;
        }
      }
      const now = stateOf(c);
      for (const column of Object.keys(now))
        if (now[column] !== state[column])
          problems.push(`citizen ${c.id}: ${column} is ${now[column]}, the audit trail leaves ${state[column]}`);
    }

    // 5. Counts: data changes = SUCCESS entries = client successes (+ unknown outcomes in run 2).
    const count = (m: string, outcome: ClientOutcome) =>
      sent.filter((s) => REQUEST[s.planned.kind].mutation === m && s.outcome === outcome).length;
    const auditSuccess = (m: string) => entries.filter((e) => e.mutation === m && e.outcome === "SUCCESS").length;
    const counts = {
      recordService: {
        rows: services.rows,
        audit: auditSuccess("recordService"),
        client: count("recordService", "SUCCESS"),
        unknown: count("recordService", "UNKNOWN"),
      },
      assessTax: {
        rows: taxes.rows,
        audit: auditSuccess("assessTax"),
        client: count("assessTax", "SUCCESS"),
        unknown: count("assessTax", "UNKNOWN"),
      },
      citizenUpdates: {
        rows: versionIncrements,
        audit: citizenSuccess.length,
        client: count("changeCitizenAddress", "SUCCESS") + count("correctCitizen", "SUCCESS"),
        unknown: count("changeCitizenAddress", "UNKNOWN") + count("correctCitizen", "UNKNOWN"),
      },
    };
    for (const [what, c] of Object.entries(counts)) {
      if (c.rows !== c.audit) problems.push(`${what}: ${c.rows} changes in the data, ${c.audit} SUCCESS entries`);
      if (unknownAllowed ? c.audit < c.client || c.audit > c.client + c.unknown : c.audit !== c.client)
        problems.push(`${what}: ${c.audit} SUCCESS entries, clients saw ${c.client} successes (+${c.unknown} unknown)`);
    }
    expect(problems.slice(0, 40), `${label}: ${problems.length} problems`).toEqual([]);

    // 6. Sealed by the servers themselves, then verified.
    const sealWait = await waitForSealers();
    const sealedByUs = await sealAll(d.prisma, AUDIT_KEY);
    const verifyStarted = Date.now();
    // On one thread and with worker threads, as `gerbang audit verify` runs it on PostgreSQL.
    const report = await verifyEveryWay({ ...d, url: dbUrl } as Database, AUDIT_KEY);
    const verifyMs = Date.now() - verifyStarted;
    const [{ n: total } = { n: -1 }] = await d.query<{ n: number }>(`select count(*)::int as n from "AuditEntry"`);

    const tally = (pick: (s: Sent) => string) =>
      Object.entries(
        sent.reduce<Record<string, number>>((acc, s) => {
          acc[pick(s)] = (acc[pick(s)] ?? 0) + 1;
          return acc;
        }, {}),
      )
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
    return {
      counts,
      entries: entries.length,
      outcomes: tally((s) => s.outcome),
      perInstance: tally((s) => `${s.instance}#${s.generation}`),
      sealWait,
      sealedByUs,
      verifyMs,
      report,
      /** Asserted by the caller after its summary line is written, so a failing verify still reports counts. */
      assertSealedAndVerified() {
        expect(sealWait, `${label}: the servers' sealers did not seal every entry within 20 s`).toBeGreaterThanOrEqual(
          0,
        );
        expect(report.firstProblem, `${label}: audit verify`).toBeUndefined();
        expect(report).toMatchObject({ intact: true, entries: total, sealed: total, unsealed: 0 });
      },
    };
  }

  beforeAll(async () => {
    const started = Date.now();
    process.once("exit", killAllNow);
    await admin(`CREATE DATABASE "${dbName}"`);
    created = true;
    db = await openPostgres(dbUrl, 4);
    await applyMigrations(db);
    await ensureTestRoles(["gerbang_runtime"]);
    await grantRuntimeRole(db, "gerbang_runtime");
    await seed(db.prisma, { citizens: CITIZENS });
    const alive = await db.query<{ id: string; domicileCode: string }>(
      `select id, "domicileCode" from "Citizen" where status = 'ALIVE' order by id`,
    );
    pools.inRegion = alive.filter((c) => c.domicileCode.startsWith(`${REGION}.`)).map((c) => c.id);
    pools.outOfRegion = alive.filter((c) => !c.domicileCode.startsWith(`${REGION}.`)).map((c) => c.id);
    pools.hot = pools.inRegion.slice(0, HOT_CITIZENS);
    pools.villages = (
      await db.query<{ code: string }>(
        `select code from "Region" where level = 'VILLAGE' and code like $1 and "validUntil" is null order by code`,
        [`${REGION}.%`],
      )
    ).map((r) => r.code);
    expect(pools.inRegion.length).toBeGreaterThan(HOT_CITIZENS);
    expect(pools.outOfRegion.length).toBeGreaterThan(0);
    expect(pools.villages.length).toBeGreaterThan(1);
    const setupMs = Date.now() - started;

    const config = loadConfig({ NODE_ENV: "test" });
    tokens.front_office = await issueDevToken(config, {
      role: "front_office",
      region: REGION,
      agency: "DUKCAPIL-3201",
      subject: "conc-front-office",
    });
    tokens.registry_officer = await issueDevToken(config, {
      role: "registry_officer",
      region: REGION,
      agency: "DUKCAPIL-3201",
      subject: "conc-registry-officer",
    });
    tokens.tax_officer = await issueDevToken(config, {
      role: "tax_officer",
      region: REGION,
      agency: "BAPENDA-3201",
      subject: "conc-tax-officer",
    });

    const [portA, portB] = await freePorts(2);
    for (const [name, port] of [
      ["A", portA],
      ["B", portB],
    ] as const) {
      instances.push({
        name,
        port: port ?? 0,
        child: undefined,
        generation: 0,
        up: false,
        inFlight: 0,
        tail: [],
        errorLines: [],
      });
    }
    const startMs = await Promise.all(instances.map((i) => start(i)));
    summary.push(
      `setup: database ${dbName} migrated and seeded with ${CITIZENS} citizens in ${setupMs} ms; ` +
        `gateways A :${portA} and B :${portB} ready in ${startMs.join(" / ")} ms`,
    );
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => kill(i)));
    process.off("exit", killAllNow);
    await db?.close().catch(() => {});
    if (created) await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    const errors = instances.flatMap((i) => i.errorLines);
    if (errors.length)
      summary.push(`server error log lines (${errors.length}):\n  ${errors.slice(0, 20).join("\n  ")}`);
    console.log(`audit-concurrency summary\n${summary.join("\n")}`);
  });

  it("2,000 mixed mutations over two processes: data changes = SUCCESS entries = client successes; every refusal audited; the trail verifies", async () => {
    const before = await baseline();
    const started = Date.now();
    const sent = await load(plan(1));
    const loadMs = Date.now() - started;
    const r = await check("run 1", sent, before, false);
    summary.push(
      `run 1 (no failure): ${TOTAL} mutations by ${WRITERS} writers in ${loadMs} ms (${Math.round((TOTAL / loadMs) * 1000)}/s); ` +
        `outcomes: ${r.outcomes}; per instance: ${r.perInstance}; ${r.entries} audit entries; ` +
        `successes (data/audit/client): ${Object.entries(r.counts)
          .map(([k, c]) => `${k} ${c.rows}/${c.audit}/${c.client}`)
          .join(", ")}; sealers done after ${r.sealWait} ms, ${r.sealedByUs} left for sealAll; ` +
        `verify: ${r.report.entries} entries, ${r.report.seals} seals, intact=${r.report.intact}${r.report.firstProblem ? ` (first problem: ${r.report.firstProblem.reason})` : ""} in ${r.verifyMs} ms`,
    );
    r.assertSealedAndVerified();
    const serverErrors = instances.flatMap((i) => i.errorLines);
    expect(serverErrors, "run 1: the gateways logged errors").toEqual([]);
  }, 150_000);

  it("SIGKILL of one process mid-load, restart: every committed change has its SUCCESS entry and vice versa; nothing half-written; the trail verifies", async () => {
    const a = instances[0];
    const b = instances[1];
    if (!a || !b) throw new Error("instances not started");
    // Both must be serving (run 1 may have failed after marking one down).
    for (const inst of instances) {
      if (!inst.child || inst.child.exitCode !== null || inst.child.signalCode !== null) await start(inst);
      inst.up = true;
    }
    const before = await baseline();
    const killAt = Math.floor(TOTAL * KILL_AT);
    const resumeAt = Math.floor(TOTAL * RESUME_AT);
    let restart: Promise<void> | undefined;
    const killStats = { inFlight: -1, restartMs: -1, downMs: -1 };
    const started = Date.now();
    const sent = await load(plan(2), async (index) => {
      if (index === killAt) {
        restart = (async () => {
          const killedAt = Date.now();
          killStats.inFlight = b.inFlight;
          await kill(b);
          await sleep(1_000); // load goes on on A alone
          killStats.restartMs = await start(b);
          killStats.downMs = Date.now() - killedAt;
        })();
      }
      if (index >= resumeAt && restart) await restart;
    });
    const loadMs = Date.now() - started;
    const r = await check("run 2", sent, before, true);
    const unknown = sent.filter((s) => s.outcome === "UNKNOWN");
    const unknownWithEntry = unknown.filter((s) => s.reached === "maybe");
    const afterRestart = sent.filter((s) => s.instance === "B" && s.generation === b.generation && s.reached === "yes");
    summary.push(
      `run 2 (SIGKILL of B at request ${killAt}, ${killStats.inFlight} requests in flight on B): ${TOTAL} mutations in ${loadMs} ms; ` +
        `B down ${killStats.downMs} ms (restart ready in ${killStats.restartMs} ms), ${afterRestart.length} answered by B after restart; ` +
        `unknown outcomes ${unknown.length} (${unknown.length - unknownWithEntry.length} never reached a server, ${unknownWithEntry.length} in flight); ` +
        `outcomes: ${r.outcomes}; per instance: ${r.perInstance}; ${r.entries} audit entries; ` +
        `successes (data/audit/client+unknown): ${Object.entries(r.counts)
          .map(([k, c]) => `${k} ${c.rows}/${c.audit}/${c.client}+${c.unknown}`)
          .join(", ")}; sealers done after ${r.sealWait} ms, ${r.sealedByUs} left for sealAll; ` +
        `verify: ${r.report.entries} entries, ${r.report.seals} seals, intact=${r.report.intact}${r.report.firstProblem ? ` (first problem: ${r.report.firstProblem.reason})` : ""} in ${r.verifyMs} ms`,
    );
    expect(killStats.inFlight, "B had requests in flight when it was killed").toBeGreaterThan(0);
    expect(unknown.length, "requests to the killed process failed at the HTTP level").toBeGreaterThan(0);
    expect(afterRestart.length, "the restarted B served part of the load").toBeGreaterThan(0);
    expect(a.child?.exitCode ?? null, "A kept running").toBeNull();
    r.assertSealedAndVerified();
  }, 150_000);
});
