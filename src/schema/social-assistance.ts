// Bantuan sosial (bansos): assistance programs a citizen receives.
import { audited } from "../audit/transaction.ts";
import { checkPeriod, notBlank, PLAUSIBLE, positiveAmount, rejectInput } from "../domain/validate.ts";
import { ConflictError } from "../errors.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";
import { citizenInScope, loadForUpdate, updateVersioned } from "./mutations.ts";

export const AssistanceStatus = builder.enumType($Enums.AssistanceStatus, { name: "AssistanceStatus" });

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
  where: SocialAssistanceWhere,
  orderFields: ["program", "period"],
});

// ---------------------------------------------------------------------------------------------
// Mutations (social-affairs officers). One citizen, one program, one period; living citizens only.

const EnrollSocialAssistanceInput = builder.inputType("EnrollSocialAssistanceInput", {
  fields: (t) => ({
    citizenId: t.id({ required: true }),
    program: t.string({ required: true, description: "e.g. PKH, BPNT, BLT." }),
    period: t.string({ required: true, description: "YYYY or YYYY-MM." }),
    amount: t.field({ type: "Decimal", required: true }),
  }),
});

builder.mutationField("enrollSocialAssistance", (t) =>
  t.prismaField({
    type: "SocialAssistance",
    description: "Enrolls a living citizen in a program for a period (once per citizen, program and period).",
    args: { input: t.arg({ type: EnrollSocialAssistanceInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "enrollSocialAssistance",
        { entityType: "SocialAssistance", citizenId: String(input.citizenId) },
        async (tx) => {
          const citizen = await citizenInScope(ctx, tx, input.citizenId, "input.citizenId");
          if (citizen.status !== "ALIVE")
            rejectInput("input.citizenId", "living_citizen", "only living citizens can receive social assistance.");
          checkPeriod("input.period", input.period);
          positiveAmount("input.amount", input.amount, PLAUSIBLE.maxAssistanceAmount);
          const data = {
            citizenId: citizen.id,
            program: notBlank("input.program", input.program),
            period: input.period,
            amount: input.amount,
          };
          const existing = await tx.socialAssistance.findUnique({
            where: {
              citizenId_program_period: { citizenId: data.citizenId, program: data.program, period: data.period },
            },
            select: { id: true },
          });
          if (existing)
            throw new ConflictError("input: this citizen is already enrolled in this program for this period.", {
              field: "input.period",
            });
          const created = await tx.socialAssistance.create({ ...query, data });
          return { entity: created, entityId: created.id, citizenId: citizen.id, before: null, after: data };
        },
      ),
  }),
);

const EndSocialAssistanceInput = builder.inputType("EndSocialAssistanceInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
  }),
});

builder.mutationField("endSocialAssistance", (t) =>
  t.prismaField({
    type: "SocialAssistance",
    description: "Ends an active enrollment.",
    args: { input: t.arg({ type: EndSocialAssistanceInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "endSocialAssistance",
        { entityType: "SocialAssistance", entityId: String(input.id) },
        async (tx) => {
          const id = String(input.id);
          const before = await loadForUpdate(ctx, tx, "SocialAssistance", id, input.version);
          if (before.status !== "ACTIVE")
            rejectInput("input.id", "status_transition", "the enrollment has already ended.");
          const after = await updateVersioned(tx, "SocialAssistance", id, input.version, { status: "ENDED" }, query);
          return { entity: after, entityId: id, citizenId: before.citizenId, before, after };
        },
      ),
  }),
);
