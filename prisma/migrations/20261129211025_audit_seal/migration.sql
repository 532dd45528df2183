-- AlterTable
ALTER TABLE "AuditEntry" ADD COLUMN     "hash" CHAR(64) NOT NULL,
ADD COLUMN     "sealId" INTEGER;

-- CreateTable
CREATE TABLE "AuditSeal" (
    "id" SERIAL NOT NULL,
    "sealedAt" TIMESTAMPTZ(3) NOT NULL,
    "entryCount" INTEGER NOT NULL,
    "firstSeq" BIGINT NOT NULL,
    "lastSeq" BIGINT NOT NULL,
    "digest" CHAR(64) NOT NULL,
    "prevHash" CHAR(64) NOT NULL,
    "hash" CHAR(64) NOT NULL,

    CONSTRAINT "AuditSeal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditHead" (
    "id" INTEGER NOT NULL,
    "sealId" INTEGER NOT NULL,
    "sealHash" CHAR(64) NOT NULL,
    "mac" CHAR(64) NOT NULL,

    CONSTRAINT "AuditHead_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditEntry_sealId_idx" ON "AuditEntry"("sealId");

-- AddForeignKey
ALTER TABLE "AuditEntry" ADD CONSTRAINT "AuditEntry_sealId_fkey" FOREIGN KEY ("sealId") REFERENCES "AuditSeal"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: the sealer may set "sealId" once on an unsealed entry, and nothing else changes.
-- Entries stay append-only in every other respect; seals are append-only; the head row may only
-- be moved forward, never deleted.

DROP TRIGGER "AuditEntry_append_only" ON "AuditEntry";

CREATE FUNCTION "audit_entry_seal_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."sealId" IS NULL AND NEW."sealId" IS NOT NULL
     AND (to_jsonb(NEW) - 'sealId') = (to_jsonb(OLD) - 'sealId') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'append_only: % on "%" is not allowed; the table is append-only (only sealing an unsealed entry is)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, CONSTRAINT = 'append_only';
END;
$$;

CREATE TRIGGER "AuditEntry_append_only" BEFORE UPDATE OR DELETE ON "AuditEntry"
  FOR EACH ROW EXECUTE FUNCTION "audit_entry_seal_only"();

CREATE TRIGGER "AuditSeal_append_only" BEFORE UPDATE OR DELETE ON "AuditSeal"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "AuditSeal_no_truncate" BEFORE TRUNCATE ON "AuditSeal"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();

CREATE FUNCTION "audit_head_forward_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."sealId" > OLD."sealId" THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head_forward_only: % on "AuditHead" is not allowed; the head only moves forward', TG_OP
    USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, CONSTRAINT = 'audit_head_forward_only';
END;
$$;

CREATE TRIGGER "AuditHead_forward_only" BEFORE UPDATE OR DELETE ON "AuditHead"
  FOR EACH ROW EXECUTE FUNCTION "audit_head_forward_only"();
CREATE TRIGGER "AuditHead_no_truncate" BEFORE TRUNCATE ON "AuditHead"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();

-- The sealer looks for unsealed entries on every pass; keep that lookup off the whole table.
CREATE INDEX "AuditEntry_unsealed_idx" ON "AuditEntry" ("seq") WHERE "sealId" IS NULL;
