// Jejak audit for auditors: the audit entries of every mutation, the access log of clear reveals,
// and one citizen's history (who changed or saw their data: the data subject's right under the
// personal data protection law). Read-only: nothing here can change the trail.

import type { Context } from "../context.ts";
import { BadUserInputError } from "../errors.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { rowScope } from "../policy/scope.ts";
import { builder } from "./builder.ts";
import { pageSize } from "./lists.ts";

builder.scalarType("JSON", {
  description: "Arbitrary JSON (audit change sets).",
  serialize: (value) => value,
  parseValue: () => {
    throw new BadUserInputError("JSON is an output type only.");
  },
});

export const AuditOutcome = builder.enumType($Enums.AuditOutcome, { name: "AuditOutcome" });

builder.prismaObject("AuditEntry", {
  description: "One mutation: who did what to which record, with which outcome, in which request.",
  fields: (t) => ({
    seq: t.field({ type: "BigInt", resolve: (e) => e.seq }),
    at: t.expose("at", { type: "DateTime" }),
    actor: t.exposeString("actor"),
    role: t.exposeString("role"),
    agencyCode: t.exposeString("agencyCode", { nullable: true }),
    clientId: t.exposeString("clientId", { nullable: true }),
    operation: t.exposeString("operation", {
      nullable: true,
      description: "The GraphQL operation name, if the client gave one.",
    }),
    mutation: t.exposeString("mutation"),
    event: t.exposeString("event", { description: "CITIZEN_REGISTERED, CITIZEN_ADDRESS_CHANGED, ..." }),
    entityType: t.exposeString("entityType", { nullable: true }),
    entityId: t.exposeString("entityId", { nullable: true }),
    citizenId: t.exposeString("citizenId", { nullable: true }),
    outcome: t.expose("outcome", { type: AuditOutcome }),
    changes: t.field({
      type: "JSON",
      nullable: true,
      description:
        "Changed fields with before/after, shown through your role's read policy for the entity: a value you may not read is a keyed hash (NIK, family-card number and street always are). A purpose your policy names for AuditEntry.changes shows them as stored, and is logged.",
      // The masker reads the entity type; the reveal log, the citizen.
      select: { changes: true, entityType: true, citizenId: true },
      resolve: (e) => e.changes,
    }),
    purpose: t.exposeString("purpose", { nullable: true }),
    caseRef: t.exposeString("caseRef", { nullable: true }),
    requestId: t.exposeString("requestId", { description: "The gateway's id of the request." }),
    clientIp: t.exposeString("clientIp", { nullable: true }),
    clientRequestId: t.exposeString("clientRequestId", {
      nullable: true,
      description: "The caller's own x-request-id, kept beside the gateway's.",
    }),
    sealed: t.boolean({
      description: "Whether a seal covers this entry yet (seconds after it was written).",
      resolve: (e) => e.sealId !== null,
    }),
  }),
});

export const AccessKind = builder.enumType($Enums.AccessKind, { name: "AccessKind" });
export const LookupOutcome = builder.enumType($Enums.LookupOutcome, { name: "LookupOutcome" });

builder.prismaObject("AccessEntry", {
  description:
    "One clear reveal of a masked value (who saw which field of whose record, for which purpose), or one lookup by a full identifier, found or not.",
  fields: (t) => ({
    seq: t.field({ type: "BigInt", resolve: (e) => e.seq }),
    at: t.expose("at", { type: "DateTime" }),
    actor: t.exposeString("actor"),
    role: t.exposeString("role"),
    agencyCode: t.exposeString("agencyCode", { nullable: true }),
    clientId: t.exposeString("clientId", { nullable: true }),
    kind: t.expose("kind", { type: AccessKind }),
    citizenId: t.exposeString("citizenId", {
      nullable: true,
      description: "Whose value was shown, or who has the number looked up; null when a lookup matched no one.",
    }),
    field: t.exposeString("field"),
    outcome: t.expose("outcome", {
      type: LookupOutcome,
      nullable: true,
      description: "Lookups: what the number matched (the caller was told the same for NOT_FOUND and OUT_OF_SCOPE).",
    }),
    valueHash: t.exposeString("valueHash", {
      nullable: true,
      description: "Lookups: keyed hash of the number searched for, comparable with the hashes in AuditEntry.changes.",
    }),
    purpose: t.exposeString("purpose"),
    caseRef: t.exposeString("caseRef"),
    requestId: t.exposeString("requestId"),
  }),
});

