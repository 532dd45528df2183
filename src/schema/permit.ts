// Perizinan: permit applications and their decisions.
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";

export const PermitStatus = builder.enumType("PermitStatus", {
  values: ["SUBMITTED", "UNDER_REVIEW", "APPROVED", "REJECTED", "REVOKED"] as const,
  description: "SUBMITTED → UNDER_REVIEW → APPROVED | REJECTED; APPROVED → REVOKED.",
});

builder.prismaObject("Permit", {
  description: "Perizinan: a permit application and its decision.",
  fields: (t) => ({
    id: t.exposeID("id"),
    applicant: t.relation("applicant"),
    agency: t.relation("agency"),
    permitType: t.exposeString("permitType"),
    status: t.expose("status", { type: PermitStatus }),
    documentNumber: t.exposeString("documentNumber", { nullable: true }),
    submittedAt: t.expose("submittedAt", { type: "DateTime" }),
    decidedBy: t.exposeString("decidedBy", { nullable: true }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", nullable: true }),
    validUntil: t.expose("validUntil", { type: "Date", nullable: true }),
    version: t.exposeInt("version"),
  }),
});

const PermitWhere = builder.inputType("PermitWhere", {
  fields: (t) => ({
    applicantId: t.field({ type: StringFilter }),
    agencyId: t.field({ type: StringFilter }),
    permitType: t.field({ type: StringFilter }),
    status: t.field({ type: [PermitStatus] }),
    documentNumber: t.field({ type: StringFilter }),
  }),
});

addRootQueries({
  one: "permit",
  many: "permits",
  model: "Permit",
  delegate: (db) => db.permit,
  where: PermitWhere as never,
  orderFields: ["submittedAt", "permitType"],
});
