-- Signed-in affiliates are found by their verified e-mail across every org and program
-- (affiliates_live_email leads with program_id, so it cannot serve that lookup).
CREATE INDEX affiliates_identity_email ON affiliates (email) WHERE deleted_at IS NULL;