const AuditEntryWhere = builder.inputType("AuditEntryWhere", {
  description: "All given conditions must hold.",
  fields: (t) => ({
    actor: t.string(),
    role: t.string(),
    agency: t.string({ description: "Agency code of the actor." }),
    client: t.string({ description: "Client id of a third-party app." }),
    entityType: t.string(),
    entityId: t.string(),
    citizenId: t.string(),
    operation: t.string({
      description: "Mutation name (registerCitizen), event (CITIZEN_REGISTERED) or operation name.",
    }),
    outcome: t.field({ type: [AuditOutcome] }),
    from: t.field({ type: "DateTime", description: "At or after." }),
    to: t.field({ type: "DateTime", description: "Before." }),
  }),
});

const AccessEntryWhere = builder.inputType("AccessEntryWhere", {
  fields: (t) => ({
    actor: t.string(),
    role: t.string(),
    agency: t.string(),
    client: t.string(),
    citizenId: t.string(),
    field: t.string({ description: "Type.field, e.g. Citizen.nik." }),
    kind: t.field({ type: [AccessKind] }),
    purpose: t.string(),
    from: t.field({ type: "DateTime" }),
    to: t.field({ type: "DateTime" }),
  }),
});

type Where = Record<string, unknown>;

export function timeRange(w: { from?: Date | null | undefined; to?: Date | null | undefined }): Where {
  if (w.from && w.to && w.from > w.to)
    throw new BadUserInputError('"from" must not be after "to".', { field: "where.from", rule: "time_range" });
  const at: Where = {};
  if (w.from) at.gte = w.from;
  if (w.to) at.lt = w.to;
  return Object.keys(at).length ? { at } : {};
}

function equals(pairs: Record<string, string | null | undefined>): Where {
  return Object.fromEntries(Object.entries(pairs).filter(([, v]) => v !== null && v !== undefined));
}

function auditWhere(ctx: Context, w: typeof AuditEntryWhere.$inferInput | null | undefined): Where {
  const and: Where[] = [rowScope(ctx.policy, ctx.principal, "AuditEntry")];
  if (w) {
    and.push(
      equals({
        actor: w.actor,
        role: w.role,
        agencyCode: w.agency,
        clientId: w.client,
        entityType: w.entityType,
        entityId: w.entityId,
        citizenId: w.citizenId,
      }),
      timeRange(w),
    );
    if (w.operation) and.push({ OR: [{ mutation: w.operation }, { event: w.operation }, { operation: w.operation }] });
    if (w.outcome?.length) and.push({ outcome: { in: w.outcome } });
  }
  return { AND: and };
}

function accessWhere(ctx: Context, w: typeof AccessEntryWhere.$inferInput | null | undefined): Where {
  const and: Where[] = [rowScope(ctx.policy, ctx.principal, "AccessEntry")];
  if (w) {
    and.push(
      equals({
        actor: w.actor,
        role: w.role,
        agencyCode: w.agency,
        clientId: w.client,
        citizenId: w.citizenId,
        field: w.field,
        purpose: w.purpose,
      }),
      timeRange(w),
    );
    if (w.kind?.length) and.push({ kind: { in: w.kind } });
  }
  return { AND: and };
}

