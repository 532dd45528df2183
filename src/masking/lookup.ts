// A lookup by a full identifier (NIK, family-card number) is an access, found or not: whoever can ask
// "is this number someone?" can confirm a guessed number, so every such question needs a stated
// purpose that unlocks the field for the role, takes one unit of the caller's lookup budget, and
// leaves an access entry (kind LOOKUP) that says what it matched. The caller's answer is the same
// whether no one has the number or the one who has it is outside the caller's rows.
import { keyedValueHash } from "../audit/hash.ts";
import type { Context } from "../context.ts";
import { ForbiddenError, RateLimitedError } from "../errors.ts";
import type { $Enums } from "../generated/prisma/client.ts";
import { requestPurpose } from "./apply.ts";

/** Fields whose full value identifies one person, per type: lists are never filtered or sorted by them. */
export const IDENTIFIER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Citizen: ["nik", "familyCardNumber"],
};

export function isIdentifierField(type: string, field: string): boolean {
  return IDENTIFIER_FIELDS[type]?.includes(field) ?? false;
}

/** The rate-limit key of the caller: one budget per principal, whichever token it uses. */
const principalKey = (ctx: Context) => `${ctx.principal.kind}:${ctx.principal.subject}`;

/**
 * Refuses the lookup before any data is read unless the request states a purpose that unlocks
 * `Type.field` for the role (with a case reference), then takes one unit of the caller's budget.
 * Both decisions come from the headers, the token and the policy only.
 */
export function assertLookupAllowed(ctx: Context, type: string, field: string): void {
  const status = requestPurpose(ctx);
  const unlocked = status?.applied === true && ctx.policy.unlocks(ctx.principal.role, status.purpose, type, field);
  if (!unlocked) {
    const why = status && !status.applied ? status.reason : "no purpose stated";
    throw new ForbiddenError(
      `A lookup by a full ${type}.${field} is an access: state a purpose that unlocks ${type}.${field} for your role (x-purpose) and a case reference (x-case-ref). Here: ${why}.`,
    );
  }
  takeLookupUnit(ctx);
}

/** One unit of the caller's identifier-lookup budget (LOOKUP_RATE_LIMIT), or RATE_LIMITED. */
export function takeLookupUnit(ctx: Context): void {
  const decision = ctx.lookupLimiter.take(principalKey(ctx));
  if (!decision.allowed) {
    throw new RateLimitedError(
      `Too many lookups by a full identifier; try again in ${decision.retryAfterSeconds} s.`,
      decision.retryAfterSeconds,
    );
  }
}

/**
 * Records a lookup for the access log (written before the response leaves, like every reveal).
 * `citizenId` is the citizen who has the number, in the caller's rows or not: auditors see the truth.
 */
export function noteLookup(
  ctx: Context,
  type: string,
  field: string,
  value: string,
  outcome: $Enums.LookupOutcome,
  citizenId: string | null,
): void {
  ctx.reveals.push({
    kind: "LOOKUP",
    citizenId,
    field: `${type}.${field}`,
    outcome,
    valueHash: keyedValueHash(ctx.auditKey, value) ?? "",
  });
}
