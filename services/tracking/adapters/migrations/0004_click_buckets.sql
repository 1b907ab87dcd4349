-- CPC: non-bot clicks counted per (org, program, affiliate, time bucket). A row is open while its
-- bucket still takes clicks and closed once (closed_at), in the transaction that stages its
-- tracking.clicks.aggregated event, so the ledger books each bucket exactly once.
CREATE TABLE click_buckets (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL,
    program_id    uuid NOT NULL,
    affiliate_id  uuid NOT NULL,
    bucket_start  timestamptz NOT NULL,
    bucket_end    timestamptz NOT NULL,
    clicks        integer NOT NULL CHECK (clicks > 0),
    -- Of ``clicks``, those created in an earlier bucket that had already closed when they were
    -- written (they land in the first open bucket instead of being dropped).
    late_clicks   integer NOT NULL DEFAULT 0 CHECK (late_clicks BETWEEN 0 AND clicks),
    closed_at     timestamptz,
    UNIQUE (org_id, program_id, affiliate_id, bucket_start)
);
CREATE INDEX click_buckets_open ON click_buckets (bucket_end) WHERE closed_at IS NULL;

-- The aggregation's watermarks (one row): every click with id <= last_click_id is counted in
-- click_buckets, and every bucket starting before closed_through is closed.
CREATE TABLE click_aggregation (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_click_id  bigint NOT NULL,
    closed_through timestamptz
);
INSERT INTO click_aggregation (last_click_id, closed_through) VALUES (0, NULL);
