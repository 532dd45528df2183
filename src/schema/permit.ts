// Perizinan: permit applications and their decisions.
import { audited } from "../audit/transaction.ts";
import { dateInRange, notBlank, PLAUSIBLE, rejectInput, yearsFromToday } from "../domain/validate.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";
import { citizenInScope, loadForUpdate, ownAgency, updateVersioned } from "./mutations.ts";

export const PermitStatus = builder.enumType($Enums.PermitStatus, {
  name: "PermitStatus",
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
  where: PermitWhere,
  orderFields: ["submittedAt", "permitType"],
});

// ---------------------------------------------------------------------------------------------
// Mutations (licensing officers of the permit's agency). The workflow is the same one the database
// enforces: SUBMITTED → UNDER_REVIEW → APPROVED | REJECTED; APPROVED → REVOKED.

const SubmitPermitInput = builder.inputType("SubmitPermitInput", {
  fields: (t) => ({
    applicantId: t.id({ required: true }),
    permitType: t.string({ required: true }),
  }),
});

builder.mutationField("submitPermit", (t) =>
  t.prismaField({
    type: "Permit",
    description: "Submits a permit application to the officer's own licensing agency.",
    args: { input: t.arg({ type: SubmitPermitInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(ctx, info, "submitPermit", { entityType: "Permit", citizenId: String(input.applicantId) }, async (tx) => {
        const agency = await ownAgency(ctx, tx, ["LICENSING"]);
        const applicant = await citizenInScope(ctx, tx, input.applicantId, "input.applicantId");
        if (applicant.status !== "ALIVE")
          rejectInput("input.applicantId", "living_applicant", "the applicant must be a living citizen.");
        const data = {
          applicantId: applicant.id,
          agencyId: agency.id,
          permitType: notBlank("input.permitType", input.permitType),
        };
        const created = await tx.permit.create({ ...query, data });
        return {
          entity: created,
          entityId: created.id,
          citizenId: applicant.id,
          before: null,
          after: { ...data, status: created.status },
        };
      }),
  }),
);

const PermitDecisionInput = builder.inputType("PermitDecisionInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
  }),
});

const ApprovePermitInput = builder.inputType("ApprovePermitInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
    documentNumber: t.string({ required: true, description: "Unique across all permits." }),
    validUntil: t.field({ type: "Date", required: true }),
  }),
});

/** One workflow step: load in scope at the version read, check the step is allowed, move. */
function permitStep(
  field: "reviewPermit" | "approvePermit" | "rejectPermit" | "revokePermit",
  from: $Enums.PermitStatus,
  to: $Enums.PermitStatus,
  description: string,
) {
  const input = field === "approvePermit" ? ApprovePermitInput : PermitDecisionInput;
  builder.mutationField(field, (t) =>
    t.prismaField({
      type: "Permit",
      description,
      args: { input: t.arg({ type: input as typeof ApprovePermitInput, required: true }) },
      resolve: (query, _root, { input }, ctx, info) =>
        audited(ctx, info, field, { entityType: "Permit", entityId: String(input.id) }, async (tx) => {
          const id = String(input.id);
          const before = await loadForUpdate(ctx, tx, "Permit", id, input.version);
          if (before.status !== from) {
            rejectInput(
              "input.id",
              "permit_status_transition",
              `the permit is ${before.status}; only a ${from} permit can become ${to}.`,
            );
          }
          const decision = to === "UNDER_REVIEW" ? {} : { decidedBy: ctx.principal.subject, decidedAt: new Date() };
          const approval =
            field === "approvePermit"
              ? {
                  documentNumber: notBlank("input.documentNumber", input.documentNumber),
                  validUntil: input.validUntil,
                }
              : {};
          if (field === "approvePermit" && input.validUntil.getTime() <= Date.now()) {
            rejectInput("input.validUntil", "future_date", "must be after today.");
          }
          if (field === "approvePermit")
            dateInRange("input.validUntil", input.validUntil, null, yearsFromToday(PLAUSIBLE.validUntilYearsAhead));
          const after = await updateVersioned(
            tx,
            "Permit",
            id,
            input.version,
            { status: to, ...decision, ...approval },
            query,
          );
          return { entity: after, entityId: id, citizenId: before.applicantId, before, after };
        }),
    }),
  );
}

permitStep("reviewPermit", "SUBMITTED", "UNDER_REVIEW", "Starts the review of a submitted permit.");
permitStep(
  "approvePermit",
  "UNDER_REVIEW",
  "APPROVED",
  "Approves a permit under review, with its unique document number.",
);
permitStep("rejectPermit", "UNDER_REVIEW", "REJECTED", "Rejects a permit under review.");
permitStep("revokePermit", "APPROVED", "REVOKED", "Revokes an approved permit.");
