// Development tokens for `gerbang token`: signed with the local key, never available in production.
import { createSecretKey, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Config } from "../config.ts";
import type { Policy } from "../policy/policy.ts";
import { isRegionPrefix } from "./principal.ts";

export interface DevTokenRequest {
  role: string;
  subject?: string | undefined;
  agency?: string | undefined;
  region?: string | undefined;
  purposes?: string[] | undefined;
  /** Lifetime such as `8h`, `30m`, `3600s`. */
  ttl?: string | undefined;
}

const DEFAULT_TTL_SECONDS = 8 * 3600;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `30m`, `8h`, `1d` → seconds. */
function ttlSeconds(ttl: string): number {
  const match = /^(\d+)([smhd])$/.exec(ttl);
  if (!match) throw new Error(`--ttl must look like 30m, 8h or 1d (got "${ttl}").`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** The key development tokens are signed with; throws when this configuration may not sign them (production). */
export function devTokenSecret(config: Config): string {
  if (config.env === "production") {
    throw new Error("gerbang token issues development tokens only; it is disabled when NODE_ENV=production.");
  }
  if (!config.auth.secret) {
    throw new Error("gerbang token needs JWT_SECRET (or no key settings at all, for the built-in development key).");
  }
  return config.auth.secret;
}

/** Signs a development token as asked. `gerbang token` first refuses requests that cannot work (devTokenProblems). */
export async function issueDevToken(config: Config, request: DevTokenRequest): Promise<string> {
  const secret = devTokenSecret(config);
  if (request.region !== undefined && !isRegionPrefix(request.region)) {
    throw new Error(`--region must be a region code such as 32, 32.01 or 32.01.01 (got "${request.region}").`);
  }
  const max = config.auth.maxLifetimeSeconds;
  const ttl = request.ttl === undefined ? Math.min(DEFAULT_TTL_SECONDS, max) : ttlSeconds(request.ttl);
  if (ttl > max) {
    throw new Error(
      `--ttl ${request.ttl} is longer than the ${max} seconds the gateway accepts (JWT_MAX_LIFETIME): it would refuse the token.`,
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { role: request.role, kind: "user" };
  if (request.agency) claims.agency = request.agency;
  if (request.region) claims.region = request.region;
  if (request.purposes?.length) claims.purposes = request.purposes;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(request.subject ?? `dev-${request.role}`)
    .setIssuer(config.auth.issuer)
    .setAudience(config.auth.audience)
    .setIssuedAt(now)
    .setJti(randomUUID())
    .setExpirationTime(now + ttl)
    .sign(createSecretKey(Buffer.from(secret)));
}

/** A region or agency: its code and name, for messages that suggest one. */
export interface Named {
  code: string;
  name: string;
}

/** What the database says about the codes of a token request, for devTokenProblems. */
export interface KnownCodes {
  /** The region named by --region (null: no such code); undefined when none was asked for. */
  region?: Named | null;
  /** The agency named by --agency (null: no such code); undefined when none was asked for. */
  agency?: Named | null;
  /** A few regencies, to suggest a --region. */
  regencies: Named[];
  /** Agencies of one regency (the requested one, or the first), to suggest an --agency. */
  agencies: Named[];
  /** The regency code of `agencies`. */
  agenciesIn: string | undefined;
}

/**
 * Why a requested token could not work, each with the fix: an unknown role; a role whose policy
 * scopes rows by region or agency, without that claim (it would silently see nothing); a region or
 * agency that is not in the database; a purpose the role does not hold. `codes` undefined: the database could not be read, so only
 * the policy is checked. Empty list: the token can work.
 */
export function devTokenProblems(policy: Policy, request: DevTokenRequest, codes: KnownCodes | undefined): string[] {
  const role = policy.role(request.role);
  if (!role) {
    return [`unknown role "${request.role}": the roles in policies/ are ${[...policy.roles.keys()].sort().join(", ")}`];
  }
  const problems: string[] = [];
  const scopedBy = (rule: "region" | "agency") => [...role.rows].filter(([, r]) => r === rule).map(([type]) => type);
  const regionTypes = scopedBy("region");
  const agencyTypes = scopedBy("agency");
  const regencies = codes?.regencies ?? [];
  const regionExamples = regencies.length ? `, e.g. ${regencies.map((r) => `${r.code} ${r.name}`).join(", ")}` : "";
  const agencyExamples = codes?.agencies.length
    ? `; in ${codes.agenciesIn}: ${codes.agencies.map((a) => a.code).join(", ")}`
    : "";

  if (request.region === undefined && regionTypes.length > 0) {
    const example = regencies[0]?.code ?? "CODE";
    problems.push(
      `${role.role} sees ${regionTypes.join(", ")} rows by region: add --region ${example} (a code from the Region table${regionExamples})`,
    );
  } else if (request.region !== undefined && codes?.region === null) {
    problems.push(`--region ${request.region} is not in the Region table: use a code from it${regionExamples}`);
  }
  if (request.agency === undefined && agencyTypes.length > 0) {
    problems.push(
      `${role.role} sees ${agencyTypes.join(", ")} rows of its own agency: add --agency CODE (a code from the Agency table${agencyExamples})`,
    );
  } else if (request.agency !== undefined && codes?.agency === null) {
    problems.push(`--agency ${request.agency} is not in the Agency table: use a code from it${agencyExamples}`);
  }
  const held = [...role.purposes.keys()];
  for (const purpose of request.purposes ?? []) {
    if (!role.purposes.has(purpose)) {
      const holds = held.length ? `its purposes are ${held.join(", ")}` : "it has none";
      problems.push(`--purpose ${purpose}: role ${role.role} may not state it (${holds})`);
    }
  }
  return problems;
}
