-- CreateEnum
CREATE TYPE "AccessKind" AS ENUM ('REVEAL', 'LOOKUP');

-- CreateEnum
CREATE TYPE "LookupOutcome" AS ENUM ('FOUND', 'NOT_FOUND', 'OUT_OF_SCOPE');

-- AlterTable
ALTER TABLE "AccessEntry" ADD COLUMN     "kind" "AccessKind" NOT NULL DEFAULT 'REVEAL',
ADD COLUMN     "outcome" "LookupOutcome",
ADD COLUMN     "valueHash" TEXT,
ALTER COLUMN "citizenId" DROP NOT NULL;

-- A lookup always says what it matched and which identifier (as a keyed hash) was searched for; a
-- reveal never carries a lookup's outcome.
ALTER TABLE "AccessEntry" ADD CONSTRAINT "AccessEntry_lookup_fields" CHECK (
  ("kind" = 'LOOKUP' AND "outcome" IS NOT NULL AND "valueHash" IS NOT NULL)
  OR ("kind" = 'REVEAL' AND "outcome" IS NULL)
);