builder.queryFields((t) => ({
  auditEntries: t.prismaConnection({
    type: "AuditEntry",
    cursor: "seq",
    ...pageSize,
    description: "Audit entries, newest first.",
    args: { where: t.arg({ type: AuditEntryWhere }) },
    totalCount: (_parent, args, ctx) => ctx.db.auditEntry.count({ where: auditWhere(ctx, args.where) }),
    resolve: (query, _root, args, ctx) =>
      ctx.db.auditEntry.findMany({ ...query, where: auditWhere(ctx, args.where), orderBy: { seq: "desc" } }),
  }),
  accessEntries: t.prismaConnection({
    type: "AccessEntry",
    cursor: "seq",
    ...pageSize,
    description: "Clear reveals of masked values, newest first.",
    args: { where: t.arg({ type: AccessEntryWhere }) },
    totalCount: (_parent, args, ctx) => ctx.db.accessEntry.count({ where: accessWhere(ctx, args.where) }),
    resolve: (query, _root, args, ctx) =>
      ctx.db.accessEntry.findMany({ ...query, where: accessWhere(ctx, args.where), orderBy: { seq: "desc" } }),
  }),
}));

interface HistoryEvent {
  at: Date;
  kind: "CHANGED" | "REVEALED" | "LOOKED_UP";
  actor: string;
  role: string;
  agencyCode: string | null;
  clientId: string | null;
  what: string;
  outcome: string | null;
  purpose: string | null;
  caseRef: string | null;
  requestId: string;
}

const HistoryKind = builder.enumType("CitizenAccessKind", {
  values: ["CHANGED", "REVEALED", "LOOKED_UP"] as const,
});

const CitizenAccessEvent = builder.objectRef<HistoryEvent>("CitizenAccessEvent").implement({
  description:
    "Something that happened to one citizen's data: a change (audit entry), a clear reveal or a lookup by their full number (access entries).",
  fields: (t) => ({
    at: t.expose("at", { type: "DateTime" }),
    kind: t.expose("kind", { type: HistoryKind }),
    actor: t.exposeString("actor"),
    role: t.exposeString("role"),
    agencyCode: t.exposeString("agencyCode", { nullable: true }),
    clientId: t.exposeString("clientId", { nullable: true }),
    what: t.exposeString("what", {
      description: "The event (CITIZEN_ADDRESS_CHANGED) or the field revealed (Citizen.nik).",
    }),
    outcome: t.exposeString("outcome", { nullable: true }),
    purpose: t.exposeString("purpose", { nullable: true }),
    caseRef: t.exposeString("caseRef", { nullable: true }),
    requestId: t.exposeString("requestId"),
  }),
});

builder.queryField("citizenAccessHistory", (t) =>
  t.field({
    type: [CitizenAccessEvent],
    description: "Who changed or saw this citizen's data, newest first (at most `first` events, up to 500).",
    args: { citizenId: t.arg.id({ required: true }), first: t.arg.int({ defaultValue: 100 }) },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? 100;
      if (first < 1 || first > 500)
        throw new BadUserInputError('"first" must be between 1 and 500.', { field: "first", rule: "page_size" });
      const citizenId = String(args.citizenId);
      const [changes, reveals] = await Promise.all([
        ctx.db.auditEntry.findMany({ where: auditWhere(ctx, { citizenId }), orderBy: { seq: "desc" }, take: first }),
        ctx.db.accessEntry.findMany({ where: accessWhere(ctx, { citizenId }), orderBy: { seq: "desc" }, take: first }),
      ]);
      const events: HistoryEvent[] = [
        ...changes.map((e) => ({ ...e, kind: "CHANGED" as const, what: e.event, outcome: e.outcome })),
        ...reveals.map((e) =>
          e.kind === "LOOKUP"
            ? { ...e, kind: "LOOKED_UP" as const, what: e.field, outcome: e.outcome }
            : { ...e, kind: "REVEALED" as const, what: e.field, outcome: null },
        ),
      ];
      return events.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, first);
    },
  }),
);
