-- The ledger's copy of each org's booking settings. The gateway owns orgs and announces every
-- change (org.settings_changed); updated_at is the gateway row's version, and an event older
-- than (or as old as) the copy changes nothing.
CREATE TABLE org_settings (
    org_id uuid PRIMARY KEY,
    home_currency text NOT NULL,
    payout_grace_days integer NOT NULL CHECK (payout_grace_days >= 0),
    updated_at timestamptz NOT NULL
);

-- A CPC click bucket whose org has no copy yet (its settings event is still on the way): kept
-- here, never booked in a guessed currency, and booked in the transaction that stores the org's
-- first copy. The body is the tracking.clicks.aggregated event.
CREATE TABLE parked_click_buckets (
    bucket_id uuid PRIMARY KEY,
    org_id uuid NOT NULL,
    body jsonb NOT NULL,
    parked_at timestamptz NOT NULL
);
CREATE INDEX parked_click_buckets_org ON parked_click_buckets (org_id);
