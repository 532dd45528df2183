-- Integrity rules that Prisma's schema language cannot express. They live in the database so that a
-- raw SQL INSERT/UPDATE/DELETE that bypasses the gateway is refused exactly like a GraphQL mutation.
-- Every refusal is SQLSTATE 23514 (check_violation) and names its rule, both in the message and in
-- the error's constraint field, so the gateway can map any of them to one clean error.
-- Plain CHECK constraints report their own name in the same way.

-- ---------------------------------------------------------------------------------------------
-- Citizen (penduduk)

ALTER TABLE "Citizen"
  ADD CONSTRAINT "Citizen_nik_format" CHECK ("nik" ~ '^[0-9]{16}$'),
  -- The last 4 digits of a NIK are a serial that starts at 0001.
  ADD CONSTRAINT "Citizen_nik_serial" CHECK (right("nik", 4) <> '0000'),
  ADD CONSTRAINT "Citizen_familyCardNumber_format" CHECK ("familyCardNumber" ~ '^[0-9]{16}$'),
  -- CURRENT_DATE in a CHECK is only evaluated on write; a date in the past stays in the past, so rows
  -- never become invalid later (and a dump restores cleanly).
  ADD CONSTRAINT "Citizen_birthDate_not_future" CHECK ("birthDate" <= CURRENT_DATE),
  ADD CONSTRAINT "Citizen_addressRt_format" CHECK ("addressRt" ~ '^[0-9]{3}$'),
  ADD CONSTRAINT "Citizen_addressRw_format" CHECK ("addressRw" ~ '^[0-9]{3}$');

-- Citizens are never hard-deleted: their status changes instead (and tax, permit, assistance and
-- archive rows keep pointing at them).
CREATE FUNCTION "citizen_no_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'citizen_no_delete: citizens are never deleted; set "status" instead'
    USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, CONSTRAINT = 'citizen_no_delete';
END;
$$;

CREATE TRIGGER "Citizen_no_delete" BEFORE DELETE ON "Citizen"
  FOR EACH ROW EXECUTE FUNCTION "citizen_no_delete"();
-- TRUNCATE skips row triggers; without this, TRUNCATE ... CASCADE would empty the table.
CREATE TRIGGER "Citizen_no_truncate" BEFORE TRUNCATE ON "Citizen"
  FOR EACH STATEMENT EXECUTE FUNCTION "citizen_no_delete"();

-- Row scoping filters citizens by region prefix (`"domicileCode" LIKE '32.01.%'`). A plain btree index
-- serves LIKE 'prefix%' only under the C collation; text_pattern_ops serves it under any collation.
CREATE INDEX "Citizen_domicileCode_pattern_idx" ON "Citizen" ("domicileCode" text_pattern_ops);

-- ---------------------------------------------------------------------------------------------
-- Amounts and archive metadata

ALTER TABLE "TaxRecord"
  ADD CONSTRAINT "TaxRecord_assessedAmount_nonnegative" CHECK ("assessedAmount" >= 0),
  ADD CONSTRAINT "TaxRecord_paidAmount_nonnegative" CHECK ("paidAmount" >= 0);

ALTER TABLE "SocialAssistance"
  ADD CONSTRAINT "SocialAssistance_amount_positive" CHECK ("amount" > 0);

ALTER TABLE "FinancialTransaction"
  ADD CONSTRAINT "FinancialTransaction_amount_positive" CHECK ("amount" > 0);

ALTER TABLE "ArchiveDocument"
  ADD CONSTRAINT "ArchiveDocument_sizeBytes_nonnegative" CHECK ("sizeBytes" >= 0),
  ADD CONSTRAINT "ArchiveDocument_retentionYears_positive" CHECK ("retentionYears" > 0),
  -- Lowercase hex only: checksums are compared as strings after every restore.
  ADD CONSTRAINT "ArchiveDocument_checksumSha256_format" CHECK ("checksumSha256" ~ '^[0-9a-f]{64}$');

-- ---------------------------------------------------------------------------------------------
-- Region (wilayah): the Kemendagri code format depends on the level.

ALTER TABLE "Region"
  ADD CONSTRAINT "Region_code_format" CHECK (
    CASE "level"
      WHEN 'PROVINCE' THEN "code" ~ '^[0-9]{2}$'
      WHEN 'REGENCY'  THEN "code" ~ '^[0-9]{2}\.[0-9]{2}$'
      WHEN 'DISTRICT' THEN "code" ~ '^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$'
      WHEN 'VILLAGE'  THEN "code" ~ '^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$'
      -- A level added to the enum later must get its own format before it can be used.
      ELSE false
    END
  );

-- ---------------------------------------------------------------------------------------------
-- Permit (perizinan) workflow:
--   SUBMITTED -> UNDER_REVIEW -> APPROVED | REJECTED,  APPROVED -> REVOKED.

ALTER TABLE "Permit"
  ADD CONSTRAINT "Permit_approved_has_documentNumber" CHECK ("status" <> 'APPROVED' OR "documentNumber" IS NOT NULL);

