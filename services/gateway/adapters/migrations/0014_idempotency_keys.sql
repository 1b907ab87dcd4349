-- Idempotency-Key: one row per org and key, on routes flagged ``idempotent`` in the route table.
-- Claimed in flight while the route runs (the claim token says which request holds it, so a
-- request whose lease was taken over cannot overwrite its successor), then done with the
-- response it answered, which is replayed to the same request until the window ends.
CREATE TABLE idempotency_keys (
    org_id uuid NOT NULL,
    key text NOT NULL,
    route text NOT NULL,                -- "POST /api/v1/payouts/run": the route's template
    fingerprint bytea NOT NULL,         -- sha256 of method, path and query, raw body bytes
    state text NOT NULL CHECK (state IN ('in_flight', 'done')),
    claim uuid NOT NULL,
    lease_expires_at timestamptz,       -- in flight: after it, a new request may take over
    response_status smallint,
    response_body bytea,
    response_content_type text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, key),
    CHECK ((state = 'in_flight') = (lease_expires_at IS NOT NULL)),
    CHECK ((state = 'done') = (response_status IS NOT NULL AND response_body IS NOT NULL))
);
-- The purge deletes by age.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
