// Pajak daerah: regional tax assessments and payments.
import { builder } from "./builder.ts";
import { addRootQueries, DateFilter, DecimalFilter, StringFilter } from "./lists.ts";

export const TaxType = builder.enumType("TaxType", {
  values: ["LAND_AND_BUILDING", "LAND_TRANSFER", "VEHICLE", "RESTAURANT", "HOTEL", "ADVERTISEMENT"] as const,
});
export const TaxStatus = builder.enumType("TaxStatus", {
  values: ["ASSESSED", "PARTIALLY_PAID", "PAID", "CANCELLED"] as const,
});

builder.prismaObject("TaxRecord", {
  description: "Pajak daerah: one assessment of a regional tax and what has been paid.",
  fields: (t) => ({
    id: t.exposeID("id"),
    citizen: t.relation("citizen"),
    agency: t.relation("agency"),
    taxType: t.expose("taxType", { type: TaxType }),
    taxObjectNumber: t.exposeString("taxObjectNumber", { description: "Nomor objek pajak (NOP)." }),
    period: t.exposeString("period", { description: "YYYY or YYYY-MM." }),
    assessedAmount: t.expose("assessedAmount", { type: "Decimal" }),
    paidAmount: t.expose("paidAmount", { type: "Decimal" }),
    status: t.expose("status", { type: TaxStatus }),
    dueDate: t.expose("dueDate", { type: "Date" }),
    paidAt: t.expose("paidAt", { type: "DateTime", nullable: true }),
    version: t.exposeInt("version"),
  }),
});

const TaxRecordWhere = builder.inputType("TaxRecordWhere", {
  fields: (t) => ({
    citizenId: t.field({ type: StringFilter }),
    agencyId: t.field({ type: StringFilter }),
    taxType: t.field({ type: [TaxType] }),
    taxObjectNumber: t.field({ type: StringFilter }),
    period: t.field({ type: StringFilter }),
    status: t.field({ type: [TaxStatus] }),
    dueDate: t.field({ type: DateFilter }),
    assessedAmount: t.field({ type: DecimalFilter }),
  }),
});

addRootQueries({
  one: "taxRecord",
  many: "taxRecords",
  model: "TaxRecord",
  delegate: (db) => db.taxRecord,
  where: TaxRecordWhere as never,
  orderFields: ["period", "dueDate", "assessedAmount"],
});
