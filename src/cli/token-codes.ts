// What `gerbang token` checks a request against: the Region and Agency codes in the database. They
// are read through the gateway's own GraphQL API, with a one-minute token of a role that the policy
// lets read both: in this process when the database can be opened, or from the running gateway when
// PGlite's data directory is held by it (PGlite allows one process per directory, and "start the
// gateway, then get a token" is the README's order). Nothing here writes.
import fs from "node:fs";
import path from "node:path";
import { type DevTokenRequest, issueDevToken, type KnownCodes, type Named } from "../auth/dev-token.ts";
import type { Config } from "../config.ts";
import { DatabaseUnavailableError, DataDirInUseError, openDatabase } from "../db/database.ts";
import { createLogger } from "../log.ts";
import type { Policy } from "../policy/policy.ts";
import { createGateway, GRAPHQL_ENDPOINT } from "../server/yoga.ts";

export type CodeLookup =
  /** The database answered. */
  | { codes: KnownCodes }
  /** The database could not be read; the token can be issued, but its codes were not checked. */
  | { unchecked: string }
  /** The running gateway refuses tokens signed here: any token issued now would not work. */
  | { refused: string };

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

const CODES = `query GerbangTokenCheck($region: String!, $agency: String!) {
  region: regions(first: 1, where: { code: { equals: $region } }) { edges { node { code name } } }
  agency: agencies(first: 1, where: { code: { equals: $agency } }) { edges { node { code name } } }
  regencies: regions(first: 3, where: { level: [REGENCY] }, orderBy: [{ field: code }]) { edges { node { code name } } }
}`;

const AGENCIES = `query GerbangTokenAgencies($near: String!) {
  agencies(first: 8, where: { regionCode: { startsWith: $near } }, orderBy: [{ field: code }]) { edges { node { code name } } }
}`;

type Connection = { edges: Array<{ node: Named }> } | null;

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

export async function lookUpCodes(config: Config, policy: Policy, request: DevTokenRequest): Promise<CodeLookup> {
  const role = lookupRole(policy);
  if (!role) return { unchecked: "no role in policies/ may list regions and agencies" };
  const token = await issueDevToken(config, { role, subject: "gerbang-token-check", ttl: "1m" });

  const target = config.database;
  if (target.kind === "pglite" && !fs.existsSync(path.join(target.dataDir, "PG_VERSION"))) {
    // Opening it would create an empty database; the first `gerbang serve` creates and seeds it.
    return { unchecked: `there is no database in ${target.dataDir} yet (npm start creates and seeds it)` };
  }
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase(target);
  } catch (error) {
    if (error instanceof DataDirInUseError) return askRunningGateway(config, token, request);
    // The token itself needs no database; say that its codes went unchecked, and why.
    if (error instanceof DatabaseUnavailableError) return { unchecked: error.message };
    throw error;
  }
  try {
    const gateway = createGateway({ config, db, policy, log: createLogger("silent") });
    return await readCodes((url, init) => Promise.resolve(gateway.fetch(url, init)), "http://gerbang", token, request);
  } finally {
    await db.close();
  }
}

/** The data directory is held by a running gateway (as the README's order has it): ask that one. */
async function askRunningGateway(config: Config, token: string, request: DevTokenRequest): Promise<CodeLookup> {
  const host = ["0.0.0.0", "::", ""].includes(config.host) ? "127.0.0.1" : config.host;
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
  const timed: Fetch = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  try {
    return await readCodes(timed, base, token, request);
  } catch (error) {
    const dir = config.database.kind === "pglite" ? config.database.dataDir : "";
    return {
      unchecked: `${dir} is in use by another process, and no gateway answered at ${base}${GRAPHQL_ENDPOINT} (${(error as Error).message})`,
    };
  }
}

/** A GraphQL answer, or why there is none (as the lookup's result). */
type Answer<T> = { data: T } | { failed: CodeLookup };

async function readCodes(fetch: Fetch, base: string, token: string, request: DevTokenRequest): Promise<CodeLookup> {
  const ask = async <T>(query: string, variables: Record<string, string>): Promise<Answer<T>> => {
    const response = await fetch(`${base}${GRAPHQL_ENDPOINT}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: Array<{ message: string }> };
    const why = body.errors?.[0]?.message ?? `HTTP ${response.status}`;
    if (response.status === 401) {
      const refused = `the gateway at ${base} refuses tokens signed here (${why}): run gerbang token with the gateway's JWT_SECRET, JWT_ISSUER and JWT_AUDIENCE`;
      return { failed: { refused } };
    }
    if (!body.data || body.errors?.length) {
      return { failed: { unchecked: `the gateway could not list regions and agencies (${why})` } };
    }
    return { data: body.data };
  };
  const names = (c: Connection) => c?.edges.map((e) => e.node) ?? [];

  const found = await ask<{ region: Connection; agency: Connection; regencies: Connection }>(CODES, {
    region: request.region ?? "",
    agency: request.agency ?? "",
  });
  if ("failed" in found) return found.failed;
  const regencies = names(found.data.regencies);
  // Agencies sit at regency level: suggest those of the requested regency, or of the first one.
  const region = names(found.data.region)[0];
  const near = region ? region.code.slice(0, 5) : regencies[0]?.code;
  let agencies: Named[] = [];
  if (near) {
    const nearby = await ask<{ agencies: Connection }>(AGENCIES, { near });
    if ("failed" in nearby) return nearby.failed;
    agencies = names(nearby.data.agencies);
  }
  return {
    codes: {
      ...(request.region !== undefined && { region: region ?? null }),
      ...(request.agency !== undefined && { agency: names(found.data.agency)[0] ?? null }),
      regencies,
      agencies,
      agenciesIn: near,
    },
  };
}
