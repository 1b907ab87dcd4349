-- Imported conversion history (POST /api/v1/conversions/import).
-- locked: settled or unconfirmed history that no payout may ever pay. A payout selects only
--   status = 'Approved' AND NOT locked; the CHECK below makes "locked and payable" impossible, so
--   a forgotten filter cannot pay imported history (money invariant 5).
-- import_job_id: the MigrationJob that created the row (revert removes exactly these rows).
-- import_key: what makes re-running an import idempotent: 'ext:' + externalId, or 'row:' + a
--   hash of the row's content; unique within the org's program.
ALTER TABLE conversions
    ADD COLUMN locked boolean NOT NULL DEFAULT false,
    -- Deferred: an import books its rows first and writes its job row (with the counts) last.
    ADD COLUMN import_job_id uuid REFERENCES migration_jobs (id) DEFERRABLE INITIALLY DEFERRED,
    ADD COLUMN import_key text,
    ADD COLUMN customer_name text,
    ADD CONSTRAINT conversions_locked_never_payable CHECK (NOT (locked AND status = 'Approved'));
CREATE UNIQUE INDEX conversions_import_key ON conversions (org_id, program_id, import_key)
    WHERE import_key IS NOT NULL;
CREATE INDEX conversions_import_job ON conversions (import_job_id)
    WHERE import_job_id IS NOT NULL;

-- What a conversions job was asked and what it made payable (the import's answer), and what
-- a revert removed.
ALTER TABLE migration_jobs
    ADD COLUMN confirm_unpaid_payout boolean NOT NULL DEFAULT false,
    ADD COLUMN exclude_paid boolean NOT NULL DEFAULT false,
    ADD COLUMN unpaid_confirmed_cents bigint NOT NULL DEFAULT 0,
    ADD COLUMN reverted_conversions integer;
