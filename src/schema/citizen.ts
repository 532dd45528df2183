// Penduduk: citizens and everything recorded about them.
import { audited, withAuditNote } from "../audit/transaction.ts";
import {
  checkFamilyCard,
  checkNik,
  checkVillage,
  dateInRange,
  notBlank,
  notInFuture,
  PLAUSIBLE,
  threeDigits,
} from "../domain/validate.ts";
import { BadUserInputError, NotFoundError, registryReferral } from "../errors.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { assertLookupAllowed, noteLookup, takeLookupUnit } from "../masking/lookup.ts";
import { addressParts, formatAddress } from "../masking/maskers.ts";
import { rowInScope, scoped } from "../policy/scope.ts";
import { builder } from "./builder.ts";
import { addRootQueries, DateFilter, StringFilter, scopedRelation } from "./lists.ts";
import { assertCanPlace, loadForUpdate, updateVersioned } from "./mutations.ts";

export const Sex = builder.enumType($Enums.Sex, { name: "Sex" });
export const Religion = builder.enumType($Enums.Religion, { name: "Religion" });
export const MaritalStatus = builder.enumType($Enums.MaritalStatus, { name: "MaritalStatus" });
export const CitizenStatus = builder.enumType($Enums.CitizenStatus, { name: "CitizenStatus" });

/** The columns and region names an address is built from, loaded in the citizen's own query. */
const addressSelect = {
  addressStreet: true,
  addressRt: true,
  addressRw: true,
  domicile: {
    select: {
      name: true,
      parent: { select: { name: true, parent: { select: { name: true, parent: { select: { name: true } } } } } },
    },
  },
} as const;

