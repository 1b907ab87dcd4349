-- A program's capacity: at most max_affiliates affiliates hold a seat (Approved or Paused, not
-- deleted); NULL = unlimited. Applying to a full program, or approving into one, is 409
-- program_at_capacity. Lowering it below the seats taken keeps everyone and only stops growth.
ALTER TABLE programs ADD COLUMN max_affiliates integer CHECK (max_affiliates >= 0);

-- The seats of a program, counted each time one is claimed while the program has a capacity.
CREATE INDEX affiliates_seats ON affiliates (program_id)
    WHERE status IN ('Approved', 'Paused') AND deleted_at IS NULL;
