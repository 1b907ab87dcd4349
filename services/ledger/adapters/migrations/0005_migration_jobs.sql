-- Migration jobs: one row per bulk import (API or dashboard), with its counts, so an import shows
-- up in import history and can be reverted. Affiliates it created point at it
-- (affiliates.import_job_id, indexed in 0002).
CREATE TABLE migration_jobs (
    id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    program_id uuid NOT NULL REFERENCES programs (id),
    kind text NOT NULL CHECK (kind IN ('Affiliates', 'Conversions')),
    status text NOT NULL CHECK (status IN ('Completed', 'Reverted')),
    total integer NOT NULL CHECK (total >= 0),
    imported integer NOT NULL CHECK (imported >= 0),
    skipped integer NOT NULL CHECK (skipped >= 0),
    errored integer NOT NULL CHECK (errored >= 0),
    reasons jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- notifyAffiliates as asked, and whether the org's plan allowed it (Growth+, active).
    notify_requested boolean NOT NULL DEFAULT false,
    notify_allowed boolean NOT NULL DEFAULT false,
    notifications_sent integer NOT NULL DEFAULT 0,
    actor jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    reverted_at timestamptz,
    reverted_affiliates integer,
    CHECK (imported + skipped + errored = total),
    CHECK ((status = 'Reverted') = (reverted_at IS NOT NULL))
);
CREATE INDEX migration_jobs_org_history ON migration_jobs (org_id, created_at DESC, id);
