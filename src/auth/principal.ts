// Who is calling: built from a verified token's claims in exactly one place (principalFromClaims).
import type { JWTPayload } from "jose";
import { UnauthenticatedError } from "../errors.ts";

export interface Principal {
  /** `sub` of the token: the officer's or the client's id. */
  subject: string;
  kind: "user" | "client";
  /** The role whose policy applies (SPEC: one role per token). */
  role: string;
  /** Code of the principal's agency (e.g. DUKCAPIL-3201), if any. */
  agencyCode: string | undefined;
  /**
   * Region code prefix the principal's rows are limited to (`32`, `32.01`, `32.01.01`, `32.01.01.2001`);
   * undefined = no regional limit (the policy still decides whether the role needs one).
   */
  regionScope: string | undefined;
  /** OAuth-style scopes of client tokens. */
  scopes: string[];
  /** Purposes (x-purpose values) the identity provider lets this principal state. */
  purposes: string[];
  tokenId: string | undefined;
}

const REGION_PREFIX = /^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$/;

/** Checks the shape of a region scope so `32.0` can never match both `32.01` and `32.02`. */
export function isRegionPrefix(value: string): boolean {
  return REGION_PREFIX.test(value);
}

function stringList(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  throw new UnauthenticatedError(`Token claim "${claim}" must be a string or a list of strings.`);
}

function optionalString(value: unknown, claim: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && value.length > 0) return value;
  throw new UnauthenticatedError(`Token claim "${claim}" must be a non-empty string.`);
}

export function principalFromClaims(claims: JWTPayload): Principal {
  const subject = optionalString(claims.sub, "sub");
  const role = optionalString(claims.role, "role");
  if (!subject || !role) throw new UnauthenticatedError('The token must carry "sub" and "role" claims.');
  const regionScope = optionalString(claims.region, "region");
  if (regionScope !== undefined && !isRegionPrefix(regionScope)) {
    throw new UnauthenticatedError('Token claim "region" must be a region code such as 32 or 32.01 or 32.01.01.');
  }
  const kind = claims.kind === "client" ? "client" : "user";
  return {
    subject,
    kind,
    role,
    agencyCode: optionalString(claims.agency, "agency"),
    regionScope,
    scopes: stringList(claims.scope, "scope"),
    purposes: stringList(claims.purposes, "purposes"),
    tokenId: optionalString(claims.jti, "jti"),
  };
}
