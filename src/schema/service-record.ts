// Riwayat layanan: services given to citizens.
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";

export const ServiceChannel = builder.enumType("ServiceChannel", { values: ["COUNTER", "ONLINE", "MOBILE"] as const });
export const ServiceOutcome = builder.enumType("ServiceOutcome", {
  values: ["COMPLETED", "PENDING", "REJECTED", "REFERRED"] as const,
});

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
  delegate: (db) => db.serviceRecord,
  where: ServiceRecordWhere as never,
  orderFields: ["servedAt", "serviceType"],
});
