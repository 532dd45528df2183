// Pajak daerah: regional tax assessments and payments.
import { audited } from "../audit/transaction.ts";
import {
  checkPeriod,
  dateInRange,
  notBlank,
  PLAUSIBLE,
  positiveAmount,
  rejectInput,
  yearsFromToday,
} from "../domain/validate.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, DateFilter, DecimalFilter, StringFilter } from "./lists.ts";
import { citizenInScope, loadForUpdate, ownAgency, updateVersioned } from "./mutations.ts";

export const TaxType = builder.enumType($Enums.TaxType, { name: "TaxType" });
export const TaxStatus = builder.enumType($Enums.TaxStatus, { name: "TaxStatus" });

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
  where: TaxRecordWhere,
  orderFields: ["period", "dueDate", "assessedAmount"],
});

// ---------------------------------------------------------------------------------------------
// Mutations (tax officers of a revenue agency).

const AssessTaxInput = builder.inputType("AssessTaxInput", {
  fields: (t) => ({
    citizenId: t.id({ required: true }),
    taxType: t.field({ type: TaxType, required: true }),
    taxObjectNumber: t.string({ required: true }),
    period: t.string({ required: true, description: "YYYY or YYYY-MM." }),
    assessedAmount: t.field({ type: "Decimal", required: true }),
    dueDate: t.field({ type: "Date", required: true }),
  }),
});

builder.mutationField("assessTax", (t) =>
  t.prismaField({
    type: "TaxRecord",
    description: "Assesses a tax for a citizen, recorded under the officer's own revenue agency.",
    args: { input: t.arg({ type: AssessTaxInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(ctx, info, "assessTax", { entityType: "TaxRecord", citizenId: String(input.citizenId) }, async (tx) => {
        const agency = await ownAgency(ctx, tx, ["REVENUE"]);
        const citizen = await citizenInScope(ctx, tx, input.citizenId, "input.citizenId");
        checkPeriod("input.period", input.period);
        positiveAmount("input.assessedAmount", input.assessedAmount);
        dateInRange(
          "input.dueDate",
          input.dueDate,
          `${PLAUSIBLE.earliestRecordYear}-01-01`,
          yearsFromToday(PLAUSIBLE.dueDateYearsAhead),
        );
        const data = {
          citizenId: citizen.id,
          agencyId: agency.id,
          taxType: input.taxType,
          taxObjectNumber: notBlank("input.taxObjectNumber", input.taxObjectNumber),
          period: input.period,
          assessedAmount: input.assessedAmount,
          dueDate: input.dueDate,
        };
        const created = await tx.taxRecord.create({ ...query, data });
        return { entity: created, entityId: created.id, citizenId: citizen.id, before: null, after: data };
      }),
  }),
);

const RecordTaxPaymentInput = builder.inputType("RecordTaxPaymentInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
    amount: t.field({ type: "Decimal", required: true }),
    paidAt: t.field({ type: "DateTime", required: true }),
  }),
});

builder.mutationField("recordTaxPayment", (t) =>
  t.prismaField({
    type: "TaxRecord",
    description: "Records a payment against an assessment; paying more than is owed is refused.",
    args: { input: t.arg({ type: RecordTaxPaymentInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(ctx, info, "recordTaxPayment", { entityType: "TaxRecord", entityId: String(input.id) }, async (tx) => {
        const id = String(input.id);
        const before = await loadForUpdate(ctx, tx, "TaxRecord", id, input.version);
        positiveAmount("input.amount", input.amount);
        if (input.paidAt.getTime() > Date.now())
          rejectInput("input.paidAt", "not_in_future", "must not be in the future.");
        dateInRange("input.paidAt", input.paidAt, `${PLAUSIBLE.earliestRecordYear}-01-01`, null);
        if (before.status === "CANCELLED" || before.status === "PAID") {
          rejectInput(
            "input.id",
            "status_transition",
            `the assessment is ${before.status}; no payment can be recorded.`,
          );
        }
        const paid = before.paidAmount.add(input.amount);
        if (paid.greaterThan(before.assessedAmount))
          rejectInput("input.amount", "overpayment", "is more than what is still owed.");
        const payment = {
          paidAmount: paid.toFixed(2),
          paidAt: input.paidAt,
          status: paid.equals(before.assessedAmount) ? ("PAID" as const) : ("PARTIALLY_PAID" as const),
        };
        const after = await updateVersioned(tx, "TaxRecord", id, input.version, payment, query);
        return { entity: after, entityId: id, citizenId: before.citizenId, before, after };
      }),
  }),
);
