// A load of mixed mutations against gateway processes (./gateway-processes.ts): valid ones, legitimate
// CONFLICTs, invalid input, and roles lacking the mutation. Each request carries its own x-request-id
// and the data it writes names that request (serviceType, taxObjectNumber, street, occupation), so a
// test can match every request with its audit entry and every new row with its request. The plan is
// deterministic per scenario, so a failing run can be replayed.
import type { MutationName } from "../../src/audit/events.ts";
import { type Instance, post } from "./gateway-processes.ts";

export type Outcome = "SUCCESS" | "DENIED" | "INVALID" | "CONFLICT" | "ERROR";
export type ClientOutcome = Outcome | "UNKNOWN";

export type Kind =
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
export const MIX: ReadonlyArray<readonly [Kind, number]> = [
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

export type Role = "front_office" | "registry_officer" | "tax_officer";

export const REQUEST: Record<Kind, { mutation: MutationName; role: Role }> = {
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

export const DOCUMENTS: Partial<Record<MutationName, string>> = {
  recordService: "mutation RecordService($input: RecordServiceInput!) { recordService(input: $input) { id } }",
  assessTax: "mutation AssessTax($input: AssessTaxInput!) { assessTax(input: $input) { id } }",
  changeCitizenAddress:
    "mutation ChangeAddress($input: ChangeCitizenAddressInput!) { changeCitizenAddress(input: $input) { id version } }",
  correctCitizen:
    "mutation CorrectCitizen($input: CorrectCitizenInput!) { correctCitizen(input: $input) { id version } }",
  registerCitizen: "mutation RegisterCitizen($input: RegisterCitizenInput!) { registerCitizen(input: $input) { id } }",
};
export const READ_VERSION = "query CitizenVersion($id: ID!) { citizen(id: $id) { id version } }";
export const BAD_NIKS = ["12345", "3201011501900000", "9901011501900001", "32010115019000O1"];
export const MARITAL = ["SINGLE", "MARRIED", "DIVORCED", "WIDOWED"] as const;

export function outcomeOfCode(code: unknown): Outcome {
  if (code === "FORBIDDEN") return "DENIED";
  if (code === "BAD_USER_INPUT" || code === "NOT_FOUND") return "INVALID";
  if (code === "CONFLICT") return "CONFLICT";
  return "ERROR";
}

/** mulberry32: a small deterministic PRNG, so a failing run can be replayed with the same plan. */
export function prng(seedValue: number) {
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

export interface Planned {
  index: number;
  requestId: string;
  kind: Kind;
  citizenId: string;
  village: string;
  rt: string;
  rw: string;
  variant: number;
}

export interface Sent {
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

/** The citizens and villages the plan draws from; filled by the caller once the database is seeded. */
export interface LoadPools {
  /** Living citizens in the officers' region. */
  inRegion: string[];
  /** Living citizens elsewhere (recordService for them is refused). */
  outOfRegion: string[];
  /** The few citizens every address change and correction goes to, so that writers collide on them. */
  hot: string[];
  /** Villages of the officers' region, for address changes. */
  villages: string[];
}

/**
 * The load of one test run: plan(scenario) draws `total` requests, load() sends them with `writers`
 * concurrent writers over `instances` (preferring one per writer, like a load balancer that takes a
 * failed instance out until it is announced again) and returns what each client saw.
 */
export function mutationLoad(options: {
  run: string;
  total: number;
  writers: number;
  tokens: Record<Role, string>;
  pools: LoadPools;
  instances: Instance[];
}) {
  const { run, tokens, pools, instances } = options;
  const TOTAL = options.total;
  const WRITERS = options.writers;

  function plan(scenario: number): Planned[] {
    const r = prng(0x5eed_0000 + scenario);
    const { inRegion, outOfRegion, hot, villages } = pools;
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

  return { plan, load };
}
