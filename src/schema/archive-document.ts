// Arsip: archived documents with their SHA-256 checksums.
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";

export const Classification = builder.enumType("Classification", {
  values: ["PUBLIC", "INTERNAL", "CONFIDENTIAL", "SECRET"] as const,
});

builder.prismaObject("ArchiveDocument", {
  description: "Arsip: a document whose checksum is verified on demand and after every restore.",
  fields: (t) => ({
    id: t.exposeID("id"),
    agency: t.relation("agency"),
    title: t.exposeString("title"),
    classification: t.expose("classification", { type: Classification }),
    retentionYears: t.exposeInt("retentionYears"),
    checksumSha256: t.exposeString("checksumSha256"),
    sizeBytes: t.expose("sizeBytes", { type: "BigInt" }),
    storageUri: t.exposeString("storageUri"),
    citizen: t.relation("citizen", { nullable: true }),
    registeredAt: t.expose("registeredAt", { type: "DateTime" }),
    lastVerifiedAt: t.expose("lastVerifiedAt", { type: "DateTime", nullable: true }),
  }),
});

const ArchiveDocumentWhere = builder.inputType("ArchiveDocumentWhere", {
  fields: (t) => ({
    agencyId: t.field({ type: StringFilter }),
    citizenId: t.field({ type: StringFilter }),
    title: t.field({ type: StringFilter }),
    classification: t.field({ type: [Classification] }),
  }),
});

addRootQueries({
  one: "archiveDocument",
  many: "archiveDocuments",
  model: "ArchiveDocument",
  delegate: (db) => db.archiveDocument,
  where: ArchiveDocumentWhere as never,
  orderFields: ["registeredAt", "title"],
});
