// The masking step: sensitive fields come out masked unless the caller's role sees them clear, or
// the role allows the stated purpose (x-purpose, with a case reference in x-case-ref) to unlock
// them. Each clear reveal is noted on the context and written as an access entry (use-access-log.ts).
import type { GraphQLSchema } from "graphql";
import type { IMiddlewareFunction } from "graphql-middleware";
import type { Context } from "../context.ts";
import type { Policy } from "../policy/policy.ts";
import { MASKERS } from "./maskers.ts";

export interface Reveal {
  citizenId: string;
  /** `Type.field` */
  field: string;
}

/** True when this request may see `type.field` clear because of its stated purpose. */
function purposeUnlocks(policy: Policy, ctx: Context, type: string, field: string): boolean {
  const { purpose, caseRef, principal } = ctx;
  if (!purpose || !caseRef) return false;
  // A token that lists purposes narrows what the policy allows; it can never widen it.
  if (principal.purposes.length > 0 && !principal.purposes.includes(purpose)) return false;
  return policy.unlocks(principal.role, purpose, type, field);
}

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
        const row = parent as { id: string; citizenId?: string };
        ctx.reveals.push({ citizenId: type === "Citizen" ? row.id : (row.citizenId ?? row.id), field: ref });
        return value;
      }
      return MASKERS[access.masker](value, parent);
    };
  }
  return map;
}
