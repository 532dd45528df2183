// Transaksi keuangan daerah: regional finance transactions.
import { builder } from "./builder.ts";
import { addRootQueries, DateFilter, DecimalFilter, StringFilter } from "./lists.ts";

export const Direction = builder.enumType("Direction", { values: ["DEBIT", "CREDIT"] as const });

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
  delegate: (db) => db.financialTransaction,
  where: FinancialTransactionWhere as never,
  orderFields: ["transactionDate", "recordedAt", "amount"],
});
