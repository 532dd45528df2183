-- CreateEnum
CREATE TYPE "SecurityAlertStatus" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'CLOSED');

-- AlterTable
ALTER TABLE "SecurityAlert" ADD COLUMN     "agencyCode" TEXT,
ADD COLUMN     "clientId" TEXT,
ADD COLUMN     "clientIp" TEXT,
ADD COLUMN     "count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "firstRequestId" TEXT,
ADD COLUMN     "key" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "lastRequestId" TEXT,
ADD COLUMN     "note" TEXT,
ADD COLUMN     "response" TEXT,
ADD COLUMN     "role" TEXT,
ADD COLUMN     "status" "SecurityAlertStatus" NOT NULL DEFAULT 'OPEN',
ADD COLUMN     "threshold" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "windowEnd" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "windowStart" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "AlertWindow" (
    "rule" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMPTZ(3) NOT NULL,
    "windowEnd" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "firstRequestId" TEXT,
    "lastRequestId" TEXT,
    "firstAt" TIMESTAMPTZ(3) NOT NULL,
    "lastAt" TIMESTAMPTZ(3) NOT NULL,
    "who" JSONB NOT NULL,

    CONSTRAINT "AlertWindow_pkey" PRIMARY KEY ("rule","key")
);

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "openedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "openedBy" TEXT NOT NULL,
    "alertId" TEXT,
    "from" TIMESTAMPTZ(3) NOT NULL,
    "to" TIMESTAMPTZ(3) NOT NULL,
    "actors" TEXT[],
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "findings" JSONB NOT NULL,

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SecurityAlert_at_idx" ON "SecurityAlert"("at");

-- CreateIndex
CREATE INDEX "SecurityAlert_status_idx" ON "SecurityAlert"("status");

-- CreateIndex
CREATE UNIQUE INDEX "SecurityAlert_rule_key_windowStart_key" ON "SecurityAlert"("rule", "key", "windowStart");

-- Hand-written: an alert is evidence. It is never deleted, and only its handling (status, who, when,
-- note) ever changes; the rest stays as the rule raised it.
CREATE FUNCTION "SecurityAlert_handling_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'security_alert_kept: security alerts are never deleted';
  END IF;
  IF (to_jsonb(NEW) - 'status' - 'handledAt' - 'handledBy' - 'note')
     IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'handledAt' - 'handledBy' - 'note') THEN
    RAISE EXCEPTION 'security_alert_kept: only the handling of an alert (status, handledAt, handledBy, note) changes';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER "SecurityAlert_handling_only" BEFORE UPDATE OR DELETE ON "SecurityAlert"
  FOR EACH ROW EXECUTE FUNCTION "SecurityAlert_handling_only"();
