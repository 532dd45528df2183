// Bantuan sosial (bansos): assistance programs a citizen receives.
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";

export const AssistanceStatus = builder.enumType("AssistanceStatus", { values: ["ACTIVE", "ENDED"] as const });

builder.prismaObject("SocialAssistance", {
  description: "Bansos: one citizen in one program for one period.",
  fields: (t) => ({
    id: t.exposeID("id"),
    citizen: t.relation("citizen"),
    program: t.exposeString("program"),
    period: t.exposeString("period"),
    amount: t.expose("amount", { type: "Decimal" }),
    status: t.expose("status", { type: AssistanceStatus }),
    version: t.exposeInt("version"),
  }),
});

const SocialAssistanceWhere = builder.inputType("SocialAssistanceWhere", {
  fields: (t) => ({
    citizenId: t.field({ type: StringFilter }),
    program: t.field({ type: StringFilter }),
    period: t.field({ type: StringFilter }),
    status: t.field({ type: [AssistanceStatus] }),
  }),
});

addRootQueries({
  one: "socialAssistance",
  many: "socialAssistances",
  model: "SocialAssistance",
  delegate: (db) => db.socialAssistance,
  where: SocialAssistanceWhere as never,
  orderFields: ["program", "period"],
});
