// What `gerbang token` checks a request against: the Region and Agency codes in the database. Read
// in this process when the database can be opened; when PGlite's data directory is held by a running
// gateway (PGlite allows one process per directory, and "start the gateway, then get a token" is the
// README's order), asked of that gateway through its GraphQL API. Nothing here writes.
import fs from "node:fs";
import path from "node:path";
import { type DevTokenRequest, issueDevToken, type KnownCodes, type Named } from "../auth/dev-token.ts";
import type { Config } from "../config.ts";
import { type Database, DatabaseUnavailableError, DataDirInUseError, openDatabase } from "../db/database.ts";
import type { Policy } from "../policy/policy.ts";

export type CodeLookup =
  /** The database answered. */
  | { codes: KnownCodes }
  /** The database could not be read; the token can be issued, but its codes were not checked. */
  | { unchecked: string }
  /** The running gateway refuses tokens signed here: any token issued now would not work. */
  | { refused: string };

/** The two questions the check asks, answered by the database or by a running gateway. */
interface CodeSource {
  /** The requested region and agency (undefined: no such code), and a few regencies to suggest. */
  find(region: string, agency: string): Promise<{ region?: Named; agency?: Named; regencies: Named[] }>;
  /** Agencies whose region code starts with `prefix`, to suggest. */
  agenciesIn(prefix: string): Promise<Named[]>;
}

/** A source that cannot answer, and what that means for the token. */
class Unanswered extends Error {
  constructor(readonly lookup: Exclude<CodeLookup, { codes: KnownCodes }>) {
    super("unanswered");
  }
}

const REGENCIES = 3;
const AGENCIES = 8;

export async function lookUpCodes(config: Config, policy: Policy, request: DevTokenRequest): Promise<CodeLookup> {
  const target = config.database;
  if (target.kind === "pglite" && !fs.existsSync(path.join(target.dataDir, "PG_VERSION"))) {
    // Opening it would create an empty database; the first `gerbang serve` creates and seeds it.
    return { unchecked: `there is no database in ${target.dataDir} yet (npm start creates and seeds it)` };
  }
  let db: Database;
  try {
    db = await openDatabase(target);
  } catch (error) {
    if (error instanceof DataDirInUseError) return askRunningGateway(config, policy, request);
    // The token itself needs no database; say that its codes went unchecked, and why.
    if (error instanceof DatabaseUnavailableError) return { unchecked: error.message };
    throw error;
  }
  try {
    return await readCodes(databaseSource(db), request);
  } catch (error) {
    // A database that is not migrated has no Region table: the gateway would not start on it either.
    return { unchecked: `the Region and Agency tables could not be read (${(error as Error).message.split("\n")[0]})` };
  } finally {
    await db.close();
  }
}

async function readCodes(source: CodeSource, request: DevTokenRequest): Promise<CodeLookup> {
  try {
    const found = await source.find(request.region ?? "", request.agency ?? "");
    // Agencies sit at regency level: suggest those of the requested regency, or of the first one.
    const near = found.region ? found.region.code.slice(0, 5) : found.regencies[0]?.code;
    return {
      codes: {
        ...(request.region !== undefined && { region: found.region ?? null }),
        ...(request.agency !== undefined && { agency: found.agency ?? null }),
        regencies: found.regencies,
        agencies: near ? await source.agenciesIn(near) : [],
        agenciesIn: near,
      },
    };
  } catch (error) {
    if (error instanceof Unanswered) return error.lookup;
    throw error;
  }
}

/** Plain SQL rather than Prisma: the Prisma client's first query costs more than these three. */
function databaseSource(db: Database): CodeSource {
  const one = async (table: "Region" | "Agency", code: string) =>
    (await db.query<Named>(`select code, name from "${table}" where code = $1`, [code]))[0];
  return {
    async find(region, agency) {
      const [r, a, regencies] = await Promise.all([
        one("Region", region),
        one("Agency", agency),
        db.query<Named>(`select code, name from "Region" where level = 'REGENCY' order by code limit ${REGENCIES}`),
      ]);
      return { ...(r && { region: r }), ...(a && { agency: a }), regencies };
    },
    agenciesIn: (prefix) =>
      db.query<Named>(
        `select code, name from "Agency" where starts_with("regionCode", $1) order by code limit ${AGENCIES}`,
        [prefix],
      ),
  };
}

