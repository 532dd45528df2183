-- CreateEnum
CREATE TYPE "RegionLevel" AS ENUM ('PROVINCE', 'REGENCY', 'DISTRICT', 'VILLAGE');

-- CreateEnum
CREATE TYPE "AgencyKind" AS ENUM ('CIVIL_REGISTRY', 'REVENUE', 'SOCIAL_AFFAIRS', 'LICENSING', 'FINANCE', 'ARCHIVES', 'HEALTH', 'EDUCATION');

-- CreateEnum
CREATE TYPE "Sex" AS ENUM ('MALE', 'FEMALE');

-- CreateEnum
CREATE TYPE "Religion" AS ENUM ('ISLAM', 'PROTESTANT', 'CATHOLIC', 'HINDU', 'BUDDHIST', 'CONFUCIAN', 'OTHER');

-- CreateEnum
CREATE TYPE "MaritalStatus" AS ENUM ('SINGLE', 'MARRIED', 'DIVORCED', 'WIDOWED');

-- CreateEnum
CREATE TYPE "CitizenStatus" AS ENUM ('ALIVE', 'DECEASED', 'MOVED');

-- CreateEnum
CREATE TYPE "TaxType" AS ENUM ('LAND_AND_BUILDING', 'LAND_TRANSFER', 'VEHICLE', 'RESTAURANT', 'HOTEL', 'ADVERTISEMENT');

-- CreateEnum
CREATE TYPE "TaxStatus" AS ENUM ('ASSESSED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED');

-- CreateEnum
CREATE TYPE "PermitStatus" AS ENUM ('SUBMITTED', 'UNDER_REVIEW', 'APPROVED', 'REJECTED', 'REVOKED');

-- CreateEnum
CREATE TYPE "AssistanceStatus" AS ENUM ('ACTIVE', 'ENDED');

-- CreateEnum
CREATE TYPE "Direction" AS ENUM ('DEBIT', 'CREDIT');

