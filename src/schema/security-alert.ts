// Peringatan keamanan: the alerts the rules in policies/alerts.yaml raised (monitoring/monitor.ts).
// Auditors list them; admins acknowledge them (seen, being looked into) or close them (handled), with
// a note, each an audited mutation. Closing an alert also lifts its automatic response (suspended reveals).

import { audited } from "../audit/transaction.ts";
import type { Context } from "../context.ts";
import { rejectInput } from "../domain/validate.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { rowScope } from "../policy/scope.ts";
import { timeRange } from "./audit.ts";
import { builder } from "./builder.ts";
import { pageSize } from "./lists.ts";

const SecurityAlertStatus = builder.enumType($Enums.SecurityAlertStatus, { name: "SecurityAlertStatus" });

builder.prismaObject("SecurityAlert", {
  description: "An alert rule (policies/alerts.yaml) crossed by one principal or address in one window.",
  fields: (t) => ({
    id: t.exposeID("id"),
    at: t.expose("at", { type: "DateTime", description: "When the alert was raised." }),
    rule: t.exposeString("rule"),
    severity: t.exposeString("severity", { description: "low, medium, high or critical." }),
    key: t.exposeString("key", {
      description: "What the window counted: a principal, principal|mutation, a client address or an event.",
    }),
    actor: t.exposeString("actor", { nullable: true }),
    role: t.exposeString("role", { nullable: true }),
    agencyCode: t.exposeString("agencyCode", { nullable: true }),
    clientId: t.exposeString("clientId", { nullable: true }),
    clientIp: t.exposeString("clientIp", { nullable: true }),
    windowStart: t.expose("windowStart", { type: "DateTime" }),
    windowEnd: t.expose("windowEnd", { type: "DateTime" }),
    count: t.exposeInt("count", { description: "The count when the alert was raised." }),
    threshold: t.exposeInt("threshold"),
    firstRequestId: t.exposeString("firstRequestId", { nullable: true }),
    lastRequestId: t.exposeString("lastRequestId", { nullable: true }),
    response: t.exposeString("response", {
      nullable: true,
      description: "The automatic response in force until the alert is closed (suspend_reveals).",
    }),
    status: t.expose("status", { type: SecurityAlertStatus }),
    details: t.field({ type: "JSON", nullable: true, resolve: (a) => a.details }),
    handledAt: t.expose("handledAt", { type: "DateTime", nullable: true }),
    handledBy: t.exposeString("handledBy", { nullable: true }),
    note: t.exposeString("note", { nullable: true }),
  }),
});

const SecurityAlertWhere = builder.inputType("SecurityAlertWhere", {
  description: "All given conditions must hold.",
  fields: (t) => ({
    status: t.field({ type: [SecurityAlertStatus] }),
    severity: t.stringList(),
    rule: t.string(),
    actor: t.string(),
    from: t.field({ type: "DateTime", description: "Raised at or after." }),
    to: t.field({ type: "DateTime", description: "Raised before." }),
  }),
});

function alertWhere(ctx: Context, w: typeof SecurityAlertWhere.$inferInput | null | undefined) {
  const and: Record<string, unknown>[] = [rowScope(ctx.policy, ctx.principal, "SecurityAlert")];
  if (w) {
    if (w.status?.length) and.push({ status: { in: w.status } });
    if (w.severity?.length) and.push({ severity: { in: w.severity } });
    if (w.rule) and.push({ rule: w.rule });
    if (w.actor) and.push({ actor: w.actor });
    and.push(timeRange(w));
  }
  return { AND: and };
}

builder.queryField("securityAlerts", (t) =>
  t.prismaConnection({
    type: "SecurityAlert",
    cursor: "id",
    ...pageSize,
    description: "Security alerts, newest first.",
    args: { where: t.arg({ type: SecurityAlertWhere }) },
    totalCount: (_parent, args, ctx) => ctx.db.securityAlert.count({ where: alertWhere(ctx, args.where) }),
    resolve: (query, _root, args, ctx) =>
      ctx.db.securityAlert.findMany({ ...query, where: alertWhere(ctx, args.where), orderBy: { id: "desc" } }),
  }),
);

const HandleSecurityAlertInput = builder.inputType("HandleSecurityAlertInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    note: t.string({ required: true, description: "What was found or done (required: the trail keeps it)." }),
  }),
});

/** Status moves forward only: OPEN → ACKNOWLEDGED → CLOSED, or OPEN → CLOSED. */
const FROM: Record<"ACKNOWLEDGED" | "CLOSED", $Enums.SecurityAlertStatus[]> = {
  ACKNOWLEDGED: ["OPEN"],
  CLOSED: ["OPEN", "ACKNOWLEDGED"],
};

for (const [name, status] of [
  ["acknowledgeSecurityAlert", "ACKNOWLEDGED"],
  ["closeSecurityAlert", "CLOSED"],
] as const) {
  builder.mutationField(name, (t) =>
    t.prismaField({
      type: "SecurityAlert",
      description:
        status === "CLOSED"
          ? "Closes an alert with a note; lifts its automatic response (suspended reveals)."
          : "Marks an alert as seen and being looked into, with a note.",
      args: { input: t.arg({ type: HandleSecurityAlertInput, required: true }) },
      resolve: (query, _root, { input }, ctx, info) =>
        audited(ctx, info, name, { entityType: "SecurityAlert", entityId: String(input.id) }, async (tx) => {
          const id = String(input.id);
          const note = input.note.trim();
          if (note.length === 0) rejectInput("input.note", "required", "must say what was found or done.");
          const before = await tx.securityAlert.findFirst({ where: { AND: [{ id }, alertWhere(ctx, null)] } });
          if (!before) throw new NotFoundError(`input.id: no security alert with id ${id}.`);
          const { count } = await tx.securityAlert.updateMany({
            where: { id, status: { in: FROM[status] } },
            data: { status, note, handledAt: new Date(), handledBy: ctx.principal.subject },
          });
          if (count === 0)
            throw new ConflictError(
              `The alert is ${before.status.toLowerCase()}; it cannot become ${status.toLowerCase()}.`,
            );
          const after = await tx.securityAlert.findUniqueOrThrow({ ...query, where: { id } });
          return {
            entity: after,
            entityId: id,
            before: { status: before.status, note: before.note },
            after: { status: after.status, note: after.note },
          };
        }),
    }),
  );
}
