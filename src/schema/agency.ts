// Instansi: government agencies and what each of them holds.
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter, scopedRelation } from "./lists.ts";

export const AgencyKind = builder.enumType($Enums.AgencyKind, { name: "AgencyKind" });

builder.prismaObject("Agency", {
  description: "Instansi / dinas: a government agency.",
  fields: (t) => ({
    id: t.exposeID("id"),
    code: t.exposeString("code"),
    name: t.exposeString("name"),
    kind: t.expose("kind", { type: AgencyKind }),
    region: t.relation("region"),
    taxRecords: t.relatedConnection("taxRecords", scopedRelation("TaxRecord")),
    permits: t.relatedConnection("permits", scopedRelation("Permit")),
    financialTransactions: t.relatedConnection("financialTransactions", scopedRelation("FinancialTransaction")),
    archiveDocuments: t.relatedConnection("archiveDocuments", scopedRelation("ArchiveDocument")),
    serviceRecords: t.relatedConnection("serviceRecords", scopedRelation("ServiceRecord")),
  }),
});

const AgencyWhere = builder.inputType("AgencyWhere", {
  fields: (t) => ({
    code: t.field({ type: StringFilter }),
    name: t.field({ type: StringFilter }),
    kind: t.field({ type: [AgencyKind] }),
    regionCode: t.field({ type: StringFilter }),
  }),
});

addRootQueries({
  one: "agency",
  many: "agencies",
  model: "Agency",
  where: AgencyWhere,
  orderFields: ["code", "name"],
});
