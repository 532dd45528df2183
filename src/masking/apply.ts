// The masking step: sensitive fields come out masked unless the caller's role sees them clear, or
// the role allows the stated purpose (x-purpose, with a case reference in x-case-ref) to unlock
// them. Each clear reveal is noted on the context and written as an access entry (use-access-log.ts).
import type { GraphQLSchema } from "graphql";
import type { IMiddlewareFunction } from "graphql-middleware";
import { keyedValueHash } from "../audit/hash.ts";
import type { Principal } from "../auth/principal.ts";
import type { Context } from "../context.ts";
import type { Policy } from "../policy/policy.ts";
import type { ChangeReader } from "./changes.ts";
import { MASKERS } from "./maskers.ts";

/** One access-log entry in the making: a clear value shown, or a lookup by a full identifier. */
export interface Reveal {
  /** REVEAL when absent. */
  kind?: "REVEAL" | "LOOKUP";
  /** Whose value; null for a lookup that matched no one or a value that belongs to no citizen. */
  citizenId: string | null;
  /** `Type.field` */
  field: string;
  /** Lookups: what the identifier matched, and its keyed hash. */
  outcome?: "FOUND" | "NOT_FOUND" | "OUT_OF_SCOPE";
  valueHash?: string;
}

/**
 * What became of the purpose a request states (`x-purpose`, `x-case-ref`), returned to the caller in
 * the response's `extensions.masking` so that a value left masked is not a mystery. Decided from the
 * headers, the token and the policy alone, never from the data, so it tells the caller nothing about
 * any record. `undefined`: the request states no purpose and no case reference.
 */
export type PurposeStatus = PurposeApplied | PurposeRefused;

/** The purpose is accepted: the fields in `unlocks` (`Type.field`) come out clear, each reveal logged. */
export interface PurposeApplied {
  purpose: string;
  applied: true;
  unlocks: string[];
}

/** Nothing is unlocked; `reason` names what is missing or not allowed. `purpose` null: none stated. */
export interface PurposeRefused {
  purpose: string | null;
  applied: false;
  reason: string;
}

export function purposeStatus(
  policy: Policy,
  principal: Principal,
  purpose: string | undefined,
  caseRef: string | undefined,
): PurposeStatus | undefined {
  if (!purpose) {
    return caseRef
      ? { purpose: null, applied: false, reason: "x-purpose header missing: a case reference alone unlocks nothing" }
      : undefined;
  }
  if (!caseRef) {
    return { purpose, applied: false, reason: "x-case-ref header missing: a clear value needs a case reference" };
  }
  const granted = policy.role(principal.role)?.purposes;
  const unlocks = granted?.get(purpose);
  if (!granted || !unlocks) {
    const named = [...(granted?.keys() ?? [])];
    const holds = named.length ? `its purposes are ${named.join(", ")}` : "it has none";
    return { purpose, applied: false, reason: `role ${principal.role} may not state purpose "${purpose}": ${holds}` };
  }
  // A token that lists purposes narrows what the policy allows; it can never widen it.
  if (principal.purposes.length > 0 && !principal.purposes.includes(purpose)) {
    const reason = `your token does not allow purpose "${purpose}": it allows ${principal.purposes.join(", ")}`;
    return { purpose, applied: false, reason };
  }
  return { purpose, applied: true, unlocks: [...unlocks].sort() };
}

// Decided once per request: the masking step asks for every masked value of every row.
const statuses = new WeakMap<Context, PurposeStatus | undefined>();

/** The purpose status of this request (see purposeStatus). */
export function requestPurpose(ctx: Context): PurposeStatus | undefined {
  if (!statuses.has(ctx)) {
    let status = purposeStatus(ctx.policy, ctx.principal, ctx.purpose, ctx.caseRef);
    // An open alert whose rule suspends reveals (policies/alerts.yaml) outranks every purpose.
    if (status?.applied && ctx.monitor.revealsSuspended(ctx.principal.subject)) {
      const reason = "clear values are suspended for you by an open security alert; an admin must close it";
      status = { purpose: status.purpose, applied: false, reason };
    }
    statuses.set(ctx, status);
  }
  return statuses.get(ctx);
}

/** True when this request may see `type.field` clear because of its stated purpose. */
function purposeUnlocks(policy: Policy, ctx: Context, type: string, field: string): boolean {
  const status = requestPurpose(ctx);
  return status?.applied === true && policy.unlocks(ctx.principal.role, status.purpose, type, field);
}

/** How this request's role reads each entity, for the values inside audit entries (masking/changes.ts). */
export function changeReader(policy: Policy, ctx: Pick<Context, "principal" | "auditKey">): ChangeReader {
  return {
    access: (type, field) => policy.access(ctx.principal.role, type, field),
    mask(masker, value) {
      const mask = (MASKERS as Record<string, (value: unknown, row: unknown) => unknown>)[masker];
      // Values are stored as text; dates as ISO 8601, which the date maskers take as dates.
      const revived = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) ? new Date(value) : value;
      try {
        const masked = mask?.(revived, {});
        return typeof masked === "string" && masked !== "" ? masked : undefined;
      } catch {
        return undefined; // a masker that needs more than the value (the address): hashed instead
      }
    },
    hash: (value) => keyedValueHash(ctx.auditKey, value),
  };
}

// One per request: the masking step runs for every masked value of every row.
const readers = new WeakMap<Context, ChangeReader>();

export function maskingMiddleware(policy: Policy, _schema: GraphQLSchema) {
  // Only fields that some role sees masked are wrapped; every other field runs untouched.
  const masked = new Set<string>();
  for (const role of policy.roles.values()) {
    for (const [ref, access] of role.fields) if (access.kind === "masked") masked.add(ref);
  }
  const map: Record<string, Record<string, IMiddlewareFunction>> = {};
  for (const ref of masked) {
    const [type, field] = ref.split(".") as [string, string];
    map[type] ??= {};
    map[type][field] = async (resolve, parent, args, ctx: Context, info) => {
      const value = await resolve(parent, args, ctx, info);
      if (value === null || value === undefined) return value;
      const access = policy.access(ctx.principal.role, type, field);
      if (access?.kind === "clear") return value;
      if (!access) return null; // unreachable: shield denied the field before it resolved
      if (purposeUnlocks(policy, ctx, type, field)) {
        const row = parent as { id?: string; citizenId?: string | null };
        const citizenId = type === "Citizen" ? row.id : row.citizenId !== undefined ? row.citizenId : row.id;
        ctx.reveals.push({ citizenId: citizenId ?? null, field: ref });
        return value;
      }
      let reader = readers.get(ctx);
      if (!reader) {
        reader = changeReader(policy, ctx);
        readers.set(ctx, reader);
      }
      return MASKERS[access.masker](value, parent, reader);
    };
  }
  return map;
}
