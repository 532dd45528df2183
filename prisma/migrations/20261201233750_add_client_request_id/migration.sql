-- AlterTable
ALTER TABLE "AuditEntry" ADD COLUMN     "clientRequestId" TEXT;

-- Hand-written: the gateway stores a caller's x-request-id only when it is 8-64 of [A-Za-z0-9._-];
-- the trail is append-only, so nothing longer or stranger may ever land in it.
ALTER TABLE "AuditEntry"
  ADD CONSTRAINT "AuditEntry_clientRequestId_format" CHECK ("clientRequestId" ~ '^[A-Za-z0-9._-]{8,64}$');
