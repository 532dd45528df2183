// Writes the clear reveals and identifier lookups of a request as access entries before the response
// leaves. If they cannot be written, the response carries no data: a clear value is never shown, and
// no lookup answered, unrecorded.
import type { Plugin } from "graphql-yoga";
import { accessHash } from "../audit/hash.ts";
import type { Context } from "../context.ts";
import { UnavailableError } from "../errors.ts";

export function useAccessLog(): Plugin<Context> {
  return {
    onExecute() {
      return {
        async onExecuteDone({ args, setResult }) {
          const ctx = args.contextValue as Context;
          if (!ctx.reveals?.length) return;
          // One entry per reveal of a citizen's field, and per identifier looked up.
          const unique = new Map(
            ctx.reveals.map((r) => [`${r.kind ?? "REVEAL"}|${r.citizenId}|${r.field}|${r.valueHash ?? ""}`, r]),
          );
          try {
            // Each entry carries its keyed hash, like an audit entry: the sealer seals it and verify
            // checks it, so a forged or deleted reveal shows.
            const at = new Date();
            await ctx.db.accessEntry.createMany({
              data: [...unique.values()].map((r) => {
                const content = {
                  at,
                  actor: ctx.principal.subject,
                  role: ctx.principal.role,
                  agencyCode: ctx.principal.agencyCode ?? null,
                  clientId: ctx.principal.kind === "client" ? ctx.principal.subject : null,
                  kind: r.kind ?? "REVEAL",
                  citizenId: r.citizenId,
                  field: r.field,
                  outcome: r.outcome ?? null,
                  valueHash: r.valueHash ?? null,
                  purpose: ctx.purpose ?? "",
                  caseRef: ctx.caseRef ?? "",
                  requestId: ctx.requestId,
                };
                return { ...content, hash: accessHash(ctx.auditKey, content) };
              }),
            });
          } catch {
            setResult({
              data: null,
              errors: [
                new UnavailableError("Clear values could not be recorded in the access log, so none are shown."),
              ],
            });
          }
        },
      };
    },
  };
}