-- CreateEnum
CREATE TYPE "Classification" AS ENUM ('PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'SECRET');

-- CreateEnum
CREATE TYPE "ServiceChannel" AS ENUM ('COUNTER', 'ONLINE', 'MOBILE');

-- CreateEnum
CREATE TYPE "ServiceOutcome" AS ENUM ('COMPLETED', 'PENDING', 'REJECTED', 'REFERRED');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('SUCCESS', 'DENIED', 'INVALID', 'CONFLICT', 'ERROR');

-- CreateTable
CREATE TABLE "Region" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" "RegionLevel" NOT NULL,
    "parentCode" TEXT,
    "validFrom" DATE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "validUntil" DATE,
    "supersededBy" TEXT,

    CONSTRAINT "Region_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Agency" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AgencyKind" NOT NULL,
    "regionCode" TEXT NOT NULL,

    CONSTRAINT "Agency_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Citizen" (
    "id" TEXT NOT NULL,
    "nik" VARCHAR(16) NOT NULL,
    "familyCardNumber" VARCHAR(16) NOT NULL,
    "fullName" TEXT NOT NULL,
    "birthPlace" TEXT NOT NULL,
    "birthDate" DATE NOT NULL,
    "sex" "Sex" NOT NULL,
    "religion" "Religion" NOT NULL,
    "maritalStatus" "MaritalStatus" NOT NULL,
    "occupation" TEXT NOT NULL,
    "addressStreet" TEXT NOT NULL,
    "addressRt" VARCHAR(3) NOT NULL,
    "addressRw" VARCHAR(3) NOT NULL,
    "domicileCode" TEXT NOT NULL,
    "status" "CitizenStatus" NOT NULL DEFAULT 'ALIVE',
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Citizen_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TaxRecord" (
    "id" TEXT NOT NULL,
    "citizenId" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "taxType" "TaxType" NOT NULL,
    "taxObjectNumber" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "assessedAmount" DECIMAL(18,2) NOT NULL,
    "paidAmount" DECIMAL(18,2) NOT NULL DEFAULT 0,
    "status" "TaxStatus" NOT NULL DEFAULT 'ASSESSED',
    "dueDate" DATE NOT NULL,
    "paidAt" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "TaxRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Permit" (
    "id" TEXT NOT NULL,
    "applicantId" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "permitType" TEXT NOT NULL,
    "status" "PermitStatus" NOT NULL DEFAULT 'SUBMITTED',
    "documentNumber" TEXT,
    "submittedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMPTZ(3),
    "validUntil" DATE,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Permit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SocialAssistance" (
    "id" TEXT NOT NULL,
    "citizenId" TEXT NOT NULL,
    "program" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "status" "AssistanceStatus" NOT NULL DEFAULT 'ACTIVE',
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "SocialAssistance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinancialTransaction" (
    "id" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "accountCode" TEXT NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "direction" "Direction" NOT NULL,
    "transactionDate" DATE NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reference" TEXT NOT NULL,

    CONSTRAINT "FinancialTransaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArchiveDocument" (
    "id" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "classification" "Classification" NOT NULL,
    "retentionYears" INTEGER NOT NULL,
    "checksumSha256" CHAR(64) NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "storageUri" TEXT NOT NULL,
    "citizenId" TEXT,
    "registeredAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastVerifiedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ArchiveDocument_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ServiceRecord" (
    "id" TEXT NOT NULL,
    "citizenId" TEXT NOT NULL,
    "agencyId" TEXT NOT NULL,
    "serviceType" TEXT NOT NULL,
    "channel" "ServiceChannel" NOT NULL,
    "servedBy" TEXT NOT NULL,
    "servedAt" TIMESTAMPTZ(3) NOT NULL,
    "outcome" "ServiceOutcome" NOT NULL,

    CONSTRAINT "ServiceRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "seq" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "agencyCode" TEXT,
    "clientId" TEXT,
    "operation" TEXT,
    "mutation" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "entityType" TEXT,
    "entityId" TEXT,
    "citizenId" TEXT,
    "outcome" "AuditOutcome" NOT NULL,
    "changes" JSONB,
    "purpose" TEXT,
    "caseRef" TEXT,
    "requestId" TEXT NOT NULL,
    "clientIp" TEXT,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "AccessEntry" (
    "seq" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "agencyCode" TEXT,
    "clientId" TEXT,
    "citizenId" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "caseRef" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,

    CONSTRAINT "AccessEntry_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "ApiClient" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "agencyCode" TEXT,
    "scopes" TEXT[],
    "secretHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiClient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessToken" (
    "jti" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "issuedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "AccessToken_pkey" PRIMARY KEY ("jti")
);

-- CreateTable
CREATE TABLE "SecurityAlert" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rule" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "actor" TEXT,
    "details" JSONB NOT NULL,
    "handledAt" TIMESTAMPTZ(3),
    "handledBy" TEXT,

    CONSTRAINT "SecurityAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Region_code_key" ON "Region"("code");

-- CreateIndex
CREATE INDEX "Region_parentCode_idx" ON "Region"("parentCode");

-- CreateIndex
CREATE UNIQUE INDEX "Agency_code_key" ON "Agency"("code");

-- CreateIndex
CREATE INDEX "Agency_regionCode_idx" ON "Agency"("regionCode");

-- CreateIndex
CREATE UNIQUE INDEX "Citizen_nik_key" ON "Citizen"("nik");

-- CreateIndex
CREATE INDEX "Citizen_domicileCode_idx" ON "Citizen"("domicileCode");

-- CreateIndex
CREATE INDEX "Citizen_familyCardNumber_idx" ON "Citizen"("familyCardNumber");

-- CreateIndex
CREATE INDEX "TaxRecord_citizenId_idx" ON "TaxRecord"("citizenId");

-- CreateIndex
CREATE INDEX "TaxRecord_agencyId_idx" ON "TaxRecord"("agencyId");

-- CreateIndex
CREATE UNIQUE INDEX "TaxRecord_taxType_taxObjectNumber_period_key" ON "TaxRecord"("taxType", "taxObjectNumber", "period");

-- CreateIndex
CREATE UNIQUE INDEX "Permit_documentNumber_key" ON "Permit"("documentNumber");

-- CreateIndex
CREATE INDEX "Permit_applicantId_idx" ON "Permit"("applicantId");

-- CreateIndex
CREATE INDEX "Permit_agencyId_idx" ON "Permit"("agencyId");

-- CreateIndex
CREATE UNIQUE INDEX "SocialAssistance_citizenId_program_period_key" ON "SocialAssistance"("citizenId", "program", "period");

-- CreateIndex
CREATE UNIQUE INDEX "FinancialTransaction_reference_key" ON "FinancialTransaction"("reference");

-- CreateIndex
CREATE INDEX "FinancialTransaction_agencyId_idx" ON "FinancialTransaction"("agencyId");

-- CreateIndex
CREATE INDEX "ArchiveDocument_agencyId_idx" ON "ArchiveDocument"("agencyId");

-- CreateIndex
CREATE INDEX "ArchiveDocument_citizenId_idx" ON "ArchiveDocument"("citizenId");

-- CreateIndex
CREATE INDEX "ServiceRecord_citizenId_idx" ON "ServiceRecord"("citizenId");

-- CreateIndex
CREATE INDEX "ServiceRecord_agencyId_idx" ON "ServiceRecord"("agencyId");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");

-- CreateIndex
CREATE INDEX "AuditEntry_actor_idx" ON "AuditEntry"("actor");

-- CreateIndex
CREATE INDEX "AuditEntry_entityType_entityId_idx" ON "AuditEntry"("entityType", "entityId");

-- CreateIndex
CREATE INDEX "AuditEntry_citizenId_idx" ON "AuditEntry"("citizenId");

-- CreateIndex
CREATE INDEX "AccessEntry_citizenId_idx" ON "AccessEntry"("citizenId");

-- CreateIndex
CREATE INDEX "AccessEntry_actor_idx" ON "AccessEntry"("actor");

-- CreateIndex
CREATE INDEX "AccessEntry_at_idx" ON "AccessEntry"("at");

-- CreateIndex
CREATE INDEX "AccessToken_clientId_idx" ON "AccessToken"("clientId");

-- AddForeignKey
ALTER TABLE "Region" ADD CONSTRAINT "Region_parentCode_fkey" FOREIGN KEY ("parentCode") REFERENCES "Region"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Agency" ADD CONSTRAINT "Agency_regionCode_fkey" FOREIGN KEY ("regionCode") REFERENCES "Region"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Citizen" ADD CONSTRAINT "Citizen_domicileCode_fkey" FOREIGN KEY ("domicileCode") REFERENCES "Region"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TaxRecord" ADD CONSTRAINT "TaxRecord_citizenId_fkey" FOREIGN KEY ("citizenId") REFERENCES "Citizen"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TaxRecord" ADD CONSTRAINT "TaxRecord_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "Agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Permit" ADD CONSTRAINT "Permit_applicantId_fkey" FOREIGN KEY ("applicantId") REFERENCES "Citizen"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Permit" ADD CONSTRAINT "Permit_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "Agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SocialAssistance" ADD CONSTRAINT "SocialAssistance_citizenId_fkey" FOREIGN KEY ("citizenId") REFERENCES "Citizen"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinancialTransaction" ADD CONSTRAINT "FinancialTransaction_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "Agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArchiveDocument" ADD CONSTRAINT "ArchiveDocument_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "Agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArchiveDocument" ADD CONSTRAINT "ArchiveDocument_citizenId_fkey" FOREIGN KEY ("citizenId") REFERENCES "Citizen"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceRecord" ADD CONSTRAINT "ServiceRecord_citizenId_fkey" FOREIGN KEY ("citizenId") REFERENCES "Citizen"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceRecord" ADD CONSTRAINT "ServiceRecord_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "Agency"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessToken" ADD CONSTRAINT "AccessToken_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "ApiClient"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