/** The data directory is held by a running gateway (as the README's order has it): ask that one. */
async function askRunningGateway(config: Config, policy: Policy, request: DevTokenRequest): Promise<CodeLookup> {
  const role = lookupRole(policy);
  if (!role)
    return { unchecked: "the data directory is in use, and no role in policies/ may list regions and agencies" };
  // Only this path needs the server module (graphql-yoga): imported here, not on every token.
  const { GRAPHQL_ENDPOINT } = await import("../server/yoga.ts");
  const host = ["0.0.0.0", "::", ""].includes(config.host) ? "127.0.0.1" : config.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${config.port}${GRAPHQL_ENDPOINT}`;
  const token = await issueDevToken(config, { role, subject: "gerbang-token-check", ttl: "1m" });
  try {
    return await readCodes(gatewaySource(url, token), request);
  } catch (error) {
    const dir = config.database.kind === "pglite" ? config.database.dataDir : "the data directory";
    return { unchecked: `${dir} is in use, and no gateway answered at ${url} (${(error as Error).message})` };
  }
}

/** A role the policy lets list regions and agencies with their codes and names, or none. */
function lookupRole(policy: Policy): string | undefined {
  const reads = (role: string, type: string) =>
    policy.rows(role, type) === "all" &&
    policy.access(role, type, "code")?.kind === "clear" &&
    policy.access(role, type, "name")?.kind === "clear";
  return [...policy.roles.values()]
    .filter((r) => r.queries.has("regions") && r.queries.has("agencies"))
    .map((r) => r.role)
    .sort()
    .find((role) => reads(role, "Region") && reads(role, "Agency"));
}

type Connection = { edges: Array<{ node: Named }> } | null;
const nodes = (c: Connection | undefined) => c?.edges.map((e) => e.node) ?? [];

const FIND = `query GerbangTokenCheck($region: String!, $agency: String!) {
  region: regions(first: 1, where: { code: { equals: $region } }) { edges { node { code name } } }
  agency: agencies(first: 1, where: { code: { equals: $agency } }) { edges { node { code name } } }
  regencies: regions(first: ${REGENCIES}, where: { level: [REGENCY] }, orderBy: [{ field: code }]) { edges { node { code name } } }
}`;

const AGENCIES_IN = `query GerbangTokenAgencies($prefix: String!) {
  agencies(first: ${AGENCIES}, where: { regionCode: { startsWith: $prefix } }, orderBy: [{ field: code }]) { edges { node { code name } } }
}`;

/** The running gateway, asked with a one-minute token of a role that may list regions and agencies. */
function gatewaySource(url: string, token: string): CodeSource {
  const ask = async <T>(query: string, variables: Record<string, string>): Promise<T> => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: Array<{ message: string }> };
    const why = body.errors?.[0]?.message ?? `HTTP ${response.status}`;
    if (response.status === 401) {
      throw new Unanswered({
        refused: `the gateway at ${url} refuses tokens signed here (${why}): run gerbang token with the gateway's JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE`,
      });
    }
    if (!body.data || body.errors?.length) {
      throw new Unanswered({ unchecked: `the gateway at ${url} could not list regions and agencies (${why})` });
    }
    return body.data;
  };
  return {
    async find(region, agency) {
      const data = await ask<Record<"region" | "agency" | "regencies", Connection>>(FIND, { region, agency });
      const [r] = nodes(data.region);
      const [a] = nodes(data.agency);
      return { ...(r && { region: r }), ...(a && { agency: a }), regencies: nodes(data.regencies) };
    },
    agenciesIn: async (prefix) => nodes((await ask<{ agencies: Connection }>(AGENCIES_IN, { prefix })).agencies),
  };
}
