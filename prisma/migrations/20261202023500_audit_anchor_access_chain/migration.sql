-- AlterTable
ALTER TABLE "AccessEntry" ADD COLUMN     "hash" CHAR(64),
ADD COLUMN     "sealId" INTEGER;

-- AlterTable
ALTER TABLE "AuditEntry" ADD COLUMN     "hashVersion" SMALLINT NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "AuditSeal" ADD COLUMN     "accessCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "accessDigest" CHAR(64),
ADD COLUMN     "accessFirstSeq" BIGINT,
ADD COLUMN     "accessLastSeq" BIGINT,
ADD COLUMN     "version" SMALLINT NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "AccessEntry_sealId_idx" ON "AccessEntry"("sealId");

-- AddForeignKey
ALTER TABLE "AccessEntry" ADD CONSTRAINT "AccessEntry_sealId_fkey" FOREIGN KEY ("sealId") REFERENCES "AuditSeal"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: access entries (the log of clear reveals) join the sealed chain.
-- Every access entry written from now on carries its keyed hash. NOT VALID: the rule holds for every
-- new row and leaves the entries written before this migration (which have no hash) as they are;
-- verify counts those as "written before access entries were hashed".
ALTER TABLE "AccessEntry"
  ADD CONSTRAINT "AccessEntry_hash_required" CHECK ("hash" IS NOT NULL) NOT VALID;

-- Like audit entries: append-only, but for the sealer setting "sealId" once on an unsealed entry
-- (audit_entry_seal_only compares the whole row but for "sealId", whatever the table).
DROP TRIGGER "AccessEntry_append_only" ON "AccessEntry";
CREATE TRIGGER "AccessEntry_append_only" BEFORE UPDATE OR DELETE ON "AccessEntry"
  FOR EACH ROW EXECUTE FUNCTION "audit_entry_seal_only"();

-- The sealer looks for unsealed access entries on every pass.
CREATE INDEX "AccessEntry_unsealed_idx" ON "AccessEntry" ("seq") WHERE "sealId" IS NULL AND "hash" IS NOT NULL;
