// The audit trail under real concurrency: two `gerbang serve` processes on one PostgreSQL database,
// 32 concurrent writers, 2,000 mixed mutations (valid ones, legitimate CONFLICTs, invalid input,
// roles lacking the mutation). Every change a mutation commits must have exactly one SUCCESS entry,
// every refusal the client saw its entry with the same outcome, and the sealed trail must verify.
// The second run SIGKILLs one process mid-load and restarts it: what committed still has its entry,
// no SUCCESS entry lacks its change, and requests that never reached a server left no entry.
//
// Every request carries its own x-request-id, so each one is matched with its audit entry, and the
// data written names the request too (serviceType, taxObjectNumber, street, occupation), so each new
// row is matched with its entry by entity id. Runs only with TEST_DATABASE_URL (PostgreSQL).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MutationName, SENSITIVE_COLUMNS } from "../../src/audit/events.ts";
import { keyedValueHash } from "../../src/audit/hash.ts";
import { sealAll } from "../../src/audit/seal.ts";
import { issueDevToken } from "../../src/auth/dev-token.ts";
import { loadConfig, testDatabaseUrl } from "../../src/config.ts";
import { type Database, openPostgres } from "../../src/db/database.ts";
import { applyMigrations } from "../../src/db/migrator.ts";
import { seed } from "../../src/db/seed.ts";
import { verifyEveryWay } from "../support/audit.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
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

type Outcome = "SUCCESS" | "DENIED" | "INVALID" | "CONFLICT" | "ERROR";
type ClientOutcome = Outcome | "UNKNOWN";

type Kind =
  | "service"
  | "serviceOutOfRegion"
  | "tax"
  | "taxNegative"
  | "taxZero"
  | "address"
  | "addressStale"
  | "correct"
  | "correctStale"
  | "registerBadNik"
  | "deniedAssessTax"
  | "deniedChangeAddress";

/** Share of each kind in the load (out of 100). */
const MIX: ReadonlyArray<readonly [Kind, number]> = [
  ["service", 28],
  ["tax", 14],
  ["address", 16],
  ["correct", 10],
  ["serviceOutOfRegion", 4],
  ["taxNegative", 4],
  ["taxZero", 3],
  ["addressStale", 4],
  ["correctStale", 3],
  ["registerBadNik", 6],
  ["deniedAssessTax", 4],
  ["deniedChangeAddress", 4],
];

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

type Role = "front_office" | "registry_officer" | "tax_officer";

const REQUEST: Record<Kind, { mutation: MutationName; role: Role }> = {
  service: { mutation: "recordService", role: "front_office" },
  serviceOutOfRegion: { mutation: "recordService", role: "front_office" },
  tax: { mutation: "assessTax", role: "tax_officer" },
  taxNegative: { mutation: "assessTax", role: "tax_officer" },
  taxZero: { mutation: "assessTax", role: "tax_officer" },
  address: { mutation: "changeCitizenAddress", role: "registry_officer" },
  addressStale: { mutation: "changeCitizenAddress", role: "registry_officer" },
  correct: { mutation: "correctCitizen", role: "registry_officer" },
  correctStale: { mutation: "correctCitizen", role: "registry_officer" },
  registerBadNik: { mutation: "registerCitizen", role: "registry_officer" },
  deniedAssessTax: { mutation: "assessTax", role: "front_office" },
  deniedChangeAddress: { mutation: "changeCitizenAddress", role: "tax_officer" },
};

const DOCUMENTS: Partial<Record<MutationName, string>> = {
  recordService: "mutation RecordService($input: RecordServiceInput!) { recordService(input: $input) { id } }",
  assessTax: "mutation AssessTax($input: AssessTaxInput!) { assessTax(input: $input) { id } }",
  changeCitizenAddress:
    "mutation ChangeAddress($input: ChangeCitizenAddressInput!) { changeCitizenAddress(input: $input) { id version } }",
  correctCitizen:
    "mutation CorrectCitizen($input: CorrectCitizenInput!) { correctCitizen(input: $input) { id version } }",
  registerCitizen: "mutation RegisterCitizen($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id } }",
};
const READ_VERSION = "query CitizenVersion($id: ID!) { citizen(id: $id) { id version } }";

