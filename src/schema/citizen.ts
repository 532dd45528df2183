// Penduduk: citizens and everything recorded about them.
import { BadUserInputError, NotFoundError } from "../errors.ts";
import { addressParts, formatAddress } from "../masking/maskers.ts";
import { rowScope } from "../policy/scope.ts";
import { builder } from "./builder.ts";
import { addRootQueries, DateFilter, StringFilter, scopedRelation } from "./lists.ts";

export const Sex = builder.enumType("Sex", { values: ["MALE", "FEMALE"] as const });
export const Religion = builder.enumType("Religion", {
  values: ["ISLAM", "PROTESTANT", "CATHOLIC", "HINDU", "BUDDHIST", "CONFUCIAN", "OTHER"] as const,
});
export const MaritalStatus = builder.enumType("MaritalStatus", {
  values: ["SINGLE", "MARRIED", "DIVORCED", "WIDOWED"] as const,
});
export const CitizenStatus = builder.enumType("CitizenStatus", { values: ["ALIVE", "DECEASED", "MOVED"] as const });

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
    nik: t.exposeString("nik", { description: "NIK, 16 digits. Masked unless policy and purpose allow." }),
    familyCardNumber: t.exposeString("familyCardNumber", { description: "No. KK (family card), 16 digits." }),
    fullName: t.exposeString("fullName"),
    birthPlace: t.exposeString("birthPlace"),
    birthDate: t.expose("birthDate", { type: "Date" }),
    sex: t.expose("sex", { type: Sex }),
    religion: t.expose("religion", { type: Religion }),
    maritalStatus: t.expose("maritalStatus", { type: MaritalStatus }),
    occupation: t.exposeString("occupation"),
    address: t.string({
      description: "Street, RT/RW, village, district, regency, province. Masked to district and regency.",
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
  delegate: (db) => db.citizen,
  where: CitizenWhere as never,
  orderFields: ["fullName", "birthDate", "nik", "createdAt"],
});

builder.queryField("citizenByNik", (t) =>
  t.prismaField({
    type: "Citizen",
    nullable: true,
    description: "Exact lookup by a full NIK, for roles the policy names. Prefix or partial lookups do not exist.",
    args: { nik: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      if (!/^\d{16}$/.test(args.nik)) {
        throw new BadUserInputError("nik must be exactly 16 digits.", { field: "nik", rule: "nik_format" });
      }
      const row = await ctx.db.citizen.findFirst({
        ...query,
        where: { AND: [{ nik: args.nik }, rowScope(ctx.policy, ctx.principal, "Citizen")] },
      });
      // The NIK is not echoed: the message must not confirm or repeat an identity number.
      if (!row) throw new NotFoundError("No citizen with that NIK in the rows your role may see.");
      return row;
    },
  }),
);