builder.prismaObject("Citizen", {
  description: "Penduduk: a citizen. Never deleted; status changes instead.",
  fields: (t) => ({
    id: t.exposeID("id"),
    nik: t.expose("nik", {
      type: "MaskableNik",
      description: "NIK, 16 digits. Masked unless policy and purpose allow.",
    }),
    familyCardNumber: t.expose("familyCardNumber", {
      type: "MaskableFamilyCardNumber",
      description: "No. KK (family card), 16 digits. Masked unless policy and purpose allow.",
    }),
    fullName: t.exposeString("fullName"),
    birthPlace: t.exposeString("birthPlace"),
    birthDate: t.expose("birthDate", { type: "MaskableDate", description: "Masked to the year for some roles." }),
    sex: t.expose("sex", { type: Sex }),
    religion: t.expose("religion", { type: Religion }),
    maritalStatus: t.expose("maritalStatus", { type: MaritalStatus }),
    occupation: t.exposeString("occupation"),
    address: t.field({
      type: "MaskableAddress",
      description: "Street, RT/RW, village, district, regency, province. Masked to the area (village and up).",
      select: addressSelect,
      resolve: (c) => formatAddress(addressParts(c)),
    }),
    domicileCode: t.exposeString("domicileCode", { description: "Code of the domicile village." }),
    domicile: t.relation("domicile"),
    status: t.expose("status", { type: CitizenStatus }),
    version: t.exposeInt("version", { description: "Send it back with an update: a stale version is a CONFLICT." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    taxRecords: t.relatedConnection("taxRecords", scopedRelation("TaxRecord")),
    permits: t.relatedConnection("permits", scopedRelation("Permit")),
    socialAssistance: t.relatedConnection("socialAssistance", scopedRelation("SocialAssistance")),
    serviceRecords: t.relatedConnection("serviceRecords", scopedRelation("ServiceRecord")),
    archiveDocuments: t.relatedConnection("archiveDocuments", scopedRelation("ArchiveDocument")),
  }),
});

const CitizenWhere = builder.inputType("CitizenWhere", {
  description: "All given conditions must hold. Filtering on a field you cannot see clear is refused.",
  fields: (t) => ({
    nik: t.field({ type: StringFilter }),
    familyCardNumber: t.field({ type: StringFilter }),
    fullName: t.field({ type: StringFilter }),
    birthDate: t.field({ type: DateFilter }),
    sex: t.field({ type: [Sex] }),
    status: t.field({ type: [CitizenStatus] }),
    domicileCode: t.field({ type: StringFilter }),
  }),
});

addRootQueries({
  one: "citizen",
  many: "citizens",
  model: "Citizen",
  where: CitizenWhere,
  orderFields: ["fullName", "birthDate", "nik", "createdAt"],
});

builder.queryField("citizenByNik", (t) =>
  t.prismaField({
    type: "Citizen",
    nullable: true,
    description:
      "Exact lookup by a full NIK: an access. Needs a stated purpose that unlocks Citizen.nik for your role (x-purpose, x-case-ref), counts against your lookup budget (RATE_LIMITED) and is written to the access log, found or not. Prefix or partial lookups do not exist.",
    args: { nik: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      if (!/^\d{16}$/.test(args.nik)) {
        throw new BadUserInputError("nik must be exactly 16 digits.", { field: "nik", rule: "nik_format" });
      }
      assertLookupAllowed(ctx, "Citizen", "nik");
      // Both queries run whatever the answer: the first tells the access log the truth (who has the
      // number, wherever they live), the second is all the caller gets.
      const [holder, row] = await Promise.all([
        ctx.db.citizen.findUnique({ where: { nik: args.nik }, select: { id: true } }),
        ctx.db.citizen.findFirst({ ...query, where: scoped(ctx, "Citizen", { nik: args.nik }) }),
      ]);
      const outcome = row ? "FOUND" : holder ? "OUT_OF_SCOPE" : "NOT_FOUND";
      noteLookup(ctx, "Citizen", "nik", args.nik, outcome, holder?.id ?? null);
      // The same answer for no one and for someone outside your rows; the NIK is not echoed.
      if (!row) throw new NotFoundError("No citizen with that NIK in the rows your role may see.");
      return row;
    },
  }),
);

// ---------------------------------------------------------------------------------------------
// Mutations (registry officers). Each runs in audited(): validate → change → audit entry → commit.

const RegisterCitizenInput = builder.inputType("RegisterCitizenInput", {
  fields: (t) => ({
    nik: t.string({ required: true }),
    familyCardNumber: t.string({ required: true }),
    fullName: t.string({ required: true }),
    birthPlace: t.string({ required: true }),
    birthDate: t.field({ type: "Date", required: true }),
    sex: t.field({ type: Sex, required: true }),
    religion: t.field({ type: Religion, required: true }),
    maritalStatus: t.field({ type: MaritalStatus, required: true }),
    occupation: t.string({ required: true }),
    addressStreet: t.string({ required: true }),
    addressRt: t.string({ required: true }),
    addressRw: t.string({ required: true }),
    domicileCode: t.string({ required: true, description: "Code of the domicile village." }),
  }),
});

builder.mutationField("registerCitizen", (t) =>
  t.prismaField({
    type: "Citizen",
    description:
      "Registers a citizen. A NIK that cannot be registered (it is taken, wherever the record lives) is a CONFLICT that refers the applicant to the civil registry without saying more. Each registration counts against your lookup budget.",
    args: { input: t.arg({ type: RegisterCitizenInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(ctx, info, "registerCitizen", { entityType: "Citizen" }, async (tx) => {
        const data = {
          nik: input.nik,
          familyCardNumber: input.familyCardNumber,
          fullName: notBlank("input.fullName", input.fullName),
          birthPlace: notBlank("input.birthPlace", input.birthPlace),
          birthDate: input.birthDate,
          sex: input.sex,
          religion: input.religion,
          maritalStatus: input.maritalStatus,
          occupation: notBlank("input.occupation", input.occupation),
          addressStreet: notBlank("input.addressStreet", input.addressStreet),
          addressRt: input.addressRt,
          addressRw: input.addressRw,
          domicileCode: input.domicileCode,
        };
        notInFuture("input.birthDate", data.birthDate);
        dateInRange("input.birthDate", data.birthDate, PLAUSIBLE.earliestBirthDate, null);
        await checkNik(tx, "input.nik", data.nik, data.birthDate, data.sex);
        await checkFamilyCard(tx, "input.familyCardNumber", data.familyCardNumber);
        threeDigits("input.addressRt", data.addressRt);
        threeDigits("input.addressRw", data.addressRw);
        await checkVillage(tx, "input.domicileCode", data.domicileCode);
        assertCanPlace(ctx, "Citizen", data, "The domicile village");
        // Whether a NIK is taken is what a lookup answers, so asking costs a unit of the same budget,
        // and the answer is a referral that says no more than "not here", whoever holds the number.
        // The audit entry keeps the truth (which citizen, inside the officer's rows or not).
        takeLookupUnit(ctx);
        const holder = await tx.citizen.findUnique({
          where: { nik: data.nik },
          select: { id: true, domicileCode: true },
        });
        if (holder) {
          const where = rowInScope(ctx.policy, ctx.principal, "Citizen", holder) ? "in_scope" : "out_of_scope";
          throw withAuditNote(registryReferral(), { citizenId: holder.id, finding: `nik_registered_${where}` });
        }
        const created = await tx.citizen.create({ ...query, data });
        return { entity: created, entityId: created.id, citizenId: created.id, before: null, after: data };
      }),
  }),
);

const CorrectCitizenInput = builder.inputType("CorrectCitizenInput", {
  description: "Corrections to a citizen's registered data; fields left out stay as they are.",
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
    familyCardNumber: t.string(),
    fullName: t.string(),
    birthPlace: t.string(),
    birthDate: t.field({ type: "Date" }),
    sex: t.field({ type: Sex }),
    religion: t.field({ type: Religion }),
    maritalStatus: t.field({ type: MaritalStatus }),
    occupation: t.string(),
  }),
});

builder.mutationField("correctCitizen", (t) =>
  t.prismaField({
    type: "Citizen",
    description: "Corrects a citizen's data. The NIK must still match the birth date and sex.",
    args: { input: t.arg({ type: CorrectCitizenInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "correctCitizen",
        { entityType: "Citizen", entityId: String(input.id), citizenId: String(input.id) },
        async (tx) => {
          const id = String(input.id);
          const before = await loadForUpdate(ctx, tx, "Citizen", id, input.version);
          const data: Prisma.CitizenUpdateInput = {};
          if (input.familyCardNumber != null) {
            await checkFamilyCard(tx, "input.familyCardNumber", input.familyCardNumber);
            data.familyCardNumber = input.familyCardNumber;
          }
          if (input.fullName != null) data.fullName = notBlank("input.fullName", input.fullName);
          if (input.birthPlace != null) data.birthPlace = notBlank("input.birthPlace", input.birthPlace);
          if (input.occupation != null) data.occupation = notBlank("input.occupation", input.occupation);
          if (input.religion != null) data.religion = input.religion;
          if (input.maritalStatus != null) data.maritalStatus = input.maritalStatus;
          if (input.birthDate != null) {
            notInFuture("input.birthDate", input.birthDate);
            dateInRange("input.birthDate", input.birthDate, PLAUSIBLE.earliestBirthDate, null);
            data.birthDate = input.birthDate;
          }
          if (input.sex != null) data.sex = input.sex;
          if (input.birthDate != null || input.sex != null) {
            await checkNik(
              tx,
              "input.birthDate",
              before.nik,
              input.birthDate ?? before.birthDate,
              input.sex ?? before.sex,
            );
          }
          const after = await updateVersioned(tx, "Citizen", id, input.version, data, query);
          return { entity: after, entityId: id, citizenId: id, before, after };
        },
      ),
  }),
);

const ChangeCitizenAddressInput = builder.inputType("ChangeCitizenAddressInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
    addressStreet: t.string({ required: true }),
    addressRt: t.string({ required: true }),
    addressRw: t.string({ required: true }),
    domicileCode: t.string({ required: true, description: "Code of the new domicile village." }),
  }),
});

builder.mutationField("changeCitizenAddress", (t) =>
  t.prismaField({
    type: "Citizen",
    description: "Changes a citizen's address and domicile village. The NIK never changes when a person moves.",
    args: { input: t.arg({ type: ChangeCitizenAddressInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "changeCitizenAddress",
        { entityType: "Citizen", entityId: String(input.id), citizenId: String(input.id) },
        async (tx) => {
          const id = String(input.id);
          const before = await loadForUpdate(ctx, tx, "Citizen", id, input.version);
          const data = {
            addressStreet: notBlank("input.addressStreet", input.addressStreet),
            addressRt: input.addressRt,
            addressRw: input.addressRw,
            domicileCode: input.domicileCode,
          };
          threeDigits("input.addressRt", data.addressRt);
          threeDigits("input.addressRw", data.addressRw);
          await checkVillage(tx, "input.domicileCode", data.domicileCode);
          // A move out of the officer's region is recorded by an officer whose scope covers both ends
          // (a province-level registry office): no one pushes a record into a region they cannot see.
          assertCanPlace(ctx, "Citizen", data, "The new domicile village");
          const after = await updateVersioned(tx, "Citizen", id, input.version, data, query);
          return { entity: after, entityId: id, citizenId: id, before, after };
        },
      ),
  }),
);

const RecordCitizenDeathInput = builder.inputType("RecordCitizenDeathInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    version: t.int({ required: true, description: "The version you read." }),
    dateOfDeath: t.field({ type: "Date", required: true }),
  }),
});

builder.mutationField("recordCitizenDeath", (t) =>
  t.prismaField({
    type: "Citizen",
    description: "Records a death: the citizen's status becomes DECEASED (citizens are never deleted).",
    args: { input: t.arg({ type: RecordCitizenDeathInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "recordCitizenDeath",
        { entityType: "Citizen", entityId: String(input.id), citizenId: String(input.id) },
        async (tx) => {
          const id = String(input.id);
          const before = await loadForUpdate(ctx, tx, "Citizen", id, input.version);
          notInFuture("input.dateOfDeath", input.dateOfDeath);
          dateInRange("input.dateOfDeath", input.dateOfDeath, PLAUSIBLE.earliestBirthDate, null);
          if (input.dateOfDeath.getTime() < before.birthDate.getTime()) {
            throw new BadUserInputError("input.dateOfDeath: must not be before the birth date.", {
              field: "input.dateOfDeath",
              rule: "after_birth",
            });
          }
          if (before.status === "DECEASED") {
            throw new BadUserInputError("input.id: this citizen's death is already recorded.", {
              field: "input.id",
              rule: "status_transition",
            });
          }
          const after = await updateVersioned(tx, "Citizen", id, input.version, { status: "DECEASED" }, query);
          return {
            entity: after,
            entityId: id,
            citizenId: id,
            before: { status: before.status },
            after: { status: after.status, dateOfDeath: input.dateOfDeath },
          };
        },
      ),
  }),
);
