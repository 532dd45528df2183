// Riwayat layanan: services given to citizens.
import { audited } from "../audit/transaction.ts";
import { notBlank } from "../domain/validate.ts";
import { ForbiddenError } from "../errors.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";
import { citizenInScope } from "./mutations.ts";

export const ServiceChannel = builder.enumType($Enums.ServiceChannel, { name: "ServiceChannel" });
export const ServiceOutcome = builder.enumType($Enums.ServiceOutcome, { name: "ServiceOutcome" });

builder.prismaObject("ServiceRecord", {
  description: "Riwayat layanan: one service given to a citizen.",
  fields: (t) => ({
    id: t.exposeID("id"),
    citizen: t.relation("citizen"),
    agency: t.relation("agency"),
    serviceType: t.exposeString("serviceType"),
    channel: t.expose("channel", { type: ServiceChannel }),
    servedBy: t.exposeString("servedBy"),
    servedAt: t.expose("servedAt", { type: "DateTime" }),
    outcome: t.expose("outcome", { type: ServiceOutcome }),
  }),
});

const ServiceRecordWhere = builder.inputType("ServiceRecordWhere", {
  fields: (t) => ({
    citizenId: t.field({ type: StringFilter }),
    agencyId: t.field({ type: StringFilter }),
    serviceType: t.field({ type: StringFilter }),
    channel: t.field({ type: [ServiceChannel] }),
    outcome: t.field({ type: [ServiceOutcome] }),
  }),
});

addRootQueries({
  one: "serviceRecord",
  many: "serviceRecords",
  model: "ServiceRecord",
  where: ServiceRecordWhere,
  orderFields: ["servedAt", "serviceType"],
});

// ---------------------------------------------------------------------------------------------
// Mutations (front-office staff record the services they give).

const RecordServiceInput = builder.inputType("RecordServiceInput", {
  fields: (t) => ({
    citizenId: t.id({ required: true }),
    serviceType: t.string({ required: true }),
    channel: t.field({ type: ServiceChannel, required: true }),
    outcome: t.field({ type: ServiceOutcome, required: true }),
  }),
});

builder.mutationField("recordService", (t) =>
  t.prismaField({
    type: "ServiceRecord",
    description: "Records a service given now by the calling officer, under the officer's agency.",
    args: { input: t.arg({ type: RecordServiceInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "recordService",
        { entityType: "ServiceRecord", citizenId: String(input.citizenId) },
        async (tx) => {
          const code = ctx.principal.agencyCode;
          const agency = code ? await tx.agency.findUnique({ where: { code } }) : null;
          if (!agency) throw new ForbiddenError("Your token names no agency, so you cannot record a service.");
          const citizen = await citizenInScope(ctx, tx, input.citizenId, "input.citizenId");
          const data = {
            citizenId: citizen.id,
            agencyId: agency.id,
            serviceType: notBlank("input.serviceType", input.serviceType),
            channel: input.channel,
            outcome: input.outcome,
            servedBy: ctx.principal.subject,
            servedAt: new Date(),
          };
          const created = await tx.serviceRecord.create({ ...query, data });
          return { entity: created, entityId: created.id, citizenId: citizen.id, before: null, after: data };
        },
      ),
  }),
);
