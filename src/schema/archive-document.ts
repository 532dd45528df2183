// Arsip: archived documents with their SHA-256 checksums.
import { audited } from "../audit/transaction.ts";
import { notBlank, PLAUSIBLE, rejectInput } from "../domain/validate.ts";
import { $Enums } from "../generated/prisma/client.ts";
import { builder } from "./builder.ts";
import { addRootQueries, StringFilter } from "./lists.ts";
import { citizenInScope, loadInScope, ownAgency } from "./mutations.ts";

export const Classification = builder.enumType($Enums.Classification, { name: "Classification" });

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
  where: ArchiveDocumentWhere,
  orderFields: ["registeredAt", "title"],
});

// ---------------------------------------------------------------------------------------------
// Mutations (archivists of their own agency).

const SHA256 = /^[0-9a-f]{64}$/;

const RegisterArchiveDocumentInput = builder.inputType("RegisterArchiveDocumentInput", {
  fields: (t) => ({
    title: t.string({ required: true }),
    classification: t.field({ type: Classification, required: true }),
    retentionYears: t.int({ required: true }),
    checksumSha256: t.string({ required: true, description: "64 lowercase hex characters." }),
    sizeBytes: t.field({ type: "BigInt", required: true }),
    storageUri: t.string({ required: true }),
    citizenId: t.id({ description: "The citizen the document is about, if any." }),
  }),
});

builder.mutationField("registerArchiveDocument", (t) =>
  t.prismaField({
    type: "ArchiveDocument",
    description: "Registers a document in the officer's agency's archive with its SHA-256 checksum.",
    args: { input: t.arg({ type: RegisterArchiveDocumentInput, required: true }) },
    resolve: (query, _root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "registerArchiveDocument",
        { entityType: "ArchiveDocument", citizenId: input.citizenId ? String(input.citizenId) : null },
        async (tx) => {
          const agency = await ownAgency(ctx, tx, ["ARCHIVES"]);
          if (!SHA256.test(input.checksumSha256))
            rejectInput("input.checksumSha256", "checksum_format", "must be 64 lowercase hex characters.");
          const { min, max } = PLAUSIBLE.retentionYears;
          if (input.retentionYears < min || input.retentionYears > max)
            rejectInput("input.retentionYears", "retention_range", `must be between ${min} and ${max}.`);
          if (input.sizeBytes < 0n || input.sizeBytes > PLAUSIBLE.maxArchiveBytes)
            rejectInput("input.sizeBytes", "size_range", "must be between 0 and 1 TiB (1099511627776 bytes).");
          let citizenId: string | null = null;
          if (input.citizenId) {
            const citizen = await citizenInScope(ctx, tx, input.citizenId, "input.citizenId");
            citizenId = citizen.id;
          }
          const data = {
            agencyId: agency.id,
            title: notBlank("input.title", input.title),
            classification: input.classification,
            retentionYears: input.retentionYears,
            checksumSha256: input.checksumSha256,
            sizeBytes: input.sizeBytes,
            storageUri: notBlank("input.storageUri", input.storageUri),
            citizenId,
          };
          const created = await tx.archiveDocument.create({ ...query, data });
          return { entity: created, entityId: created.id, citizenId, before: null, after: data };
        },
      ),
  }),
);

const VerifyArchiveDocumentInput = builder.inputType("VerifyArchiveDocumentInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    checksumSha256: t.string({ required: true, description: "SHA-256 of the file as retrieved from storage now." }),
  }),
});

const ArchiveVerification = builder
  .objectRef<{ matches: boolean; document: { id: string } }>("ArchiveVerification")
  .implement({
    description: "The result of comparing a document's stored checksum with the file's checksum now.",
    fields: (t) => ({
      matches: t.exposeBoolean("matches"),
      document: t.prismaField({
        type: "ArchiveDocument",
        resolve: (query, parent, _args, ctx) =>
          ctx.db.archiveDocument.findUniqueOrThrow({ ...query, where: { id: parent.document.id } }),
      }),
    }),
  });

builder.mutationField("verifyArchiveDocument", (t) =>
  t.field({
    type: ArchiveVerification,
    description:
      "Compares the stored checksum with the file's current one; a match updates lastVerifiedAt. Either way it is audited.",
    args: { input: t.arg({ type: VerifyArchiveDocumentInput, required: true }) },
    resolve: (_root, { input }, ctx, info) =>
      audited(
        ctx,
        info,
        "verifyArchiveDocument",
        { entityType: "ArchiveDocument", entityId: String(input.id) },
        async (tx) => {
          const id = String(input.id);
          if (!SHA256.test(input.checksumSha256))
            rejectInput("input.checksumSha256", "checksum_format", "must be 64 lowercase hex characters.");
          const before = await loadInScope(ctx, tx, "ArchiveDocument", id);
          const matches = before.checksumSha256 === input.checksumSha256;
          const after = matches
            ? await tx.archiveDocument.update({ where: { id }, data: { lastVerifiedAt: new Date() } })
            : before;
          return {
            entity: { matches, document: { id } },
            entityId: id,
            citizenId: before.citizenId,
            before: { lastVerifiedAt: before.lastVerifiedAt },
            after: { lastVerifiedAt: after.lastVerifiedAt, checksumMatches: matches },
          };
        },
      ),
  }),
);
