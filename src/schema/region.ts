// Wilayah: regions are public reference data (codes and names), readable by every role the policy names.
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";

export const RegionLevel = builder.enumType($Enums.RegionLevel, { name: "RegionLevel" });

builder.prismaObject("Region", {
  description: "Wilayah: a Kemendagri region (province, regency, district or village).",
  fields: (t) => ({
    code: t.exposeString("code", { description: "Kemendagri code, e.g. 32.01.01.2001." }),
    name: t.exposeString("name"),
    level: t.expose("level", { type: RegionLevel }),
    parent: t.relation("parent", { nullable: true }),
    validFrom: t.expose("validFrom", { type: "Date" }),
    validUntil: t.expose("validUntil", { type: "Date", nullable: true }),
    supersededBy: t.exposeString("supersededBy", {
      nullable: true,
      description: "Code of the region that replaced this one after a split (pemekaran).",
    }),
  }),
});

const RegionWhere = builder.inputType("RegionWhere", {
  fields: (t) => ({
    code: t.field({ type: StringFilter }),
    name: t.field({ type: StringFilter }),
    level: t.field({ type: [RegionLevel] }),
    parentCode: t.field({ type: StringFilter }),
  }),
});

addRootQueries({
  one: "region",
  many: "regions",
  model: "Region",
  where: RegionWhere,
  orderFields: ["code", "name"],
  key: { name: "code", column: "code" },
});