CREATE FUNCTION "permit_status_transition"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."status" <> 'SUBMITTED' THEN
      RAISE EXCEPTION 'permit_status_transition: a new permit must start SUBMITTED, not %', NEW."status"
        USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'status', CONSTRAINT = 'permit_status_transition';
    END IF;
    RETURN NEW;
  END IF;
  -- Writing the same status again is not a transition (an update of other fields).
  IF NEW."status" = OLD."status" THEN
    RETURN NEW;
  END IF;
  IF (OLD."status" = 'SUBMITTED' AND NEW."status" = 'UNDER_REVIEW')
     OR (OLD."status" = 'UNDER_REVIEW' AND NEW."status" IN ('APPROVED', 'REJECTED'))
     OR (OLD."status" = 'APPROVED' AND NEW."status" = 'REVOKED') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'permit_status_transition: % -> % is not allowed', OLD."status", NEW."status"
    USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'status', CONSTRAINT = 'permit_status_transition';
END;
$$;

CREATE TRIGGER "Permit_status_transition" BEFORE INSERT OR UPDATE ON "Permit"
  FOR EACH ROW EXECUTE FUNCTION "permit_status_transition"();

-- ---------------------------------------------------------------------------------------------
-- Social assistance (bansos): living citizens only.

CREATE FUNCTION "social_assistance_living_citizen"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  citizen_status "CitizenStatus";
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."citizenId" = OLD."citizenId" THEN
    RETURN NEW; -- other fields (status ENDED, amount) may change after the citizen's death
  END IF;
  -- FOR SHARE: a concurrent transaction marking the citizen DECEASED either commits first (we see
  -- DECEASED) or waits for us; without the lock both could commit.
  SELECT "status" INTO citizen_status FROM "Citizen" WHERE "id" = NEW."citizenId" FOR SHARE;
  IF NOT FOUND THEN
    RETURN NEW; -- the foreign key reports a missing citizen
  END IF;
  IF citizen_status <> 'ALIVE' THEN
    RAISE EXCEPTION 'social_assistance_living_citizen: citizen % is %, assistance is for living citizens only',
        NEW."citizenId", citizen_status
      USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'citizenId', CONSTRAINT = 'social_assistance_living_citizen';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "SocialAssistance_living_citizen" BEFORE INSERT OR UPDATE OF "citizenId" ON "SocialAssistance"
  FOR EACH ROW EXECUTE FUNCTION "social_assistance_living_citizen"();

-- ---------------------------------------------------------------------------------------------
-- Financial transactions: no future dates, no back-dating beyond the configured window.

INSERT INTO "Setting" ("key", "value") VALUES ('finance.backdate_window_days', '30')
  ON CONFLICT ("key") DO NOTHING;

CREATE FUNCTION "finance_backdate_window"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  setting text;
  window_days integer := 30; -- when the Setting row is absent
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."transactionDate" = OLD."transactionDate" THEN
    RETURN NEW; -- the window applies when a date is written, not to later corrections of other fields
  END IF;
  SELECT "value" INTO setting FROM "Setting" WHERE "key" = 'finance.backdate_window_days';
  IF FOUND THEN
    -- A mistyped setting must not silently open (or close) the window.
    IF setting !~ '^[0-9]{1,5}$' THEN
      RAISE EXCEPTION 'finance_backdate_window: Setting finance.backdate_window_days must be a whole number of days, got "%"', setting
        USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, CONSTRAINT = 'finance_backdate_window';
    END IF;
    window_days := setting::integer;
  END IF;
  IF NEW."transactionDate" > CURRENT_DATE THEN
    RAISE EXCEPTION 'finance_backdate_window: transactionDate % is in the future', NEW."transactionDate"
      USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'transactionDate', CONSTRAINT = 'finance_backdate_window';
  END IF;
  IF NEW."transactionDate" < CURRENT_DATE - window_days THEN
    RAISE EXCEPTION 'finance_backdate_window: transactionDate % is more than % days in the past', NEW."transactionDate", window_days
      USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'transactionDate', CONSTRAINT = 'finance_backdate_window';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "FinancialTransaction_backdate_window" BEFORE INSERT OR UPDATE OF "transactionDate" ON "FinancialTransaction"
  FOR EACH ROW EXECUTE FUNCTION "finance_backdate_window"();

-- ---------------------------------------------------------------------------------------------
-- Audit trail (jejak audit) and access log (riwayat akses): append-only.

CREATE FUNCTION "append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'append_only: % on "%" is not allowed; the table is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, CONSTRAINT = 'append_only';
END;
$$;

CREATE TRIGGER "AuditEntry_append_only" BEFORE UPDATE OR DELETE ON "AuditEntry"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "AuditEntry_no_truncate" BEFORE TRUNCATE ON "AuditEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();

CREATE TRIGGER "AccessEntry_append_only" BEFORE UPDATE OR DELETE ON "AccessEntry"
  FOR EACH ROW EXECUTE FUNCTION "append_only"();
CREATE TRIGGER "AccessEntry_no_truncate" BEFORE TRUNCATE ON "AccessEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "append_only"();