const CITIZEN_MUTATIONS: ReadonlySet<string> = new Set(["changeCitizenAddress", "correctCitizen"]);
const BAD_NIKS = ["12345", "3201011501900000", "9901011501900001", "32010115019000O1"];
const MARITAL = ["SINGLE", "MARRIED", "DIVORCED", "WIDOWED"] as const;

function outcomeOfCode(code: unknown): Outcome {
  if (code === "FORBIDDEN") return "DENIED";
  if (code === "BAD_USER_INPUT" || code === "NOT_FOUND") return "INVALID";
  if (code === "CONFLICT") return "CONFLICT";
  return "ERROR";
}

/** mulberry32: a small deterministic PRNG, so a failing run can be replayed with the same plan. */
function prng(seedValue: number) {
  let a = seedValue >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  };
  return { next, pick, digits: (n: number) => String(Math.floor(next() * 10 ** n)).padStart(n, "0") };
}

interface Planned {
  index: number;
  requestId: string;
  kind: Kind;
  citizenId: string;
  village: string;
  rt: string;
  rw: string;
  variant: number;
}

interface Sent {
  planned: Planned;
  instance: "A" | "B";
  generation: number;
  outcome: ClientOutcome;
  /** yes: the server answered; no: the mutation never reached a server; maybe: sent, no answer. */
  reached: "yes" | "no" | "maybe";
  code?: string;
  entityId?: string;
  detail?: string;
}

interface Instance {
  name: "A" | "B";
  port: number;
  child: ChildProcess | undefined;
  generation: number;
  /** The writers' view (like a load balancer's): false after a request to it failed at the HTTP level. */
  up: boolean;
  inFlight: number;
  tail: string[];
  errorLines: string[];
}

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

