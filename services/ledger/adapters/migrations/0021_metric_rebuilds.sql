-- A rebuild of an org's metric rollups from the owners' data (``rekomi admin metrics-rebuild``):
-- its days and the next one to do, so an interrupted rebuild resumes there.
CREATE TABLE metric_rebuilds (
    org_id uuid PRIMARY KEY,
    first_day date NOT NULL,
    last_day date NOT NULL,
    next_day date NOT NULL,
    started_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    finished_at timestamptz
);
