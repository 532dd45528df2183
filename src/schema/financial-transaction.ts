// Transaksi keuangan daerah: regional finance transactions.
import { audited } from "../audit/transaction.ts";
import { checkBackdateWindow, notBlank, positiveAmount, rejectInput } from "../domain/validate.ts";
import { ConflictError } from "../errors.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, DateFilter, DecimalFilter, StringFilter } from "./lists.ts";
import { ownAgency } from "./mutations.ts";

export const Direction = builder.enumType($Enums.Direction, { name: "Direction" });

builder.prismaObject("FinancialTransaction", {
  description: "Transaksi keuangan daerah: never back-dated beyond the configured window.",
  fields: (t) => ({
    id: t.exposeID("id"),
    agency: t.relation("agency"),
    accountCode: t.exposeString("accountCode"),
    amount: t.expose("amount", { type: "Decimal" }),
    direction: t.expose("direction", { type: Direction }),
    transactionDate: t.expose("transactionDate", { type: "Date" }),
    recordedAt: t.expose("recordedAt", { type: "DateTime" }),
    reference: t.exposeString("reference", { description: "Unique reference (nomor bukti)." }),
  }),
});

const FinancialTransactionWhere = builder.inputType("FinancialTransactionWhere", {
  fields: (t) => ({
    agencyId: t.field({ type: StringFilter }),
    accountCode: t.field({ type: StringFilter }),
    direction: t.field({ type: [Direction] }),
    transactionDate: t.field({ type: DateFilter }),
    amount: t.field({ type: DecimalFilter }),
    reference: t.field({ type: StringFilter }),
  }),
});

addRootQueries({
  one: "financialTransaction",
  many: "financialTransactions",
  model: "FinancialTransaction",
  where: FinancialTransactionWhere,
  orderFields: ["transactionDate", "recordedAt", "amount"],
});

// ---------------------------------------------------------------------------------------------
// Mutations (finance officers of their own agency).

const RecordFinancialTransactionInput = builder.inputType("RecordFinancialTransactionInput", {
  fields: (t) => ({
    accountCode: t.string({ required: true }),
    amount: t.field({ type: "Decimal", required: true }),
    direction: t.field({ type: Direction, required: true }),
    transactionDate: t.field({ type: "Date", required: true }),
    reference: t.string({ required: true, description: "Unique reference (nomor bukti)." }),
  }),
});

builder.mutationField("recordFinancialTransaction", (t) =>
  t.prismaField({
    type: "FinancialTransaction",
    description: "Records a transaction of the officer's agency; not back-dated beyond the configured window.",
    args: { input: t.arg({ type: RecordFinancialTransactionInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(ctx, info, "recordFinancialTransaction", { entityType: "FinancialTransaction" }, async (tx) => {
        const agency = await ownAgency(ctx, tx, ["FINANCE"]);
        if (!/^[0-9]+(\.[0-9]+)*$/.test(input.accountCode))
          rejectInput("input.accountCode", "account_code_format", "must be digits separated by dots, e.g. 5.1.02.01.");
        positiveAmount("input.amount", input.amount);
        await checkBackdateWindow(tx, "input.transactionDate", input.transactionDate);
        const data = {
          agencyId: agency.id,
          accountCode: input.accountCode,
          amount: input.amount,
          direction: input.direction,
          transactionDate: input.transactionDate,
          reference: notBlank("input.reference", input.reference),
        };
        if (await tx.financialTransaction.findUnique({ where: { reference: data.reference }, select: { id: true } })) {
          throw new ConflictError("input.reference: a transaction with this reference is already recorded.", {
            field: "input.reference",
          });
        }
        const created = await tx.financialTransaction.create({ ...query, data });
        return { entity: created, entityId: created.id, before: null, after: data };
      }),
  }),
);