function freePorts(n: number): Promise<number[]> {
  // All listeners stay open until every port is known, so the two ports differ.
  const servers = Array.from({ length: n }, () => net.createServer());
  return Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve, reject) => {
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => {
            const address = s.address();
            resolve(typeof address === "object" && address ? address.port : 0);
          });
        }),
    ),
  ).finally(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
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
  let db: Database | undefined;
  let created = false;
  const instances: Instance[] = [];
  const tokens = {} as Record<Role, string>;
  let inRegion: string[] = [];
  let outOfRegion: string[] = [];
  let hot: string[] = [];
  let villages: string[] = [];
  const summary: string[] = [];

  const killAllNow = () => {
    for (const inst of instances) {
      const child = inst.child;
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  };

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

  function capture(inst: Instance, chunk: Buffer) {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      inst.tail.push(`[${inst.name}#${inst.generation}] ${line}`);
      if (inst.tail.length > 60) inst.tail.shift();
      if (line.includes('"level":"error"')) inst.errorLines.push(`[${inst.name}#${inst.generation}] ${line}`);
    }
  }

  /** Spawns `node bin/gerbang.js serve` for the instance and waits for /readyz; returns the milliseconds it took. */
  async function start(inst: Instance): Promise<number> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: dbUrl,
      PORT: String(inst.port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
      AUDIT_HMAC_KEY: AUDIT_KEY,
    };
    const child = spawn(process.execPath, ["bin/gerbang.js", "serve"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    inst.child = child;
    inst.generation++;
    child.stdout?.on("data", (c: Buffer) => capture(inst, c));
    child.stderr?.on("data", (c: Buffer) => capture(inst, c));
    let exited: string | undefined;
    child.once("exit", (code, signal) => {
      exited = `code ${code}, signal ${signal}`;
    });
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      if (exited) throw new Error(`gateway ${inst.name} exited while starting (${exited}):\n${inst.tail.join("\n")}`);
      try {
        const res = await fetch(`http://127.0.0.1:${inst.port}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) {
          inst.up = true;
          return Date.now() - started;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`gateway ${inst.name} not ready after 60 s:\n${inst.tail.join("\n")}`);
  }

  async function kill(inst: Instance): Promise<void> {
    const child = inst.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async function post(
    inst: Instance,
    token: string,
    requestId: string,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<
    | { ok: true; status: number; body: Record<string, unknown> | undefined }
    | { ok: false; error: string; refused: boolean }
  > {
    try {
      const res = await fetch(`http://127.0.0.1:${inst.port}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          authorization: `Bearer ${token}`,
          "x-request-id": requestId,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      return { ok: true, status: res.status, body };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return {
        ok: false,
        error: `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`,
        refused: cause?.code === "ECONNREFUSED",
      };
    }
  }

  function plan(scenario: number): Planned[] {
    const r = prng(0x5eed_0000 + scenario);
    const bag: Kind[] = MIX.flatMap(([kind, weight]) => Array.from({ length: weight }, () => kind));
    return Array.from({ length: TOTAL }, (_, index) => {
      const kind = r.pick(bag);
      const pool =
        kind === "serviceOutOfRegion"
          ? outOfRegion
          : kind.startsWith("address") || kind.startsWith("correct") || kind === "deniedChangeAddress"
            ? hot
            : inRegion;
      return {
        index,
        requestId: `conc-${run}-s${scenario}-${String(index).padStart(4, "0")}`,
        kind,
        citizenId: r.pick(pool),
        village: r.pick(villages),
        rt: `0${r.digits(2)}`,
        rw: `0${r.digits(2)}`,
        variant: Math.floor(r.next() * 1000),
      };
    });
  }

  function input(p: Planned, version: number): Record<string, unknown> {
    switch (p.kind) {
      case "service":
      case "serviceOutOfRegion":
        return {
          citizenId: p.citizenId,
          serviceType: `Uji ${p.requestId}`,
          channel: (["COUNTER", "ONLINE", "MOBILE"] as const)[p.variant % 3],
          outcome: "COMPLETED",
        };
      case "tax":
      case "taxNegative":
      case "taxZero":
      case "deniedAssessTax":
        return {
          citizenId: p.citizenId,
          taxType: "VEHICLE",
          taxObjectNumber: `NOP-${p.requestId}`,
          period: "2026",
          assessedAmount: p.kind === "taxNegative" ? "-150000.00" : p.kind === "taxZero" ? "0.00" : "150000.00",
          dueDate: "2026-12-31",
        };
      case "address":
      case "addressStale":
      case "deniedChangeAddress":
        return {
          id: p.citizenId,
          version,
          addressStreet: `Jl. Uji ${p.requestId}`,
          addressRt: p.rt,
          addressRw: p.rw,
          domicileCode: p.village,
        };
      case "correct":
      case "correctStale":
        return {
          id: p.citizenId,
          version,
          occupation: `Uji ${p.requestId}`,
          ...(p.variant % 2 === 0 ? { maritalStatus: MARITAL[p.variant % MARITAL.length] } : {}),
        };
      case "registerBadNik":
        return {
          nik: BAD_NIKS[p.variant % BAD_NIKS.length],
          familyCardNumber: "3201011501200001",
          fullName: `Uji ${p.requestId}`,
          birthPlace: "Bogor",
          birthDate: "1990-01-15",
          sex: "MALE",
          religion: "ISLAM",
          maritalStatus: "SINGLE",
          occupation: "Karyawan",
          addressStreet: "Jl. Uji",
          addressRt: "001",
          addressRw: "002",
          domicileCode: "32.01.01.1001",
        };
    }
  }

  async function execute(p: Planned, inst: Instance): Promise<Sent> {
    const { mutation, role } = REQUEST[p.kind];
    const base = { planned: p, instance: inst.name, generation: inst.generation };
    inst.inFlight++;
    try {
      let version = 1;
      if (p.kind === "address" || p.kind === "correct" || p.kind === "addressStale" || p.kind === "correctStale") {
        const read = await post(inst, tokens.registry_officer, `${p.requestId}.read`, READ_VERSION, {
          id: p.citizenId,
        });
        if (!read.ok) return { ...base, outcome: "UNKNOWN", reached: "no", detail: `read: ${read.error}` };
        const citizen = (read.body?.data as { citizen?: { version?: number } } | undefined)?.citizen;
        if (typeof citizen?.version !== "number") {
          return { ...base, outcome: "ERROR", reached: "no", detail: `read failed: ${JSON.stringify(read.body)}` };
        }
        // Versions only grow, so one below the current is stale for sure.
        version = p.kind.endsWith("Stale") ? citizen.version - 1 : citizen.version;
      }
      const document = DOCUMENTS[mutation];
      if (!document) throw new Error(`no document for ${mutation}`);
      const res = await post(inst, tokens[role], p.requestId, document, { input: input(p, version) });
      if (!res.ok) return { ...base, outcome: "UNKNOWN", reached: res.refused ? "no" : "maybe", detail: res.error };
      const data = (res.body?.data as Record<string, { id?: string } | null> | null | undefined)?.[mutation];
      const errors = res.body?.errors as Array<{ message?: string; extensions?: { code?: string } }> | undefined;
      if (data?.id && !errors?.length) return { ...base, outcome: "SUCCESS", reached: "yes", entityId: data.id };
      const code = errors?.[0]?.extensions?.code ?? `HTTP_${res.status}`;
      return {
        ...base,
        outcome: outcomeOfCode(code),
        reached: "yes",
        code,
        detail: errors?.[0]?.message ?? JSON.stringify(res.body)?.slice(0, 300),
      };
    } finally {
      inst.inFlight--;
    }
  }

  /** 32 writers over both instances; `beforeDispatch` may hold a request back (run 2 kills and restarts B). */
  async function load(plans: Planned[], beforeDispatch?: (index: number) => Promise<void>): Promise<Sent[]> {
    const sent: Sent[] = [];
    let next = 0;
    let stop: unknown;
    const route = (writer: number): Instance => {
      const preferred = instances[writer % 2];
      const other = instances[(writer + 1) % 2];
      if (!preferred || !other) throw new Error("instances not started");
      return preferred.up || !other.up ? preferred : other;
    };
    const writer = async (w: number) => {
      while (stop === undefined) {
        const index = next++;
        const p = plans[index];
        if (!p) return;
        try {
          await beforeDispatch?.(index);
        } catch (error) {
          stop = error;
          return;
        }
        const inst = route(w);
        const result = await execute(p, inst);
        sent[index] = result;
        // Like a load balancer: an instance that failed at the HTTP level gets no more requests until
        // it is announced again (only if it is still the same process the request went to).
        if (result.outcome === "UNKNOWN" && inst.generation === result.generation) inst.up = false;
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    if (stop !== undefined) throw stop;
    return sent;
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

    // 2. The audit entries of the run, by request id. (Qualified ORDER BY: a bare `seq` would sort by the
    //    text alias of the select list, i.e. 1, 10, 11, 2, ...)
    const entries = (
      await d.query<AuditRow>(
        `select seq::text as seq, "requestId", mutation, outcome::text as outcome, role, "entityType", "entityId", "citizenId", changes
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
    await seed(db.prisma, { citizens: CITIZENS });
    const alive = await db.query<{ id: string; domicileCode: string }>(
      `select id, "domicileCode" from "Citizen" where status = 'ALIVE' order by id`,
    );
    inRegion = alive.filter((c) => c.domicileCode.startsWith(`${REGION}.`)).map((c) => c.id);
    outOfRegion = alive.filter((c) => !c.domicileCode.startsWith(`${REGION}.`)).map((c) => c.id);
    hot = inRegion.slice(0, HOT_CITIZENS);
    villages = (
      await db.query<{ code: string }>(
        `select code from "Region" where level = 'VILLAGE' and code like $1 and "validUntil" is null order by code`,
        [`${REGION}.%`],
      )
    ).map((r) => r.code);
    expect(inRegion.length).toBeGreaterThan(HOT_CITIZENS);
    expect(outOfRegion.length).toBeGreaterThan(0);
    expect(villages.length).toBeGreaterThan(1);
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
