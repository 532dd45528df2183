// Row scope as a Prisma `where`, so that the database never returns a row outside the caller's
// region or agency: pagination and counts stay right, and nothing is filtered after loading.
import type { Principal } from "../auth/principal.ts";
import type { Policy } from "./policy.ts";

type Where = Record<string, unknown>;

const startsWith = (prefix: string) => ({ startsWith: prefix });

/** From a row of each type to the region code its `region` rule compares with the principal's scope. */
const REGION_PATH: Record<string, (prefix: string) => Where> = {
  // The DOMICILE village: the NIK prefix is the place of first registration and never changes.
  Citizen: (p) => ({ domicileCode: startsWith(p) }),
  TaxRecord: (p) => ({ citizen: { domicileCode: startsWith(p) } }),
  Permit: (p) => ({ applicant: { domicileCode: startsWith(p) } }),
  SocialAssistance: (p) => ({ citizen: { domicileCode: startsWith(p) } }),
  ServiceRecord: (p) => ({ citizen: { domicileCode: startsWith(p) } }),
  Agency: (p) => ({ regionCode: startsWith(p) }),
  FinancialTransaction: (p) => ({ agency: { regionCode: startsWith(p) } }),
  ArchiveDocument: (p) => ({ agency: { regionCode: startsWith(p) } }),
};

/** From a row of each type to the agency its `agency` rule compares with the principal's agency. */
const AGENCY_PATH: Record<string, (code: string) => Where> = {
  Agency: (code) => ({ code }),
  TaxRecord: (code) => ({ agency: { code } }),
  Permit: (code) => ({ agency: { code } }),
  FinancialTransaction: (code) => ({ agency: { code } }),
  ArchiveDocument: (code) => ({ agency: { code } }),
  ServiceRecord: (code) => ({ agency: { code } }),
};

/** Matches no row: a scoped role whose token lacks the claim the scope needs sees nothing. */
const NOTHING: Where = { id: { in: [] } };

/** The `where` that limits `type` to what `principal` may see; `{}` when unrestricted. */
export function rowScope(policy: Policy, principal: Principal, type: string): Where {
  const rule = policy.rows(principal.role, type);
  if (rule === "all") return {};
  if (rule === "region") {
    const path = REGION_PATH[type];
    return principal.regionScope && path ? path(principal.regionScope) : NOTHING;
  }
  if (rule === "agency") {
    const path = AGENCY_PATH[type];
    return principal.agencyCode && path ? path(principal.agencyCode) : NOTHING;
  }
  return NOTHING; // no rule: the type is invisible to this role
}

/**
 * The same decision for one loaded row reached through a to-one relation (taxRecord → citizen):
 * Prisma cannot filter a required to-one include, so the related row is checked before it is shown.
 */
export function rowInScope(policy: Policy, principal: Principal, type: string, row: Record<string, unknown>): boolean {
  const rule = policy.rows(principal.role, type);
  if (rule === "all") return true;
  const prefix = principal.regionScope;
  if (rule === "region" && prefix) {
    if (type === "Citizen") return typeof row.domicileCode === "string" && row.domicileCode.startsWith(prefix);
    if (type === "Agency") return typeof row.regionCode === "string" && row.regionCode.startsWith(prefix);
  }
  if (rule === "agency" && principal.agencyCode && type === "Agency") return row.code === principal.agencyCode;
  return false;
}

/** Types reachable through to-one relations, whose loaded rows rowInScope must check. */
export const TO_ONE_CHECKED_TYPES = new Set(["Citizen", "Agency"]);
